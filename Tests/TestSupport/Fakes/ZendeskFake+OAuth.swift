import Foundation
import HTTPCore
import HTTPFields
import Synchronization

// The consent screen, the token endpoint (POST /oauth/tokens) and the Bearer check of
// `ZendeskFake`, as documented at
//   https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/,
//   https://developer.zendesk.com/documentation/ticketing/working-with-oauth/oauth-pkce/,
//   https://support.zendesk.com/hc/en-us/articles/9182123625370 and
//   https://developer.zendesk.com/api-reference/introduction/security-and-auth/
// (ZendeskFake.swift's header cites the page of each answer). PKCE per RFC 7636
// (https://www.rfc-editor.org/rfc/rfc7636#section-4.6); token errors per RFC 6749 §5.2.
extension ZendeskFake {
    /// What the consent screen does when the user allows the authorize URL's `query`
    /// (`response_type`, `client_id`, `redirect_uri`, `scope`, `state`, `code_challenge`,
    /// `code_challenge_method`): a one-time code bound to the redirect URI, scopes and challenge;
    /// nil when Zendesk would not show the consent screen (another client, no redirect URI, a
    /// response type other than `code`, a challenge method other than `S256`).
    public func authorize(_ query: [String: String]) -> String? {
        guard query["response_type"] == "code", query["client_id"] == app.clientID, let redirect = query["redirect_uri"], !redirect.isEmpty
        else { return nil }
        let challenge = query["code_challenge"].flatMap { $0.isEmpty ? nil : $0 }
        if challenge != nil, query["code_challenge_method"] != "S256" { return nil }
        let scopes = Set((query["scope"] ?? "").split(separator: " ").map(String.init))
        return state.withLock { state in
            state.sequence += 1
            let code = String(format: "zdc%029lx", state.sequence * 104_729)
            state.grants[code] = Grant(
                scopes: scopes.isEmpty ? ["read"] : scopes, redirectURI: redirect, challenge: challenge,
                challengeMethod: query["code_challenge_method"], issuedAt: Date())
            return code
        }
    }

    /// `POST /oauth/tokens` with a JSON body (a form is refused: Zendesk documents JSON).
    func token(_ request: Request) -> Reply {
        let contentType = request.header("Content-Type")?.lowercased() ?? ""
        var form: [String: String] = [:]
        if contentType.hasPrefix("application/json") {
            guard let body = request.json as? [String: Any] else { return tokenError("invalid_request", Self.malformed) }
            for (name, value) in body { if let text = Self.text(value) { form[name] = text } }
        } else {
            return tokenError("invalid_request", Self.malformed)
        }
        guard form["client_id"] == app.clientID, form["client_secret"] == app.clientSecret else {
            return tokenError("invalid_client", Self.clientFailed, status: 401)
        }
        let lifetime: TimeInterval
        switch Self.seconds(form["expires_in"], range: 300...172_800, default: 1800) {
        case .success(let value): lifetime = value
        case .failure: return tokenError("invalid_request", "expires_in must be between 300 and 172800 seconds")
        }
        let refreshLifetime: TimeInterval
        switch Self.seconds(form["refresh_token_expires_in"], range: max(604_800, Int(lifetime))...7_776_000, default: 2_592_000) {
        case .success(let value): refreshLifetime = value
        case .failure: return tokenError("invalid_request", "refresh_token_expires_in must be between 604800 and 7776000 seconds")
        }
        let outcome = state.withLock { state -> Result<[String: Any], TokenRefusal> in
            switch form["grant_type"] {
            case "authorization_code":
                guard let code = form["code"], let grant = state.grants[code], !grant.used, Date().timeIntervalSince(grant.issuedAt) <= 120,
                    form["redirect_uri"] == grant.redirectURI
                else { return .failure(TokenRefusal(code: "invalid_grant", message: Self.grantInvalid)) }
                if let challenge = grant.challenge {
                    // RFC 7636 §4.6: the verifier must hash to the challenge of the authorization.
                    guard let verifier = form["code_verifier"], PKCE.isWellFormedVerifier(verifier), PKCE.s256Challenge(verifier) == challenge else {
                        return .failure(TokenRefusal(code: "invalid_grant", message: Self.grantInvalid))
                    }
                }
                state.grants[code]?.used = true
                return .success(Self.issue(&state, scopes: grant.scopes, lifetime: lifetime, refreshLifetime: refreshLifetime))
            case "refresh_token":
                guard let old = form["refresh_token"], let grant = state.refreshTokens[old], !grant.revoked, grant.expiresAt > Date() else {
                    return .failure(TokenRefusal(code: "invalid_grant", message: Self.grantInvalid))
                }
                // A successful refresh deletes the previous access and refresh tokens.
                state.refreshTokens[old]?.revoked = true
                state.tokens[grant.access]?.revoked = true
                return .success(Self.issue(&state, scopes: grant.scopes, lifetime: lifetime, refreshLifetime: refreshLifetime))
            default:
                return .failure(TokenRefusal(code: "unsupported_grant_type", message: Self.unsupportedGrant))
            }
        }
        switch outcome {
        case .success(let body): return .json(200, object: body)
        case .failure(let refusal): return tokenError(refusal.code, refusal.message)
        }
    }

