// Google's REST error model and bearer-token check, shared by the fakes of Google APIs that
// take Google OAuth 2.0 access tokens (GA4, Search Console), following the documentation:
//
// - Error model (`{"error": {"code", "message", "status", "details"}}`, HTTP ↔ canonical code
//   mapping: 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND,
//   429 RESOURCE_EXHAUSTED, 500 INTERNAL, 503 UNAVAILABLE): https://cloud.google.com/apis/design/errors
//   and https://google.aip.dev/193
// - `google.rpc.ErrorInfo` reasons for credentials (ACCESS_TOKEN_EXPIRED, CREDENTIALS_MISSING,
//   ACCESS_TOKEN_SCOPE_INSUFFICIENT): https://cloud.google.com/apis/design/errors#error_info
// - RFC 6750 §3 (`WWW-Authenticate: Bearer … error="invalid_token"` on a refused token):
//   https://www.rfc-editor.org/rfc/rfc6750#section-3
//
// The messages are those Google's front end answers for credentials ("Request had invalid
// authentication credentials…", "Request is missing required authentication credential…",
// "Request had insufficient authentication scopes.").

import Foundation
import HTTPFields

/// One error in Google's JSON shape: HTTP status, canonical `status`, `message`, and an
/// optional `google.rpc.ErrorInfo` reason.
public struct GoogleAPIError: Error, Sendable, Equatable {
    /// The HTTP status (and `error.code`).
    public var code: Int
    /// The canonical code (`INVALID_ARGUMENT`, `UNAUTHENTICATED`, …).
    public var status: String
    /// `error.message`.
    public var message: String
    /// The `ErrorInfo` reason, if any.
    public var reason: String?
    /// The `ErrorInfo` domain/service (`analyticsdata.googleapis.com`).
    public var service: String?
    /// Extra response headers.
    public var headers: [String: String]

    /// An error.
    public init(code: Int, status: String, message: String, reason: String? = nil, service: String? = nil, headers: [String: String] = [:]) {
        self.code = code
        self.status = status
        self.message = message
        self.reason = reason
        self.service = service
        self.headers = headers
    }

    /// 400 INVALID_ARGUMENT.
    public static func invalidArgument(_ message: String) -> GoogleAPIError {
        GoogleAPIError(code: 400, status: "INVALID_ARGUMENT", message: message)
    }

    /// 403 PERMISSION_DENIED.
    public static func permissionDenied(_ message: String) -> GoogleAPIError {
        GoogleAPIError(code: 403, status: "PERMISSION_DENIED", message: message)
    }

    /// 404 NOT_FOUND.
    public static func notFound(_ message: String = "Requested entity was not found.") -> GoogleAPIError {
        GoogleAPIError(code: 404, status: "NOT_FOUND", message: message)
    }

    /// 429 RESOURCE_EXHAUSTED (Google sends no Retry-After with it).
    public static func resourceExhausted(_ message: String) -> GoogleAPIError {
        GoogleAPIError(code: 429, status: "RESOURCE_EXHAUSTED", message: message)
    }

    /// 503 UNAVAILABLE.
    public static let unavailable = GoogleAPIError(code: 503, status: "UNAVAILABLE", message: "The service is currently unavailable.")

    /// The reply: `{"error": {"code", "message", "status", "details"?}}`.
    public var reply: FakeProviderServer.Reply {
        var error: [String: Any] = ["code": code, "message": message, "status": status]
        if let reason {
            var info: [String: Any] = ["@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com"]
            if let service { info["metadata"] = ["service": service] }
            error["details"] = [info]
        }
        var fields = HTTPHeaders()
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { fields.add(name: name, value: value) }
        return .json(code, object: ["error": error], headers: fields)
    }

    /// Checks the request's `Authorization: Bearer` token against `oauth` (Google's token
    /// server) and `scopes` (any one suffices); nil when it may proceed.
    public static func authenticate(
        _ request: FakeProviderServer.RecordedRequest, oauth: GoogleOAuthFake, scopes: Set<String>,
        service: String
    ) -> GoogleAPIError? {
        let challenge = ["WWW-Authenticate": #"Bearer realm="https://accounts.google.com/", error="invalid_token""#]
        guard let header = request.header("Authorization"), header.hasPrefix("Bearer "), header.count > 7 else {
            return GoogleAPIError(
                code: 401, status: "UNAUTHENTICATED",
                message:
                    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
                reason: "CREDENTIALS_MISSING", service: service, headers: ["WWW-Authenticate": #"Bearer realm="https://accounts.google.com/""#])
        }
        let token = String(header.dropFirst(7))
        guard oauth.isValid(accessToken: token), let granted = oauth.grantedScopes(accessToken: token) else {
            return GoogleAPIError(
                code: 401, status: "UNAUTHENTICATED",
                message:
                    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
                reason: "ACCESS_TOKEN_EXPIRED", service: service, headers: challenge)
        }
        guard !scopes.isDisjoint(with: granted) else {
            return GoogleAPIError(
                code: 403, status: "PERMISSION_DENIED", message: "Request had insufficient authentication scopes.",
                reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT", service: service,
                headers: ["WWW-Authenticate": #"Bearer realm="https://accounts.google.com/", error="insufficient_scope""#])
        }
        return nil
    }

    /// The JSON object of a request body, or the INVALID_ARGUMENT Google answers for a body
    /// that is not one (or not sent as `application/json`).
    public static func jsonObject(_ request: FakeProviderServer.RecordedRequest) -> Result<[String: Any], GoogleAPIError> {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true else {
            return .failure(.invalidArgument("Invalid JSON payload received. Expected a JSON request body (Content-Type: application/json)."))
        }
        guard let object = request.json as? [String: Any] else {
            return .failure(.invalidArgument("Invalid JSON payload received. Expected an object."))
        }
        return .success(object)
    }

    /// The INVALID_ARGUMENT for members the method does not define (proto3 JSON parsing).
    public static func unknownFields(_ object: [String: Any], allowed: Set<String>) -> GoogleAPIError? {
        guard let name = object.keys.sorted().first(where: { !allowed.contains($0) }) else { return nil }
        return .invalidArgument("Invalid JSON payload received. Unknown name \"\(name)\": Cannot find field.")
    }
}
