// Intuit's OAuth 2.0 server in `QuickBooksFake`, as QuickBooksFake.swift cites it
// (https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0,
// https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/faq,
// github.com/intuit/oauth-jsclient src/OAuthClient.js): the consent, the code exchange and
// refresh with HTTP Basic client authentication, rolling refresh tokens, and revocation.

import Foundation
import HTTPFields
import Synchronization

extension QuickBooksFake {
    /// What the consent screen does when the user connects `realmId`: checks the authorize URL's
    /// query (client_id, response_type code, the accounting scope, a redirect_uri and a state)
    /// and answers the redirect's `code` and `realmId`; nil when Intuit would refuse the request.
    public func authorize(_ query: [String: String], realmId: String = QuickBooksFake.realmId) -> (code: String, realmId: String)? {
        let scopes = Set((query["scope"] ?? "").split(separator: " ").map(String.init))
        guard query["client_id"] == app.clientID, query["response_type"] == "code", scopes.contains(Self.accountingScope),
            let redirect = query["redirect_uri"], !redirect.isEmpty, !(query["state"] ?? "").isEmpty
        else { return nil }
        return state.withLock { state in
            guard state.companies[realmId] != nil else { return nil }
            state.sequence += 1
            let code = "AB11" + Self.random(36) + String(state.sequence)
            state.grants[code] = Grant(realm: realmId, redirectURI: redirect)
            return (code, realmId)
        }
    }

    /// An access token for `realmId` issued without the OAuth dance (the runtime tests).
    public func issueToken(realmId: String = QuickBooksFake.realmId) -> String {
        state.withLock { Self.mintAccess(&$0, realm: realmId) }
    }

    /// The access token stops working (its hour is over): the API answers 401 3200.
    public func expire(token: String) { state.withLock { $0.access[token]?.expired = true } }

    /// The next refresh returns a new refresh token (a day has passed) and the old one stops working.
    public func rotateRefreshTokens() { state.withLock { $0.rotateNext = true } }

    /// Every refresh token is refused from now on (the user disconnected the app).
    public func revokeRefreshTokens() {
        state.withLock { state in
            for key in state.refresh.keys { state.refresh[key]?.valid = false }
        }
    }

    /// Whether `refreshToken` would be accepted.
    public func isValid(refreshToken: String) -> Bool { state.withLock { $0.refresh[refreshToken]?.valid ?? false } }

    /// Whether `token` is a live access token.
    public func isValid(token: String) -> Bool { state.withLock { $0.access[token].map { !$0.expired } ?? false } }

    static func random(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<count).map { _ in alphabet.randomElement()! })
    }

    static func mintAccess(_ state: inout State, realm: String) -> String {
        state.sequence += 1
        let token = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..qb" + random(40) + "." + String(state.sequence)
        state.access[token] = Access(realm: realm)
        return token
    }

    static func mintRefresh(_ state: inout State, realm: String) -> String {
        state.sequence += 1
        let token = "RT1-" + random(32) + "-" + String(state.sequence)
        state.refresh[token] = Refresh(realm: realm)
        return token
    }

    /// Whether the request authenticates the registered app by HTTP Basic.
    func basicClient(_ request: Request) -> Bool { app.isBasicClient(request.header("Authorization")) }

    // MARK: - POST /oauth2/v1/tokens/bearer

    func token(_ request: Request) -> Reply {
        guard basicClient(request) else { return .json(401, object: ["error": "invalid_client"]) }
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return .json(400, object: ["error": "invalid_request"])
        }
        let form = request.formItems.compactMapValues(\.last)
        return state.withLock { state -> Reply in
            switch form["grant_type"] {
            case "authorization_code":
                guard let code = form["code"], let grant = state.grants[code], !grant.used, form["redirect_uri"] == grant.redirectURI else {
                    return .json(400, object: ["error": "invalid_grant"])
                }
                state.grants[code]?.used = true
                return Self.tokenAnswer(access: Self.mintAccess(&state, realm: grant.realm), refresh: Self.mintRefresh(&state, realm: grant.realm))
            case "refresh_token":
                guard let old = form["refresh_token"], let refresh = state.refresh[old], refresh.valid else {
                    return .json(400, object: ["error": "invalid_grant"])
                }
                var current = old
                if state.rotateNext {
                    state.rotateNext = false
                    state.refresh[old]?.valid = false
                    current = Self.mintRefresh(&state, realm: refresh.realm)
                }
                return Self.tokenAnswer(access: Self.mintAccess(&state, realm: refresh.realm), refresh: current)
            default:
                return .json(400, object: ["error": "unsupported_grant_type"])
            }
        }
    }

    static func tokenAnswer(access: String, refresh: String) -> Reply {
        .json(
            200,
            object: [
                "token_type": "bearer", "access_token": access, "expires_in": 3600, "refresh_token": refresh, "x_refresh_token_expires_in": 8_726_400,
            ])
    }

    // MARK: - POST /v2/oauth2/tokens/revoke

    func revoke(_ request: Request) -> Reply {
        guard basicClient(request) else { return .json(401, object: ["error": "invalid_client"]) }
        guard Self.isJSON(request.header("Content-Type")), let body = request.json as? [String: Any], let token = body["token"] as? String else {
            return .json(400, object: ["error": "invalid_request", "error_description": "the body must be JSON {\"token\": …}"])
        }
        state.withLock { state in
            state.revoked.append(token)
            // Revoking either token ends the whole grant of that company.
            let realm = state.refresh[token]?.realm ?? state.access[token]?.realm
            for key in state.refresh.keys where state.refresh[key]?.realm == realm { state.refresh[key]?.valid = false }
            for key in state.access.keys where state.access[key]?.realm == realm { state.access[key]?.expired = true }
        }
        return Reply(status: 200)
    }
}
