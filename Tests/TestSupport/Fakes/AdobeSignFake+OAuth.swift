// Acrobat Sign's OAuth 2.0 server in `AdobeSignFake`, as AdobeSignFake.swift cites it
// (https://opensource.adobe.com/acrobat-sign/developer_guide/helloworld.html,
// https://opensource.adobe.com/acrobat-sign/developer_guide/oauth.html,
// https://secure.adobesign.com/public/static/oauthDoc.jsp): the consent redirect with the
// account's access points, the code exchange with the app's credentials in the form body, the
// separate refresh endpoint that keeps the refresh token, and revocation.

import Foundation
import HTTPFields
import Synchronization

extension AdobeSignFake {
    /// What the consent page does when the user allows access: checks the authorize URL's query
    /// (client_id, response_type code, a redirect_uri, scopes of the form `name:self|group|account`)
    /// and answers the redirect's query — `code`, `api_access_point`, `web_access_point` and the
    /// `state` given; nil when Acrobat Sign would refuse the request.
    public func authorize(_ query: [String: String]) -> [String: String]? {
        let scopes = (query["scope"] ?? "").split(whereSeparator: { $0 == " " || $0 == "+" }).map(String.init)
        let wellFormed = scopes.allSatisfy { scope in
            let parts = scope.split(separator: ":")
            return parts.count == 2 && ["self", "group", "account"].contains(String(parts[1]))
        }
        guard query["client_id"] == app.clientID, query["response_type"] == "code", let redirect = query["redirect_uri"], !redirect.isEmpty,
            !scopes.isEmpty, wellFormed
        else { return nil }
        let code = state.withLock { state -> String in
            state.sequence += 1
            let code = "CBNCKBAAHBCAABAA" + Self.random(24) + String(state.sequence)
            state.grants[code] = Grant(redirectURI: redirect, scopes: scopes)
            return code
        }
        var answer = ["code": code, "api_access_point": apiAccessPoint, "web_access_point": webAccessPoint]
        if let given = query["state"] { answer["state"] = given }
        return answer
    }

    /// An access token issued without the OAuth dance (the runtime tests), with `scopes`.
    public func issueToken(scopes: [String] = AdobeSignFake.allScopes) -> String {
        state.withLock { Self.mintAccess(&$0, scopes: scopes, refresh: nil) }
    }

    /// The access token stops working (its hour is over): the API answers 401 INVALID_ACCESS_TOKEN.
    public func expire(token: String) { state.withLock { $0.access[token]?.expired = true } }

    /// Every refresh token is refused from now on (60 days unused, or the user revoked the app).
    public func revokeRefreshTokens() {
        state.withLock { state in
            for key in state.refresh.keys { state.refresh[key]?.valid = false }
        }
    }

    /// Whether `token` is a live access token.
    public func isValid(token: String) -> Bool { state.withLock { $0.access[token].map { !$0.expired } ?? false } }

    /// Whether `refreshToken` would be accepted.
    public func isValid(refreshToken: String) -> Bool { state.withLock { $0.refresh[refreshToken]?.valid ?? false } }

    static func mintAccess(_ state: inout State, scopes: [String], refresh: String?) -> String {
        state.sequence += 1
        let token = "3AAABLblqZhB" + random(40) + String(state.sequence)
        state.access[token] = Access(scopes: scopes, refresh: refresh)
        return token
    }

    /// The form of a token-endpoint request, or the RFC 6749 §5.2 refusal.
    func clientForm(_ request: Request) -> Result<[String: String], Refusal> {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return .failure(Refusal(reply: .json(400, object: ["error": "invalid_request", "error_description": "form body expected"])))
        }
        let form = request.formItems.compactMapValues(\.last)
        guard form["client_id"] == app.clientID, form["client_secret"] == app.clientSecret else {
            return .failure(Refusal(reply: .json(401, object: ["error": "invalid_client", "error_description": "Invalid client credentials"])))
        }
        return .success(form)
    }

    // MARK: - POST /oauth/v2/token

    func token(_ request: Request) -> Reply {
        let form: [String: String]
        switch clientForm(request) {
        case .success(let items): form = items
        case .failure(let refusal): return refusal.reply
        }
        guard form["grant_type"] == "authorization_code" else {
            return .json(400, object: ["error": "unsupported_grant_type", "error_description": "use /oauth/v2/refresh to refresh"])
        }
        return state.withLock { state -> Reply in
            guard let code = form["code"], let grant = state.grants[code], !grant.used, form["redirect_uri"] == grant.redirectURI else {
                return .json(400, object: ["error": "invalid_grant", "error_description": "Invalid authorization code"])
            }
            state.grants[code]?.used = true
            state.sequence += 1
            let refresh = "3AAABLblqZhC" + Self.random(32) + String(state.sequence)
            state.refresh[refresh] = Refresh(scopes: grant.scopes)
            let access = Self.mintAccess(&state, scopes: grant.scopes, refresh: refresh)
            return .json(
                200,
                object: [
                    "access_token": access, "refresh_token": refresh, "token_type": "Bearer", "expires_in": 3600,
                    "api_access_point": apiAccessPoint, "web_access_point": webAccessPoint,
                ])
        }
    }

    // MARK: - POST /oauth/v2/refresh

    func refresh(_ request: Request) -> Reply {
        let form: [String: String]
        switch clientForm(request) {
        case .success(let items): form = items
        case .failure(let refusal): return refusal.reply
        }
        guard form["grant_type"] == "refresh_token" else {
            return .json(400, object: ["error": "unsupported_grant_type", "error_description": "grant_type must be refresh_token"])
        }
        return state.withLock { state -> Reply in
            guard let old = form["refresh_token"], let refresh = state.refresh[old], refresh.valid else {
                return .json(400, object: ["error": "invalid_grant", "error_description": "Invalid refresh token"])
            }
            let access = Self.mintAccess(&state, scopes: refresh.scopes, refresh: old)
            return .json(200, object: ["access_token": access, "token_type": "Bearer", "expires_in": 3600])
        }
    }

    // MARK: - POST /oauth/v2/revoke

    func revoke(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true,
            let token = request.formItems["token"]?.last, !token.isEmpty
        else {
            return .json(400, object: ["error": "invalid_request", "error_description": "token is required"])
        }
        state.withLock { state in
            state.revoked.append(token)
            // Revoking either token ends the other: the access tokens of a refresh token and the refresh token of an access token.
            let refresh = state.refresh[token] != nil ? token : state.access[token]?.refresh
            if let refresh { state.refresh[refresh]?.valid = false }
            for key in state.access.keys where key == token || (refresh != nil && state.access[key]?.refresh == refresh) {
                state.access[key]?.expired = true
            }
        }
        return Reply(status: 200)
    }
}
