import Foundation
import HTTPFields
import Synchronization

// The consent step, the token endpoint (POST /ccx/oauth2/<tenant>/token) and the Bearer check
// of `WorkdayFake`. Sources in WorkdayFake.swift's header: Register API Client (authorization code
// grant, non-expiring refresh tokens, PKCE, the 60-minute expiry option) as integrators document
// it, e.g. https://documentation.sailpoint.com/connectors/saas/workday/help/saas_connectivity/workday/configuration_to_update_.html
// and https://docs-snaplogic.atlassian.net/wiki/spaces/SD/pages/2668101657. Client authentication
// per RFC 6749 §2.3.1 (https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1), token errors per
// §5.2, PKCE per RFC 7636 §4.6 (https://www.rfc-editor.org/rfc/rfc7636#section-4.6).
extension WorkdayFake {
    /// What Workday's consent screen does when `worker` (default: the first worker) signs in and
    /// allows the authorize URL's `query` (`response_type`, `client_id`, `redirect_uri`, `state`,
    /// `code_challenge`, `code_challenge_method`): a one-time code bound to the worker, the
    /// redirect URI and the challenge. Nil when Workday would not issue one: another client, a
    /// redirect URI other than the registered one, a response type other than `code`, a
    /// challenge method other than `S256`, no challenge when the client requires PKCE, or an
    /// unknown worker.
    public func authorize(_ query: [String: String], worker: String? = nil) -> String? {
        guard query["response_type"] == "code", query["client_id"] == app.clientID, query["redirect_uri"] == app.redirectURI else {
            return nil
        }
        let challenge = query["code_challenge"].flatMap { $0.isEmpty ? nil : $0 }
        if challenge != nil, query["code_challenge_method"] != "S256" { return nil }
        if challenge == nil, requiresPKCE { return nil }
        return state.withLock { state -> String? in
            let owner = worker ?? state.workers.first?.id ?? ""
            guard state.workers.contains(where: { $0.id == owner }) else { return nil }
            state.sequence += 1
            let code = String(format: "wdc%013lx", state.sequence * 7_919)
            state.grants[code] = Grant(worker: owner, redirectURI: app.redirectURI, challenge: challenge, issuedAt: Date())
            return code
        }
    }

    /// How long a code can be exchanged (assumed).
    static let codeLifetime: TimeInterval = 300

    /// `POST /ccx/oauth2/<tenant>/token`: a form body, the client by HTTP Basic (or, as many
    /// integrations send it, `client_id` and `client_secret` in the form).
    func token(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return Self.tokenError("invalid_request", "The request body must be application/x-www-form-urlencoded.")
        }
        let form = request.formItems.compactMapValues(\.last)
        let basic = request.header("Authorization")
        let formClient = form["client_id"] == app.clientID && form["client_secret"] == app.clientSecret
        guard app.isBasicClient(basic) || (basic == nil && formClient) else {
            return Self.tokenError("invalid_client", "Client authentication failed.", status: 401)
        }
        let lifetime: TimeInterval? = enforce60MinuteExpiry ? Self.accessTokenLifetime : nil
        let outcome = state.withLock { state -> Result<[String: Any], Refusal> in
            switch form["grant_type"] {
            case "authorization_code":
                guard let code = form["code"], let grant = state.grants[code], !grant.used,
                    Date().timeIntervalSince(grant.issuedAt) <= Self.codeLifetime, form["redirect_uri"] == grant.redirectURI
                else { return .failure(Refusal(reply: Self.tokenError("invalid_grant", "The authorization code is invalid or expired."))) }
                if let challenge = grant.challenge {
                    guard let verifier = form["code_verifier"], PKCE.isWellFormedVerifier(verifier), PKCE.s256Challenge(verifier) == challenge
                    else { return .failure(Refusal(reply: Self.tokenError("invalid_grant", "The code verifier does not match the challenge."))) }
                }
                state.grants[code]?.used = true
                state.sequence += 1
                let refresh = String(format: "wdr%061lx", state.sequence * 104_729)
                state.refreshTokens[refresh] = RefreshToken(worker: grant.worker)
                return .success(Self.tokenBody(&state, worker: grant.worker, refresh: refresh, lifetime: lifetime))
            case "refresh_token":
                guard let refresh = form["refresh_token"], let grant = state.refreshTokens[refresh], !grant.revoked else {
                    return .failure(Refusal(reply: Self.tokenError("invalid_grant", "The refresh token is invalid or revoked.")))
                }
                // Non-expiring refresh tokens: the same one keeps working and comes back again.
                state.refreshCount += 1
                return .success(Self.tokenBody(&state, worker: grant.worker, refresh: refresh, lifetime: lifetime))
            case nil:
                return .failure(Refusal(reply: Self.tokenError("invalid_request", "grant_type is required.")))
            default:
                return .failure(Refusal(reply: Self.tokenError("unsupported_grant_type", "The grant type is not supported.")))
            }
        }
        switch outcome {
        case .success(let body): return .json(200, object: body)
        case .failure(let refusal): return refusal.reply
        }
    }

    /// An RFC 6749 §5.2 error body.
    static func tokenError(_ code: String, _ description: String, status: Int = 400) -> Reply {
        .json(status, object: ["error": code, "error_description": description])
    }

    private static func tokenBody(_ state: inout State, worker: String, refresh: String, lifetime: TimeInterval?) -> [String: Any] {
        var body: [String: Any] = [
            "access_token": mintAccess(&state, worker: worker, lifetime: lifetime), "token_type": "Bearer", "refresh_token": refresh,
        ]
        if let lifetime { body["expires_in"] = Int(lifetime) }
        return body
    }

    static func mintAccess(_ state: inout State, worker: String, lifetime: TimeInterval?) -> String {
        state.sequence += 1
        let token = String(format: "wda%045lx", state.sequence * 15_485_863)
        state.tokens[token] = AccessToken(worker: worker, expiresAt: lifetime.map { Date().addingTimeInterval($0) })
        return token
    }

    /// The Bearer check: the Workday ID of the token's worker, or the 401 to answer.
    func authenticate(_ request: Request) -> Result<String, Refusal> {
        let header = request.header("Authorization") ?? ""
        guard header.lowercased().hasPrefix("bearer ") else {
            return .failure(Refusal(reply: Self.apiError(401, "invalid_token", details: [("An access token is required.", nil)])))
        }
        let value = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let token = state.withLock({ $0.tokens[value] }), token.expiresAt.map({ $0 > Date() }) ?? true else {
            return .failure(Refusal(reply: Self.apiError(401, "invalid_token", details: [("The access token is invalid or has expired.", nil)])))
        }
        return .success(token.worker)
    }
}
