// The DocuSign authentication service in `DocuSignFake` (account.docusign.com), as
// DocuSignFake.swift cites it (https://developers.docusign.com/platform/auth/authcode/authcode-get-token/,
// https://developers.docusign.com/platform/auth/confidential-authcode-get-token/,
// https://developers.docusign.com/platform/auth/reference/obtain-access-token/,
// https://developers.docusign.com/platform/auth/reference/user-info/,
// https://www.docusign.com/blog/developers/docusign-adds-support-pkce): consent, the code exchange
// with HTTP Basic client authentication and PKCE S256 (RFC 7636 §4.6,
// https://www.rfc-editor.org/rfc/rfc7636#section-4.6), rotating refresh tokens, and userinfo.

import Foundation
import HTTPFields
import Synchronization

extension DocuSignFake {
    /// What the consent screen does when the user allows the authorize URL's `query`
    /// (response_type, client_id, redirect_uri, scope, state, code_challenge,
    /// code_challenge_method): a code valid for two minutes, bound to the scopes and the PKCE
    /// challenge; nil when DocuSign would not show consent (another integration key, a redirect
    /// URI the key did not register, a response type other than `code`, no `signature` scope, a
    /// challenge method other than S256).
    public func authorize(_ query: [String: String]) -> String? {
        let scopes = (query["scope"] ?? "").split(whereSeparator: { $0 == " " || $0 == "+" }).map(String.init)
        guard query["response_type"] == "code", query["client_id"] == app.clientID, query["redirect_uri"] == app.redirectURI,
            scopes.contains("signature")
        else { return nil }
        let challenge = query["code_challenge"].flatMap { $0.isEmpty ? nil : $0 }
        if challenge != nil, query["code_challenge_method"] != "S256" { return nil }
        return state.withLock { state in
            let code = Self.mint("eyJ0eXAiOiJNVCIsImFsZyI6IlJTMjU2In0.code.", &state)
            state.grants[code] = Grant(redirectURI: app.redirectURI, scopes: scopes, challenge: challenge, issuedAt: Date())
            return code
        }
    }

    /// An access token (with a refresh token behind it) issued without the OAuth dance, for the
    /// runtime tests.
    public func issueToken(scopes: [String] = DocuSignFake.scopes) -> String {
        state.withLock { state in
            let refresh = Self.mint("eyJ0eXAiOiJNVCJ9.refresh.", &state)
            state.refresh[refresh] = Refresh(scopes: scopes)
            return Self.mintAccess(&state, scopes: scopes)
        }
    }

    /// The access token's eight hours are over: the API answers 401 AUTHORIZATION_INVALID_TOKEN.
    public func expire(token: String) { state.withLock { $0.access[token]?.expired = true } }

    /// Every refresh token is refused from now on (30 days passed, or the user revoked consent).
    public func revokeRefreshTokens() {
        state.withLock { state in
            for key in state.refresh.keys { state.refresh[key]?.valid = false }
        }
    }

    /// Whether `token` is a live access token.
    public func isValid(token: String) -> Bool {
        state.withLock { state in state.access[token].map { !$0.expired && $0.expiresAt > Date() } ?? false }
    }

    /// Whether `refreshToken` would be accepted.
    public func isValid(refreshToken: String) -> Bool { state.withLock { $0.refresh[refreshToken]?.valid ?? false } }

    static func mintAccess(_ state: inout State, scopes: [String]) -> String {
        let token = mint("eyJ0eXAiOiJNVCIsImFsZyI6IlJTMjU2In0.access.", &state)
        state.access[token] = Access(scopes: scopes, expiresAt: Date().addingTimeInterval(28_800))
        return token
    }

    // MARK: - GET /oauth/auth

