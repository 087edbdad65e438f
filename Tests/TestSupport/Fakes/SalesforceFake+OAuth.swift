import Foundation
import HTTPCore
import HTTPFields
import Synchronization

// The consent screen, the token endpoint (POST /services/oauth2/token), the revocation endpoint
// (POST /services/oauth2/revoke) and the Bearer check of `SalesforceFake`, as documented at
//   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm,
//   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm,
//   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_revoke_token.htm and
//   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
// (SalesforceFake.swift's header cites the page of each answer). PKCE per RFC 7636
// (https://www.rfc-editor.org/rfc/rfc7636#section-4.6); the signature is HMAC-SHA256 (RFC 2104,
// https://www.rfc-editor.org/rfc/rfc2104) over id + issued_at, keyed with the client secret.
extension SalesforceFake {
    /// What the consent screen does when the user allows the authorize URL's `query`
    /// (`response_type`, `client_id`, `redirect_uri`, `scope`, `state`, `code_challenge`,
    /// `code_challenge_method`): a one-time code bound to the redirect URI, scopes and challenge;
    /// nil when Salesforce would not show the consent screen (another client, a redirect URI
    /// other than the connected app's callback URL, a response type other than `code`, a
    /// challenge method other than `S256`).
    public func authorize(_ query: [String: String]) -> String? {
        guard query["response_type"] == "code", query["client_id"] == app.clientID, query["redirect_uri"] == app.redirectURI else { return nil }
        let challenge = query["code_challenge"].flatMap { $0.isEmpty ? nil : $0 }
        if challenge != nil, (query["code_challenge_method"] ?? "S256") != "S256" { return nil }
        let scopes = Set((query["scope"] ?? "").split(separator: " ").map(String.init))
        return state.withLock { state in
            state.sequence += 1
            let code = "aPrx" + PKCE.base64URL(PKCE.sha256(Array("code-\(state.sequence)-\(UUID().uuidString)".utf8))).prefix(60) + "=="
            state.grants[code] = Grant(scopes: scopes.isEmpty ? ["api"] : scopes, redirectURI: app.redirectURI, challenge: challenge)
            return code
        }
    }

