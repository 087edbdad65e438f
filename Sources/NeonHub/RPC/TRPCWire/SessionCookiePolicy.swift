import HTTPCore
import HTTPFields

/// When the NextAuth session cookie may stand in for the `Authorization` header: only with
/// `NEXTAUTH_SECRET` set, only on `GET` (queries and subscriptions: a `GET` never runs a
/// mutation, so cookies open no cross-site-request-forgery path to a write), and only when the
/// request's `Origin` is listed by name in `CORS_ORIGINS` — `*` and `null` never count.
///
/// A request without `Origin` is not admitted. Browsers send `Origin` on every cross-origin
/// request, `EventSource` and `fetch` alike, so the frontend on its own origin always has one;
/// what comes without it is a same-origin request (the API serves no pages of its own), a
/// top-level navigation, a `no-cors` `<img>`/`<script>` load from any site that shares the
/// cookie, or a non-browser client. The first three would let another page probe a signed-in
/// user's data through status codes and timing; the last can send the header.
public struct SessionCookiePolicy: Sendable {
    let origins: Set<String>

    /// A policy admitting the listed origins (`CORS_ORIGINS`) when `enabled` (`NEXTAUTH_SECRET` set).
    public init(enabled: Bool, origins: [String]) {
        self.origins = enabled ? Set(origins.filter { $0 != "*" && $0 != "null" }) : []
    }

    /// No cookie is ever read.
    public static let disabled = SessionCookiePolicy(enabled: false, origins: [])

    /// Whether `request` may authenticate with the session cookie.
    func admits(_ request: HTTPRequest) -> Bool {
        guard request.method == "GET", !origins.isEmpty else { return false }
        let sent = request.headers.values(for: "origin")
        return sent.count == 1 && origins.contains(sent[0])
    }
}