    struct TokenRefusal: Error {
        var code: String
        var message: String
    }

    static let malformed =
        "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed."
    static let clientFailed =
        "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."
    static let grantInvalid =
        "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."
    static let unsupportedGrant = "The authorization grant type is not supported by the authorization server."

    private func tokenError(_ code: String, _ description: String, status: Int = 400) -> Reply {
        .json(status, object: ["error": code, "error_description": description])
    }

    private static func seconds(_ raw: String?, range: ClosedRange<Int>, default value: Int) -> Result<TimeInterval, TokenRefusal> {
        guard let raw else { return .success(TimeInterval(value)) }
        guard let number = Int(raw), range.contains(number) else { return .failure(TokenRefusal(code: "invalid_request", message: raw)) }
        return .success(TimeInterval(number))
    }

    /// A new access and refresh token pair; the answer's body.
    private static func issue(_ state: inout State, scopes: Set<String>, lifetime: TimeInterval, refreshLifetime: TimeInterval) -> [String: Any] {
        let access = mintAccess(&state, scopes: scopes, lifetime: lifetime)
        state.sequence += 1
        let refresh = String(format: "zdr%061lx", state.sequence * 7_368_787)
        state.refreshTokens[refresh] = Refresh(scopes: scopes, access: access, expiresAt: Date().addingTimeInterval(refreshLifetime))
        return [
            "access_token": access, "token_type": "bearer", "scope": scopes.sorted().joined(separator: " "), "refresh_token": refresh,
            "expires_in": Int(lifetime), "refresh_token_expires_in": Int(refreshLifetime),
        ]
    }

    static func mintAccess(_ state: inout State, scopes: Set<String>, lifetime: TimeInterval?) -> String {
        state.sequence += 1
        let token = String(format: "zda%061lx", state.sequence * 15_485_863)
        state.tokens[token] = Token(scopes: scopes, expiresAt: lifetime.map { Date().addingTimeInterval($0) })
        return token
    }

    /// The Bearer check: nil when the token is known, unexpired and holds one of `scopes`.
    func authenticate(_ request: Request, scopes: Set<String>) -> Reply? {
        let header = request.header("Authorization") ?? ""
        guard header.lowercased().hasPrefix("bearer ") else {
            return .json(401, object: ["error": "Couldn't authenticate you"])
        }
        let value = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let token = state.withLock({ $0.tokens[value] }), !token.revoked, token.expiresAt.map({ $0 > Date() }) ?? true else {
            return .json(401, object: Self.invalidTokenBody)
        }
        guard !token.scopes.isDisjoint(with: scopes) else {
            return zendeskError(
                403, "Forbidden", "You do not have access to this page. Please contact the account owner of this help desk for further help.")
        }
        return nil
    }

    static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String: string
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }
}