    /// The consent page, granted at once: 302 to the redirect URI with `code` and `state`.
    func consent(_ request: Request) -> Reply {
        let query = request.queryItems.compactMapValues(\.last)
        guard let code = authorize(query), var components = URLComponents(string: app.redirectURI) else {
            return .json(400, object: ["error": "invalid_request"])
        }
        components.queryItems = [URLQueryItem(name: "code", value: code)] + (query["state"].map { [URLQueryItem(name: "state", value: $0)] } ?? [])
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "Location", value: components.string ?? app.redirectURI)
        return Reply(status: 302, headers: headers)
    }

    // MARK: - POST /oauth/token

    /// The token endpoint: form body, the integration key and secret by HTTP Basic.
    func token(_ request: Request) -> Reply {
        // A wrong content type and a wrong client both answer invalid_grant (Stack Overflow
        // 39881341; "unauthorized_client" as the description is from memory).
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return Self.tokenError("invalid_grant")
        }
        guard app.isBasicClient(request.header("Authorization")) else {
            return Self.tokenError("invalid_grant", description: "unauthorized_client")
        }
        let form = request.formItems.compactMapValues(\.last)
        return state.withLock { state -> Reply in
            switch form["grant_type"] {
            case "authorization_code":
                guard let code = form["code"], let grant = state.grants[code], !grant.used, Date().timeIntervalSince(grant.issuedAt) <= 120
                else { return Self.tokenError("invalid_grant") }
                if let challenge = grant.challenge {
                    guard let verifier = form["code_verifier"], PKCE.isWellFormedVerifier(verifier), PKCE.s256Challenge(verifier) == challenge
                    else { return Self.tokenError("invalid_grant") }
                }
                state.grants[code]?.used = true
                return .json(200, object: Self.issue(&state, scopes: grant.scopes))
            case "refresh_token":
                guard let old = form["refresh_token"], let refresh = state.refresh[old], refresh.valid else {
                    return Self.tokenError("invalid_grant")
                }
                // The refresh token rotates: the old one stops working (configs/connectors/docusign.json;
                // DocuSign documents "a new refresh token"). Earlier access tokens live on until they expire.
                state.refresh[old]?.valid = false
                state.refreshes += 1
                return .json(200, object: Self.issue(&state, scopes: refresh.scopes))
            default:
                return Self.tokenError("unsupported_grant_type")
            }
        }
    }

    private static func issue(_ state: inout State, scopes: [String]) -> [String: Any] {
        let refresh = mint("eyJ0eXAiOiJNVCJ9.refresh.", &state)
        state.refresh[refresh] = Refresh(scopes: scopes)
        let access = mintAccess(&state, scopes: scopes)
        return ["access_token": access, "token_type": "Bearer", "refresh_token": refresh, "expires_in": 28_800]
    }

    static func tokenError(_ code: String, description: String? = nil) -> Reply {
        var body = ["error": code]
        if let description { body["error_description"] = description }
        return .json(400, object: body)
    }

    /// The live access token of the request's `Authorization: Bearer`, if any.
    func bearer(_ request: Request) -> (token: String, access: Access?)? {
        guard let header = request.header("Authorization"), header.lowercased().hasPrefix("bearer ") else { return nil }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        let access = state.withLock { $0.access[token] }.flatMap { !$0.expired && $0.expiresAt > Date() ? $0 : nil }
        return (token, access)
    }

    // MARK: - GET /oauth/userinfo

    func userInfo(_ request: Request) -> Reply {
        guard bearer(request)?.access != nil else {
            // Assumed (RFC 6750 §3.1): DocuSign does not document this answer.
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: "WWW-Authenticate", value: "Bearer error=\"invalid_token\"")
            return .json(401, object: ["error": "invalid_token"], headers: headers)
        }
        let accounts = state.withLock { $0.accounts }.map { account -> [String: Any] in
            var entry: [String: Any] = [
                "account_id": account.id, "is_default": account.isDefault, "account_name": account.name, "base_uri": account.baseURI,
            ]
            if let organization = account.organizationID {
                entry["organization"] = [
                    "organization_id": organization,
                    "links": [["rel": "self", "href": "https://account.docusign.com/organizations/\(organization)"]],
                ]
            }
            return entry
        }
        return .json(
            200,
            object: [
                "sub": Self.userID, "name": "Ada Lovelace", "given_name": "Ada", "family_name": "Lovelace", "created": "2015-08-13T22:03:03.45",
                "email": Self.userEmail, "accounts": accounts,
            ])
    }
}
