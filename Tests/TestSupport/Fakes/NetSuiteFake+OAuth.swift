// NetSuite's OAuth 2.0 authorization code grant in `NetSuiteFake`, as NetSuiteFake.swift cites it
// (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158081944642.html,
// https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158081952044.html,
// https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_160855594402.html,
// https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/subsect_161252460252.html,
// https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_161071224088.html): the
// consent, the code exchange with PKCE and refresh with HTTP Basic client authentication, and
// revocation of a refresh token with its access tokens.

import Foundation
import HTTPFields
import Synchronization

extension NetSuiteFake {
    /// What the consent screen does when the user allows the integration: checks the authorize
    /// URL's query (response_type code, client_id, the registered redirect_uri, known scopes
    /// including rest_webservices, a state of 22 to 1024 characters, a code_challenge with method
    /// S256 or plain if one is given) and answers the redirect's parameters (state, role, entity,
    /// company, code); nil when NetSuite would refuse. `registered` is the redirect URI the
    /// integration record holds (the app's own when nil).
    public func authorize(_ query: [String: String], registered: String? = nil) -> [String: String]? {
        let scopes = (query["scope"] ?? "").split(separator: " ").map(String.init)
        let redirectURI = registered ?? app.redirectURI
        guard query["response_type"] == "code", query["client_id"] == app.clientID, query["redirect_uri"] == redirectURI,
            !scopes.isEmpty, scopes.allSatisfy(Self.knownScopes.contains), scopes.contains(Self.restScope),
            let state = query["state"], (22...1024).contains(state.count)
        else { return nil }
        let challenge = query["code_challenge"]
        let method = challenge == nil ? nil : (query["code_challenge_method"] ?? "plain")
        if let method, method != "S256", method != "plain" { return nil }
        return self.state.withLock { store in
            store.sequence += 1
            let code = Self.random(48) + String(store.sequence)
            store.grants[code] = Grant(redirectURI: redirectURI, challenge: challenge, method: method, scopes: scopes)
            return ["state": state, "role": "3", "entity": "-5", "company": Self.company, "code": code]
        }
    }

    /// An access token (with its refresh token) issued without the OAuth dance (runtime tests).
    public func issueToken() -> String {
        state.withLock { store in
            let refresh = Self.mintRefresh(&store)
            return Self.mintAccess(&store, refresh: refresh)
        }
    }

    /// The access token's 60 minutes are over: the REST API answers 401 INVALID_LOGIN.
    public func expire(token: String) { state.withLock { $0.access[token]?.expired = true } }

    /// Every refresh token is refused from now on (seven days passed, or the user revoked access).
    public func revokeRefreshTokens() {
        state.withLock { store in
            for key in store.refresh.keys { store.refresh[key] = false }
        }
    }

    /// Whether `token` is a live access token.
    public func isValid(token: String) -> Bool { state.withLock { $0.access[token].map { !$0.expired } ?? false } }

    /// Whether `refreshToken` would be accepted.
    public func isValid(refreshToken: String) -> Bool { state.withLock { $0.refresh[refreshToken] ?? false } }

    static func jwt(_ kind: String, _ sequence: Int) -> String {
        "eyJraWQiOiJzLlNZU1RFTS4yMDI2XzEiLCJ0eXAiOiJKV1QiLCJhbGciOiJQUzI1NiJ9.eyJ" + kind + random(40) + "." + random(43) + String(sequence)
    }

    static func mintAccess(_ store: inout State, refresh: String?) -> String {
        store.sequence += 1
        let token = jwt("hY2Nlc3", store.sequence)
        store.access[token] = Access(refresh: refresh)
        return token
    }

    static func mintRefresh(_ store: inout State) -> String {
        store.sequence += 1
        let token = jwt("yZWZyZX", store.sequence)
        store.refresh[token] = true
        return token
    }

    /// Whether the request authenticates the integration by HTTP Basic `client_id:client_secret`.
    func basicClient(_ request: Request) -> Bool { app.isBasicClient(request.header("Authorization")) }

    static func oauthError(_ status: Int, _ value: String) -> Reply {
        var reply = Reply.json(status, object: ["error": value])
        if status == 401 { reply.headers.replaceOrAdd(name: "WWW-Authenticate", value: "Basic realm=\"\(company)\"") }
        return reply
    }

    // MARK: - POST /services/rest/auth/oauth2/v1/token

    func token(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return Self.oauthError(400, "invalid_request")
        }
        let form = request.formItems
        // Several client authentication approaches (the secret in the form too) are refused.
        guard form["client_secret"] == nil else { return Self.oauthError(400, "invalid_request") }
        guard basicClient(request) else { return Self.oauthError(401, "invalid_client") }
        if let named = form["client_id"], named != [app.clientID] { return Self.oauthError(401, "invalid_client") }
        guard form.values.allSatisfy({ $0.count == 1 }) else { return Self.oauthError(400, "invalid_request") }
        let fields = form.compactMapValues(\.first)
        return state.withLock { store -> Reply in
            switch fields["grant_type"] {
            case "authorization_code":
                guard let code = fields["code"], let redirect = fields["redirect_uri"] else { return Self.oauthError(400, "invalid_request") }
                guard let grant = store.grants[code], !grant.used, redirect == grant.redirectURI else {
                    return Self.oauthError(400, "invalid_grant")
                }
                if let challenge = grant.challenge {
                    guard let verifier = fields["code_verifier"], PKCE.isWellFormedVerifier(verifier),
                        (grant.method == "S256" ? PKCE.s256Challenge(verifier) : verifier) == challenge
                    else { return Self.oauthError(400, "invalid_grant") }
                }
                store.grants[code]?.used = true
                let refresh = Self.mintRefresh(&store)
                let access = Self.mintAccess(&store, refresh: refresh)
                return .json(200, object: ["access_token": access, "refresh_token": refresh, "expires_in": "3600", "token_type": "bearer"])
            case "refresh_token":
                guard let refresh = fields["refresh_token"] else { return Self.oauthError(400, "invalid_request") }
                guard store.refresh[refresh] == true else { return Self.oauthError(400, "invalid_grant") }
                let access = Self.mintAccess(&store, refresh: refresh)
                return .json(200, object: ["access_token": access, "expires_in": "3600", "token_type": "bearer"])
            default:
                return Self.oauthError(400, "invalid_request")
            }
        }
    }

    // MARK: - POST /services/rest/auth/oauth2/v1/revoke

    func revoke(_ request: Request) -> Reply {
        guard basicClient(request) else { return Self.oauthError(401, "invalid_client") }
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true,
            let token = request.formItems["token"]?.first, !token.isEmpty
        else { return Self.oauthError(400, "invalid_request") }
        state.withLock { store in
            store.revoked.append(token)
            guard store.refresh[token] != nil else { return }
            store.refresh[token] = false
            for key in store.access.keys where store.access[key]?.refresh == token { store.access[key]?.expired = true }
        }
        return Reply(status: 200)
    }
}
