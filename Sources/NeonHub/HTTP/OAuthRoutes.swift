import Foundation
import HTTPCore
import HTTPFields

/// The browser-facing OAuth routes: `GET /oauth/callback/<connector>`, where providers send
/// the user back (the state authenticates it, not a bearer token), and in mock mode
/// `GET /oauth/mock/<connector>`, a consent page standing in for the provider's. Both answer
/// a redirect to the UI when `APP_URL` is set, else a small page saying what happened.
enum OAuthRoutes {
    static let callbackPrefix = "/oauth/callback/"
    static let mockPrefix = "/oauth/mock/"

    static func register(on router: AppRouter, flow: OAuthFlow) {
        router.addPrefix("GET", callbackPrefix, template: "/oauth/callback/{connector}") { request, sink in
            let connector = String(request.path.dropFirst(callbackPrefix.count))
            let query = QueryString.parameters(request.query)
            Task.immediate(executorPreference: sink.executor) {
                let completion = await flow.complete(connector: connector, query: query)
                sink.send(response(for: completion))
            }
        }
        guard flow.isMock else { return }
        router.addPrefix("GET", mockPrefix, template: "/oauth/mock/{connector}") { request, sink in
            let connector = String(request.path.dropFirst(mockPrefix.count))
            sink.send(mockConsent(connector: connector, query: QueryString.parameters(request.query), flow: flow))
        }
    }

    /// A redirect to the UI, or a page when there is none to go to.
    static func response(for completion: OAuthFlow.Completion) -> HTTPResponse {
        if let location = completion.location {
            return HTTPResponse(status: 302, headers: ["Location": location, "Cache-Control": "no-store"], body: [])
        }
        let title = completion.status == "connected" ? "Connected" : "Not connected"
        let detail = completion.reason.map { " (\(escape($0)))" } ?? ""
        return page(
            status: completion.status == "connected" ? 200 : 400, title: title,
            body: "<p>\(escape(completion.message))\(detail)</p><p>You can close this window.</p>")
    }

    /// The mock provider's consent page: Allow and Deny, each back to our own callback (never
    /// to a `redirect_uri` from the query, which would make this an open redirect).
    /// `decision=allow|deny` in the query answers at once (for tests and scripted UIs).
    static func mockConsent(connector: String, query: [String: String], flow: OAuthFlow) -> HTTPResponse {
        guard let state = query["state"], !state.isEmpty else {
            return page(status: 400, title: "Mock consent", body: "<p>This consent page needs a <code>state</code>.</p>")
        }
        let callback = flow.redirectURI(for: connector)
        let allow = callback + "?" + OAuthTokenClient.formEncode([("code", "mock-" + Base64URL.encode(SecureRandom.bytes(12))), ("state", state)])
        let deny =
            callback + "?"
            + OAuthTokenClient.formEncode([("error", "access_denied"), ("error_description", "The user denied access."), ("state", state)])
        switch query["decision"] {
        case "allow": return HTTPResponse(status: 302, headers: ["Location": allow, "Cache-Control": "no-store"], body: [])
        case "deny": return HTTPResponse(status: 302, headers: ["Location": deny, "Cache-Control": "no-store"], body: [])
        default:
            return page(
                status: 200, title: "Connect \(escape(connector)) (mock)",
                body: """
                    <p>Mock mode: no provider is contacted. Scopes: \(escape(query["scope"] ?? "none")).</p>
                    <p><a href="\(escape(allow))">Allow</a> · <a href="\(escape(deny))">Deny</a></p>
                    """)
        }
    }

    static func page(status: Int, title: String, body: String) -> HTTPResponse {
        let html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(title)</title></head><body><h1>\(title)</h1>\(body)</body></html>"
        return HTTPResponse(
            status: status,
            headers: [
                "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                "Content-Security-Policy": "default-src 'none'",
            ], body: Array(html.utf8))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