    /// `POST /services/oauth2/token`, form-encoded: `grant_type` `authorization_code` (`code`,
    /// `client_id`, `client_secret`, `redirect_uri`, `code_verifier`) or `refresh_token`
    /// (`refresh_token`, `client_id`, `client_secret`). Errors are 400 `{error, error_description}`.
    func token(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return Self.oauthError(400, "unsupported_grant_type", "grant type not supported")
        }
        var form: [String: String] = [:]
        for (name, values) in request.formItems { form[name] = values.last }
        guard form["client_id"] == app.clientID else { return Self.oauthError(400, "invalid_client_id", "client identifier invalid") }
        guard form["client_secret"] == app.clientSecret else { return Self.oauthError(400, "invalid_client", "invalid client credentials") }
        let outcome = state.withLock { state -> Result<(access: String, refresh: String?, scopes: Set<String>), TokenRefusal> in
            switch form["grant_type"] {
            case "authorization_code":
                guard let code = form["code"], let grant = state.grants[code], !grant.used else {
                    return .failure(TokenRefusal(code: "invalid_grant", message: "authentication failure"))
                }
                guard form["redirect_uri"] == grant.redirectURI else {
                    return .failure(TokenRefusal(code: "redirect_uri_mismatch", message: "redirect_uri must match configuration"))
                }
                if let challenge = grant.challenge {
                    guard let verifier = form["code_verifier"], PKCE.isWellFormedVerifier(verifier), PKCE.s256Challenge(verifier) == challenge else {
                        return .failure(TokenRefusal(code: "invalid_grant", message: "invalid code verifier"))
                    }
                }
                state.grants[code]?.used = true
                // A refresh token only with the refresh_token (or offline_access) scope.
                var refresh: String?
                if grant.scopes.contains("refresh_token") || grant.scopes.contains("offline_access") {
                    state.sequence += 1
                    let minted = "5Aep861" + PKCE.base64URL(PKCE.sha256(Array("refresh-\(state.sequence)-\(UUID().uuidString)".utf8))).prefix(80)
                    state.refreshTokens[minted] = true
                    refresh = minted
                }
                return .success((Self.mintAccess(&state, refresh: refresh), refresh, grant.scopes))
            case "refresh_token":
                guard let refresh = form["refresh_token"], state.refreshTokens[refresh] == true else {
                    return .failure(TokenRefusal(code: "invalid_grant", message: "expired access/refresh token"))
                }
                // Not rotated: the same refresh token stays valid and is not sent back.
                return .success((Self.mintAccess(&state, refresh: refresh), nil, Self.defaultScopes))
            default:
                return .failure(TokenRefusal(code: "unsupported_grant_type", message: "grant type not supported"))
            }
        }
        switch outcome {
        case .failure(let refusal): return Self.oauthError(400, refusal.code, refusal.message)
        case .success(let issued):
            let id = "https://login.salesforce.com/id/\(Self.orgID)/\(Self.userID)"
            let issuedAt = String(Int64(Date().timeIntervalSince1970 * 1000))
            var body: [String: Any] = [
                "access_token": issued.access, "signature": Self.signature(id: id, issuedAt: issuedAt, secret: app.clientSecret),
                "scope": issued.scopes.sorted().joined(separator: " "), "instance_url": instanceURL ?? baseURL, "id": id, "token_type": "Bearer",
                "issued_at": issuedAt,
            ]
            if let refresh = issued.refresh { body["refresh_token"] = refresh }
            return .json(200, object: body)
        }
    }

    struct TokenRefusal: Error {
        var code: String
        var message: String
    }

    /// `POST /services/oauth2/revoke` with the form `token=…` (or `GET …?token=…`): 200, or 400
    /// `invalid_token` for a token the org does not know.
    func revokeEndpoint(_ request: Request) -> Reply {
        let token: String?
        switch request.method {
        case "POST":
            guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
                return Self.oauthError(400, "unsupported_token_type", "Token type not supported")
            }
            token = request.formItems["token"]?.last
        case "GET": token = request.queryItems["token"]?.last
        default: return Self.oauthError(405, "invalid_request", "revocation requests are POST or GET")
        }
        let known = state.withLock { state -> Bool in
            guard let token, state.tokens[token] != nil || state.refreshTokens[token] != nil else { return false }
            Self.revoke(&state, token: token)
            return true
        }
        return known ? Reply(status: 200) : Self.oauthError(400, "invalid_token", "Token was invalid")
    }

    /// Revokes `token`; a refresh token takes its access tokens with it.
    static func revoke(_ state: inout State, token: String) {
        state.tokens[token]?.revoked = true
        guard state.refreshTokens[token] != nil else { return }
        state.refreshTokens[token] = false
        for (access, issued) in state.tokens where issued.refresh == token { state.tokens[access]?.revoked = true }
    }

    /// A session id shaped as Salesforce's: the org id, `!`, then an opaque part.
    static func mintAccess(_ state: inout State, refresh: String?) -> String {
        state.sequence += 1
        let opaque = PKCE.base64URL(PKCE.sha256(Array("access-\(state.sequence)-\(UUID().uuidString)".utf8)))
        let token = "\(orgID.prefix(15))!AQ8AQ\(opaque).\(state.sequence)"
        state.tokens[token] = Token(refresh: refresh)
        return token
    }

    /// The token answer's `signature`: Base64 of HMAC-SHA256(`secret`, `id` + `issued_at`).
    public static func signature(id: String, issuedAt: String, secret: String) -> String {
        var key = Array(secret.utf8)
        if key.count > 64 { key = PKCE.sha256(key) }
        key += [UInt8](repeating: 0, count: 64 - key.count)
        let inner = PKCE.sha256(key.map { $0 ^ 0x36 } + Array((id + issuedAt).utf8))
        return Data(PKCE.sha256(key.map { $0 ^ 0x5c } + inner)).base64EncodedString()
    }

    /// The Bearer check: nil when the session is one the org issued and still valid; otherwise
    /// 401 `INVALID_SESSION_ID` (with `WWW-Authenticate`, as Salesforce sends it).
    func authenticate(_ request: Request) -> Reply? {
        let header = request.header("Authorization") ?? ""
        let value = header.lowercased().hasPrefix("bearer ") ? String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces) : ""
        let valid = state.withLock { state in state.tokens[value].map { !$0.expired && !$0.revoked } ?? false }
        guard valid else {
            var headers = HTTPHeaders()
            headers.add(name: "WWW-Authenticate", value: "Token")
            if value.isEmpty {
                return Self.error(401, "INVALID_AUTH_HEADER", "INVALID_HEADER_TYPE", headers: headers)
            }
            return .json(401, Self.invalidSession, headers: headers)
        }
        return nil
    }
}
