import Foundation
import HTTPCore
import HTTPFields
import Synchronization

// The OAuth v1 token endpoint and the Bearer check of `HubSpotFake`, as documented at
//   https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/guide and
//   https://developers.hubspot.com/docs/api-reference/error-handling
// (HubSpotFake.swift's header cites the page of each answer).
extension HubSpotFake {
    /// `POST /oauth/v1/token`: a form with `grant_type` `authorization_code` (`client_id`,
    /// `client_secret`, `redirect_uri`, `code`) or `refresh_token` (`client_id`, `client_secret`,
    /// `refresh_token`). Errors are 400 `{"status": <CODE>, "message", "correlationId"}`.
    func token(_ request: Request) -> Reply {
        var form: [String: String] = [:]
        for (name, values) in request.formItems { form[name] = values.last }
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return tokenError("BAD_REQUEST", "request body must be application/x-www-form-urlencoded")
        }
        guard form["client_id"] == app.clientID else { return tokenError("BAD_CLIENT_ID", "missing or invalid client id") }
        guard form["client_secret"] == app.clientSecret else { return tokenError("BAD_CLIENT_SECRET", "missing or invalid client secret") }
        switch form["grant_type"] {
        case "authorization_code":
            let outcome = state.withLock { state -> Result<[String: Any], TokenRefusal> in
                guard let code = form["code"], let grant = state.grants[code], !grant.used else {
                    return .failure(TokenRefusal(code: "BAD_AUTH_CODE", message: "missing or unknown auth code"))
                }
                guard form["redirect_uri"] == grant.redirectURI else {
                    return .failure(TokenRefusal(code: "BAD_REDIRECT_URI", message: "redirect_uri does not match the one of the authorization"))
                }
                state.grants[code]?.used = true
                state.sequence += 1
                let refresh = String(format: "%08lx-9c4e-4d2a-8f1b-%012lx", state.sequence, 1_000_000 + state.sequence)
                state.refreshTokens[refresh] = Refresh(scopes: grant.scopes)
                return .success(Self.tokenBody(access: Self.mintAccess(&state, scopes: grant.scopes), refresh: refresh))
            }
            return tokenReply(outcome)
        case "refresh_token":
            let outcome = state.withLock { state -> Result<[String: Any], TokenRefusal> in
                guard let refresh = form["refresh_token"], let grant = state.refreshTokens[refresh], !grant.revoked else {
                    return .failure(TokenRefusal(code: "BAD_REFRESH_TOKEN", message: "missing or invalid refresh token"))
                }
                // HubSpot's refresh tokens are not rotated: the same one comes back.
                return .success(Self.tokenBody(access: Self.mintAccess(&state, scopes: grant.scopes), refresh: refresh))
            }
            return tokenReply(outcome)
        default:
            return tokenError("BAD_GRANT_TYPE", "grant_type must be authorization_code or refresh_token")
        }
    }

    struct TokenRefusal: Error {
        var code: String
        var message: String
    }

    private func tokenReply(_ outcome: Result<[String: Any], TokenRefusal>) -> Reply {
        switch outcome {
        case .success(let body): return .json(200, object: body)
        case .failure(let refusal): return tokenError(refusal.code, refusal.message)
        }
    }

    private func tokenError(_ code: String, _ message: String) -> Reply {
        .json(400, object: ["status": code, "message": message, "correlationId": Self.correlationID()])
    }

    private static func tokenBody(access: String, refresh: String) -> [String: Any] {
        ["token_type": "bearer", "access_token": access, "refresh_token": refresh, "expires_in": 1800]
    }

    static func mintAccess(_ state: inout State, scopes: Set<String>) -> String {
        state.sequence += 1
        let token = "CKfake" + Data("na1:\(HubSpotFake.portalID):access:\(state.sequence)".utf8).base64EncodedString()
        state.tokens[token] = Token(scopes: scopes)
        return token
    }

    /// The Bearer check: nil when the token is known, unexpired and has `scope`; otherwise
    /// 401 `INVALID_AUTHENTICATION` / `EXPIRED_AUTHENTICATION` or 403 `MISSING_SCOPES`.
    func authenticate(_ request: Request, scope: String) -> Reply? {
        let header = request.header("Authorization") ?? ""
        let value = header.lowercased().hasPrefix("bearer ") ? String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces) : ""
        guard !value.isEmpty, let token = state.withLock({ $0.tokens[value] }), !token.revoked else {
            let message =
                value.isEmpty
                ? "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at "
                    + "https://developers.hubspot.com/docs/methods/auth/oauth-overview"
                : "Authentication credentials not found. The OAuth token is invalid or has been revoked."
            return hubspotError(401, category: "INVALID_AUTHENTICATION", message: message)
        }
        if let expiredAt = token.expiredAt {
            let seconds = max(0, Int(Date().timeIntervalSince(expiredAt)))
            return hubspotError(
                401, category: "EXPIRED_AUTHENTICATION", message: "The OAuth token used to make this call expired \(seconds) second(s) ago.")
        }
        guard token.scopes.contains(scope) else {
            return hubspotError(
                403, category: "MISSING_SCOPES",
                message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: "
                    + "https://developers.hubspot.com/scopes.",
                extra: [
                    "errors": [["message": "One or more of the following scopes are required.", "context": ["requiredGranularScopes": [scope]]]],
                    "links": ["scopes": "https://developers.hubspot.com/scopes"],
                ])
        }
        return nil
    }
}
