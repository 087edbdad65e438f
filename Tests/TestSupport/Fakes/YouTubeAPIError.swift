// The YouTube Data and Analytics APIs' error bodies, as documented:
//
// - https://developers.google.com/youtube/v3/docs/errors: `{"error": {"code", "message",
//   "errors": [{"message", "domain", "reason", "location"?, "locationType"?}]}}`, domains
//   `global`, `youtube.quota`, `youtube.video`, `usageLimits`; core errors `forbidden` (403) and
//   `quotaExceeded` (403, "The request cannot be completed because you have exceeded your quota.").
// - Credential errors of Google APIs (401 `authError` "Invalid Credentials" with
//   `WWW-Authenticate: Bearer … error="invalid_token"`, 403 `insufficientPermissions`):
//   https://developers.google.com/youtube/v3/docs/errors#unauthorized and RFC 6750 §3
//   (https://www.rfc-editor.org/rfc/rfc6750#section-3).

import Foundation
import HTTPFields

/// One YouTube error: HTTP status, `reason`, `domain`, message and, for some, the canonical `status`.
public struct YouTubeAPIError: Error, Sendable, Equatable {
    /// The HTTP status (and `error.code`).
    public var code: Int
    /// `errors[0].reason` (`quotaExceeded`, `invalidTitle`, …).
    public var reason: String
    /// `errors[0].domain`.
    public var domain: String
    /// `error.message` and `errors[0].message`.
    public var message: String
    /// `error.status` (Google's front end adds it to credential errors).
    public var status: String?
    /// `errors[0].location` (`body.snippet.title`, `Authorization`).
    public var location: String?
    /// Extra response headers.
    public var headers: [String: String] = [:]

    /// An error.
    public init(code: Int, reason: String, domain: String = "youtube.video", message: String, status: String? = nil, location: String? = nil) {
        self.code = code
        self.reason = reason
        self.domain = domain
        self.message = message
        self.status = status
        self.location = location
    }

    /// 400 with `reason` in the `youtube.video` domain (request metadata errors).
    public static func badRequest(_ reason: String, _ message: String, location: String? = nil) -> YouTubeAPIError {
        YouTubeAPIError(code: 400, reason: reason, message: message, location: location)
    }

    /// 400 `required` (a missing parameter), domain `global`.
    public static func required(_ parameter: String) -> YouTubeAPIError {
        YouTubeAPIError(code: 400, reason: "required", domain: "global", message: "Required parameter: \(parameter)", location: parameter)
    }

    /// 401 `authError`: a missing, expired or revoked token.
    public static let authError: YouTubeAPIError = {
        var error = YouTubeAPIError(
            code: 401, reason: "authError", domain: "global",
            message:
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            status: "UNAUTHENTICATED", location: "Authorization")
        error.headers = ["WWW-Authenticate": #"Bearer realm="https://accounts.google.com/", error="invalid_token""#]
        return error
    }()

    /// 403 `insufficientPermissions`: the token lacks the method's scope.
    public static let insufficientPermissions = YouTubeAPIError(
        code: 403, reason: "insufficientPermissions", domain: "global", message: "Request had insufficient authentication scopes.",
        status: "PERMISSION_DENIED")

    /// 403 `quotaExceeded`: the project's daily quota is spent (until midnight Pacific).
    public static let quotaExceeded = YouTubeAPIError(
        code: 403, reason: "quotaExceeded", domain: "youtube.quota",
        message: "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.")

    /// 503 `backendError`.
    public static let backendError = YouTubeAPIError(
        code: 503, reason: "backendError", domain: "global", message: "The service is currently unavailable.", status: "UNAVAILABLE")

    /// 404 `videoNotFound`.
    public static func videoNotFound(_ location: String) -> YouTubeAPIError {
        YouTubeAPIError(
            code: 404, reason: "videoNotFound",
            message: "The video identified by the <code>id</code> parameter could not be found.", location: location)
    }

    /// The reply.
    public var reply: FakeProviderServer.Reply {
        var entry: [String: Any] = ["message": reason == "authError" ? "Invalid Credentials" : message, "domain": domain, "reason": reason]
        if let location {
            entry["location"] = location
            entry["locationType"] = location == "Authorization" ? "header" : location.hasPrefix("body.") ? "other" : "parameter"
        }
        var error: [String: Any] = ["code": code, "message": message, "errors": [entry]]
        if let status { error["status"] = status }
        var fields = HTTPHeaders()
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { fields.add(name: name, value: value) }
        return .json(code, object: ["error": error], headers: fields)
    }
}
