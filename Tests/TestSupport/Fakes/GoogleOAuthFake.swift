// A fake of Google's OAuth 2.0 server for web-server applications on loopback, following the
// documentation — not what our OAuth client assumes:
//
// - Using OAuth 2.0 for Web Server Applications (authorization parameters, code exchange,
//   refresh, revocation, access_type=offline, prompt=consent, PKCE parameters):
//   https://developers.google.com/identity/protocols/oauth2/web-server
// - Using OAuth 2.0 to Access Google APIs (refresh token expiry and limits):
//   https://developers.google.com/identity/protocols/oauth2
// - OpenID Connect (id_token claims, the userinfo endpoint, scopes openid/email/profile):
//   https://developers.google.com/identity/openid-connect/openid-connect
// - RFC 6749 §4.1 (authorization code grant), §5.2 (error responses: 400, and 401 for
//   invalid_client), §6 (refreshing): https://www.rfc-editor.org/rfc/rfc6749
// - RFC 7636 (PKCE: code_challenge, code_challenge_method plain or S256, code_verifier):
//   https://www.rfc-editor.org/rfc/rfc7636
// - RFC 7009 (token revocation): https://www.rfc-editor.org/rfc/rfc7009
//
// One fake stands for three hosts, by path as on the real ones: accounts.google.com
// (`/o/oauth2/v2/auth`), oauth2.googleapis.com (`/token`, `/revoke`, `/tokeninfo`) and
// openidconnect.googleapis.com (`/v1/userinfo`).
//
// Where Google documents no error body the fake sends what Google is observed to send and says
// so: `invalid_grant` "Bad Request" for a used or unknown code, "Missing code verifier." /
// "Invalid code verifier." / "code_verifier or verifier is not needed." for PKCE mismatches,
// "Token has been expired or revoked." for a dead refresh token, `invalid_client` "Unauthorized"
// (401) for a wrong secret, `invalid_token` for revoking an unknown token. Refresh tokens do not
// rotate at Google: a refresh answer has no `refresh_token` (`rotateRefreshTokens` turns rotation
// on for fakes of providers that do, such as TikTok).

import Foundation
import HTTPCore
import HTTPFields
import Synchronization

/// Google's OAuth 2.0 server on loopback: the consent redirect, the token endpoint
/// (authorization_code with or without PKCE, refresh_token), revocation, tokeninfo and
/// OpenID Connect userinfo.
///
/// It keeps state like the real thing: a code is good for one exchange, only tokens it issued
/// are accepted, a refresh token is issued only on the first offline consent (or with
/// `prompt=consent`), and revoking either token of a grant revokes both. Knobs: `authorize(…)`,
/// `issueTokens()`, `expire(accessToken:)`, `invalidate(refreshToken:)`, `failNext(_:calls:)`,
/// `rotateRefreshTokens`; counters `refreshCount`, `exchangeCount`.
public final class GoogleOAuthFake: ServedFake {
    /// The app registered with the provider (what an authorization's client and redirect must match).
    public typealias App = FakeOAuthApp

    /// The app these tests register by default.
    public static let defaultApp = FakeOAuthApp(
        clientID: "123456789012-fakeclientid.apps.googleusercontent.com", clientSecret: "GOCSPX-fake-google-secret",
        redirectURI: "http://127.0.0.1/oauth/callback/google")

    /// The Google account that grants access.
    public struct User: Sendable {
        /// The stable account id (`sub`).
        public var sub: String
        /// Primary email.
        public var email: String
        /// Given name.
        public var givenName: String
        /// Family name.
        public var familyName: String

        /// A user.
        public init(
            sub: String = "110169484474386276334", email: String = "avery@example.com", givenName: String = "Avery", familyName: String = "Example"
        ) {
            self.sub = sub
            self.email = email
            self.givenName = givenName
            self.familyName = familyName
        }

        /// `name`.
        public var name: String { "\(givenName) \(familyName)" }
    }

    /// An OAuth error answer `{"error","error_description"}` with its HTTP status.
    public struct OAuthError: Error, Sendable {
        /// The HTTP status.
        public var status: Int
        /// `error`.
        public var error: String
        /// `error_description`.
        public var description: String
        /// Extra response headers.
        public var headers: [String: String]

        /// An error.
        public init(status: Int, error: String, description: String, headers: [String: String] = [:]) {
            self.status = status
            self.error = error
            self.description = description
            self.headers = headers
        }

        /// 400 `invalid_grant` "Bad Request": a used, unknown or mismatched code (as observed).
        public static let invalidGrant = OAuthError(status: 400, error: "invalid_grant", description: "Bad Request")
        /// 400 `invalid_grant` for a refresh token the user revoked or that lapsed (as observed).
        public static let expiredOrRevoked = OAuthError(status: 400, error: "invalid_grant", description: "Token has been expired or revoked.")
        /// 401 `invalid_client`: the client secret is wrong (as observed).
        public static let invalidClient = OAuthError(status: 401, error: "invalid_client", description: "Unauthorized")
        /// 503: Google's side is unavailable (RFC 6749 §5.2 `temporarily_unavailable`, sent with 503).
        public static let unavailable = OAuthError(
            status: 503, error: "temporarily_unavailable", description: "The service is currently unavailable.")
    }

    /// `access_type` at authorization.
    public enum AccessType: String, Sendable {
        /// No refresh token (the default at Google).
        case online
        /// A refresh token on the first exchange of the first consent.
        case offline
    }

    /// Tokens issued without the OAuth dance.
    public struct Tokens: Sendable {
        /// The access token (`ya29.…`).
        public var accessToken: String
        /// The refresh token (`1//…`), if one was issued.
        public var refreshToken: String?
    }

    private struct Grant: Sendable {
        var scopes: [String]
        var redirectURI: String
        var challenge: String?
        var challengeMethod: String?
        var issuesRefreshToken: Bool
        var used = false
    }

    private struct Access: Sendable {
        var scopes: [String]
        var expiresAt: Date
        var refreshToken: String?
        var revoked = false
    }

    private struct Refresh: Sendable {
        var scopes: [String]
        var valid = true
    }

    private struct State: Sendable {
        var grants: [String: Grant] = [:]
        var access: [String: Access] = [:]
        var refresh: [String: Refresh] = [:]
        /// Whether the user has already given offline consent to the app (no new refresh token without prompt=consent).
        var consentedOffline = false
        var rotateRefreshTokens = false
        var refreshCount = 0
        var exchangeCount = 0
        var sequence = 0
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The app.
    public let app: App
    /// The user.
    public let user: User
    /// Access tokens live one hour; Google answers `expires_in` 3599.
    public static let accessTokenLifetime = 3599
    /// What `email` and `profile` are granted as in the token response's `scope`.
    public static let scopeAliases = [
        "email": "https://www.googleapis.com/auth/userinfo.email",
        "profile": "https://www.googleapis.com/auth/userinfo.profile",
    ]

    private let state = Mutex(State())
    private let faults = ScriptedFaults<OAuthError>()

    /// A fake for `app` and `user`.
    public init(app: App = defaultApp, user: User = User()) {
        self.app = app
        self.user = user
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["error": "fake gone"])
        }
    }

    // MARK: - Lifecycle

    /// `http://127.0.0.1:<port>`: stands for accounts.google.com, oauth2.googleapis.com and
    /// openidconnect.googleapis.com (paths as on the real hosts).
    public var baseURL: String { server.baseURL }
    /// `https://accounts.google.com/o/oauth2/v2/auth`.
    public var authorizeURL: String { "\(baseURL)/o/oauth2/v2/auth" }
    /// `https://oauth2.googleapis.com/token`.
    public var tokenURL: String { "\(baseURL)/token" }
    /// `https://oauth2.googleapis.com/revoke`.
    public var revokeURL: String { "\(baseURL)/revoke" }
    /// `https://openidconnect.googleapis.com/v1/userinfo`.
    public var userinfoURL: String { "\(baseURL)/v1/userinfo" }

    // MARK: - Knobs

    /// What the consent screen would produce: a one-time code for `scopes`, bound to
    /// `redirectURI` and, with PKCE, to `codeChallenge` (`codeChallengeMethod` defaults to
    /// `plain` when a challenge is given without one, as RFC 7636 §4.3 says). A refresh token
    /// comes with it only for `offline` access on the first consent, or with `prompt: "consent"`.
    public func authorize(
        scopes: [String] = ["openid", "email", "profile"], redirectURI: String? = nil,
        codeChallenge: String? = nil, codeChallengeMethod: String? = nil,
        accessType: AccessType = .offline, prompt: String? = nil
    ) -> String {
        state.withLock { state in
            Self.grant(
                &state,
                Grant(
                    scopes: scopes, redirectURI: redirectURI ?? app.redirectURI, challenge: codeChallenge,
                    challengeMethod: codeChallenge == nil ? nil : (codeChallengeMethod ?? "plain"),
                    issuesRefreshToken: false), accessType: accessType, prompt: prompt)
        }
    }

    /// An access token (and a refresh token unless `offline` is false) issued without the dance.
    public func issueTokens(scopes: [String] = ["openid", "email", "profile"], offline: Bool = true) -> Tokens {
        state.withLock { state in
            var refresh: String?
            if offline { refresh = Self.mintRefresh(&state, scopes: scopes) }
            return Tokens(accessToken: Self.mintAccess(&state, scopes: scopes, refreshToken: refresh), refreshToken: refresh)
        }
    }

    /// From now on `accessToken` is expired (401 at userinfo, invalid at tokeninfo).
    public func expire(accessToken: String) { state.withLock { $0.access[accessToken]?.expiresAt = .distantPast } }

    /// From now on `refreshToken` is refused with `invalid_grant` (the user removed the app, six
    /// months unused, a password change with Gmail scopes, over the 100-token limit…).
    public func invalidate(refreshToken: String) { state.withLock { $0.refresh[refreshToken]?.valid = false } }

    /// Whether `accessToken` is one the fake issued and that is neither expired nor revoked.
    public func isValid(accessToken: String) -> Bool {
        state.withLock { state in
            guard let access = state.access[accessToken] else { return false }
            return !access.revoked && access.expiresAt > Date()
        }
    }

    /// The scopes granted with `accessToken`, if the fake issued it (valid or not): what the
    /// fakes of Google APIs check a call's scope against.
    public func grantedScopes(accessToken: String) -> [String]? {
        state.withLock { $0.access[accessToken]?.scopes }
    }

    /// Whether `refreshToken` would be accepted by the token endpoint.
    public func isValid(refreshToken: String) -> Bool { state.withLock { $0.refresh[refreshToken]?.valid ?? false } }

    /// The next `calls` requests to the token endpoint answer `error` (and change nothing).
    public func failNext(_ error: OAuthError, calls: Int = 1) {
        faults.add(error, calls: calls)
    }

    /// Whether a refresh answers a new refresh token and retires the old one (off at Google;
    /// on for providers that rotate, such as TikTok).
    public var rotateRefreshTokens: Bool {
        get { state.withLock { $0.rotateRefreshTokens } }
        set { state.withLock { $0.rotateRefreshTokens = newValue } }
    }

    /// Successful `refresh_token` grants so far.
    public var refreshCount: Int { state.withLock { $0.refreshCount } }

    /// Successful `authorization_code` exchanges so far.
    public var exchangeCount: Int { state.withLock { $0.exchangeCount } }

    // MARK: - Dispatch

    private typealias Reply = FakeProviderServer.Reply
    private typealias Request = FakeProviderServer.RecordedRequest

    private func handle(_ request: Request) -> Reply {
        switch (request.method, request.path) {
        case ("GET", "/o/oauth2/v2/auth"): return consent(request)
        case ("POST", "/token"): return token(request)
        case ("POST", "/revoke"): return revoke(request)
        case ("GET", "/tokeninfo"), ("POST", "/tokeninfo"): return tokenInfo(request)
        case ("GET", "/v1/userinfo"), ("POST", "/v1/userinfo"): return userinfo(request)
        case (_, "/o/oauth2/v2/auth"), (_, "/token"), (_, "/revoke"), (_, "/tokeninfo"), (_, "/v1/userinfo"):
            return Reply(status: 405, headers: ["Content-Type": "text/html; charset=UTF-8"], body: Array("Error 405 (Method Not Allowed)".utf8))
        default:
            return Reply(status: 404, headers: ["Content-Type": "text/html; charset=UTF-8"], body: Array("Error 404 (Not Found)".utf8))
        }
    }

    // MARK: - Authorization (accounts.google.com)

    /// `GET /o/oauth2/v2/auth?client_id&redirect_uri&response_type=code&scope[&state]
    /// [&access_type][&prompt][&code_challenge][&code_challenge_method]`: the user consents at
    /// once and is redirected (302) to `redirect_uri?state&code&scope`. A wrong client or
    /// redirect URI is shown on Google's error page (never redirected); other errors redirect
    /// with `error=`.
    private func consent(_ request: Request) -> Reply {
        let query = Self.single(request.queryItems)
        guard let clientID = query["client_id"], clientID == app.clientID else {
            return errorPage(401, "invalid_client", "The OAuth client was not found.")
        }
        guard let redirect = query["redirect_uri"], redirect == app.redirectURI else {
            return errorPage(400, "redirect_uri_mismatch", "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy.")
        }
        func back(_ items: [(String, String)]) -> Reply {
            var all = items
            if let state = query["state"] { all.insert(("state", state), at: 0) }
            let text = redirect + (redirect.contains("?") ? "&" : "?") + all.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
            return Reply(status: 302, headers: ["Location": text])
        }
        guard query["response_type"] == "code" else {
            return back([("error", "unsupported_response_type")])
        }
        guard let scope = query["scope"], !scope.isEmpty else {
            return errorPage(400, "invalid_request", "Missing required parameter: scope")
        }
        let method = query["code_challenge_method"]
        if let method, !["S256", "plain"].contains(method) {
            return errorPage(400, "invalid_request", "Invalid code_challenge_method value.")
        }
        if method != nil, query["code_challenge"] == nil {
            return errorPage(400, "invalid_request", "Missing code_challenge.")
        }
        let accessType = AccessType(rawValue: query["access_type"] ?? "online") ?? .online
        let scopes = scope.split(separator: " ").map(String.init)
        let code = authorize(
            scopes: scopes, redirectURI: redirect, codeChallenge: query["code_challenge"],
            codeChallengeMethod: method, accessType: accessType, prompt: query["prompt"])
        return back([("code", code), ("scope", Self.granted(scopes))])
    }

    private func errorPage(_ status: Int, _ error: String, _ description: String) -> Reply {
        let html = "<html><body><h1>Access blocked: authorization error</h1><p>\(description)</p><p>Error \(status): \(error)</p></body></html>"
        return Reply(status: status, headers: ["Content-Type": "text/html; charset=UTF-8"], body: Array(html.utf8))
    }

    // MARK: - Token endpoint (oauth2.googleapis.com)

    /// `POST /token`, form body: `authorization_code` (+ `code_verifier` after PKCE) or `refresh_token`.
    private func token(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return oauthError(
                OAuthError(status: 400, error: "invalid_request", description: "Content-Type must be application/x-www-form-urlencoded"))
        }
        if let fault = faults.take() { return oauthError(fault) }
        let form = Self.single(request.formItems)
        // Client authentication: in the body as the page shows, or HTTP Basic (RFC 6749 §2.3.1).
        var clientID = form["client_id"]
        var clientSecret = form["client_secret"]
        if let basic = request.header("Authorization"), basic.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(basic.dropFirst(6)).trimmingCharacters(in: .whitespaces)).map({
                String(decoding: $0, as: UTF8.self)
            })
        {
            let parts = decoded.split(separator: ":", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            clientID = parts.first
            clientSecret = parts.count > 1 ? parts[1] : nil
        }
        guard let grantType = form["grant_type"], !grantType.isEmpty else {
            return oauthError(OAuthError(status: 400, error: "unsupported_grant_type", description: "Invalid grant_type: "))
        }
        guard let clientID, !clientID.isEmpty else {
            return oauthError(OAuthError(status: 400, error: "invalid_request", description: "Could not determine client ID from request."))
        }
        guard clientID == app.clientID else {
            return oauthError(OAuthError(status: 401, error: "invalid_client", description: "The OAuth client was not found."))
        }
        guard clientSecret == app.clientSecret else { return oauthError(.invalidClient) }
        switch grantType {
        case "authorization_code": return exchange(form)
        case "refresh_token": return refresh(form)
        default:
            return oauthError(OAuthError(status: 400, error: "unsupported_grant_type", description: "Invalid grant_type: \(grantType)"))
        }
    }

    private func exchange(_ form: [String: String]) -> Reply {
        guard let code = form["code"], !code.isEmpty else {
            return oauthError(OAuthError(status: 400, error: "invalid_request", description: "Missing required parameter: code"))
        }
        guard let redirect = form["redirect_uri"], !redirect.isEmpty else {
            return oauthError(OAuthError(status: 400, error: "invalid_request", description: "Missing parameter: redirect_uri"))
        }
        let outcome = state.withLock { state -> Result<[String: Any], OAuthError> in
            guard let grant = state.grants[code], !grant.used else { return .failure(.invalidGrant) }
            guard grant.redirectURI == redirect else {
                return .failure(OAuthError(status: 400, error: "redirect_uri_mismatch", description: "Bad Request"))
            }
            // RFC 7636 §4.6: the verifier must transform into the challenge given at authorization.
            let verifier = form["code_verifier"]
            switch (grant.challenge, verifier) {
            case (nil, nil): break
            case (nil, _?): return .failure(OAuthError(status: 400, error: "invalid_grant", description: "code_verifier or verifier is not needed."))
            case (_?, nil): return .failure(OAuthError(status: 400, error: "invalid_grant", description: "Missing code verifier."))
            case (let challenge?, let verifier?):
                let derived = grant.challengeMethod == "S256" ? PKCE.s256Challenge(verifier) : verifier
                guard PKCE.isWellFormedVerifier(verifier), derived == challenge else {
                    return .failure(OAuthError(status: 400, error: "invalid_grant", description: "Invalid code verifier."))
                }
            }
            // A code is good for one successful exchange.
            state.grants[code]?.used = true
            state.exchangeCount += 1
            let refresh = grant.issuesRefreshToken ? Self.mintRefresh(&state, scopes: grant.scopes) : nil
            var body: [String: Any] = [
                "access_token": Self.mintAccess(&state, scopes: grant.scopes, refreshToken: refresh),
                "expires_in": Self.accessTokenLifetime,
                "scope": Self.granted(grant.scopes),
                "token_type": "Bearer",
            ]
            if let refresh { body["refresh_token"] = refresh }
            if grant.scopes.contains("openid") { body["id_token"] = idToken(scopes: grant.scopes) }
            return .success(body)
        }
        switch outcome {
        case .success(let body): return .json(200, object: body)
        case .failure(let failure): return oauthError(failure)
        }
    }

    private func refresh(_ form: [String: String]) -> Reply {
        guard let token = form["refresh_token"], !token.isEmpty else {
            return oauthError(OAuthError(status: 400, error: "invalid_request", description: "Missing required parameter: refresh_token"))
        }
        let outcome = state.withLock { state -> [String: Any]? in
            guard let refresh = state.refresh[token], refresh.valid else { return nil }
            state.refreshCount += 1
            var current = token
            var body: [String: Any] = [:]
            if state.rotateRefreshTokens {
                state.refresh[token]?.valid = false
                current = Self.mintRefresh(&state, scopes: refresh.scopes)
                body["refresh_token"] = current
            }
            body["access_token"] = Self.mintAccess(&state, scopes: refresh.scopes, refreshToken: current)
            body["expires_in"] = Self.accessTokenLifetime
            body["scope"] = Self.granted(refresh.scopes)
            body["token_type"] = "Bearer"
            if refresh.scopes.contains("openid") { body["id_token"] = idToken(scopes: refresh.scopes) }
            return body
        }
        guard let outcome else { return oauthError(.expiredOrRevoked) }
        return .json(200, object: outcome)
    }

    /// `POST /revoke` with `token` (an access or refresh token) in the form body or the query:
    /// 200 on success; revoking either token of a grant revokes both. 400 `invalid_token` otherwise.
    private func revoke(_ request: Request) -> Reply {
        let token = Self.single(request.formItems)["token"] ?? Self.single(request.queryItems)["token"]
        guard let token, !token.isEmpty else {
            return oauthError(OAuthError(status: 400, error: "invalid_request", description: "Missing required parameter: token"))
        }
        let revoked = state.withLock { state -> Bool in
            var refreshToken: String?
            if let access = state.access[token], !access.revoked {
                refreshToken = access.refreshToken
                state.access[token]?.revoked = true
            } else if let refresh = state.refresh[token], refresh.valid {
                refreshToken = token
            } else {
                return false
            }
            if let refreshToken {
                state.refresh[refreshToken]?.valid = false
                for (key, access) in state.access where access.refreshToken == refreshToken { state.access[key]?.revoked = true }
            }
            return true
        }
        guard revoked else { return oauthError(OAuthError(status: 400, error: "invalid_token", description: "Token expired or revoked")) }
        return Reply(status: 200, headers: ["Content-Type": "application/json; charset=utf-8"], body: Array("{}".utf8))
    }

    /// `GET /tokeninfo?access_token=…`: the token's audience, scope and remaining life, or 400 `invalid_token`.
    private func tokenInfo(_ request: Request) -> Reply {
        let query = Self.single(request.queryItems).merging(Self.single(request.formItems)) { $1 }
        guard let token = query["access_token"], let access = state.withLock({ $0.access[token] }),
            !access.revoked, access.expiresAt > Date()
        else {
            return .json(400, object: ["error": "invalid_token", "error_description": "Invalid Value"])
        }
        var body: [String: Any] = [
            "azp": app.clientID, "aud": app.clientID, "sub": user.sub, "scope": Self.granted(access.scopes),
            "exp": String(Int(access.expiresAt.timeIntervalSince1970)),
            "expires_in": String(max(0, Int(access.expiresAt.timeIntervalSinceNow))),
            "access_type": access.refreshToken == nil ? "online" : "offline",
        ]
        if access.scopes.contains("email") {
            body["email"] = user.email
            body["email_verified"] = "true"
        }
        return .json(200, object: body)
    }

    // MARK: - OpenID Connect userinfo (openidconnect.googleapis.com)

    /// `GET /v1/userinfo` with `Authorization: Bearer`: the claims the token's scopes allow.
    private func userinfo(_ request: Request) -> Reply {
        let header = request.header("Authorization") ?? ""
        let token = header.lowercased().hasPrefix("bearer ") ? String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces) : ""
        guard let access = state.withLock({ $0.access[token] }), !access.revoked, access.expiresAt > Date() else {
            // Observed: 401 with a WWW-Authenticate challenge (RFC 6750 §3) and this body.
            return .json(
                401, object: ["error": "invalid_request", "error_description": "Invalid Credentials"],
                headers: ["WWW-Authenticate": "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""])
        }
        // A token for other APIs only: RFC 6750 §3.1 insufficient_scope.
        guard !Set(access.scopes).isDisjoint(with: ["openid", "email", "profile"]) else {
            return .json(
                403, object: ["error": "insufficient_scope", "error_description": "Insufficient Permission"],
                headers: ["WWW-Authenticate": "Bearer realm=\"https://accounts.google.com/\", error=\"insufficient_scope\""])
        }
        var body: [String: Any] = ["sub": user.sub]
        if access.scopes.contains("profile") {
            body["name"] = user.name
            body["given_name"] = user.givenName
            body["family_name"] = user.familyName
            body["picture"] = "https://lh3.googleusercontent.com/a/fake-picture"
        }
        if access.scopes.contains("email") {
            body["email"] = user.email
            body["email_verified"] = true
        }
        return .json(200, object: body)
    }

    // MARK: - Pieces

    private static func grant(_ state: inout State, _ grant: Grant, accessType: AccessType, prompt: String?) -> String {
        var grant = grant
        // A refresh token only for offline access, and only on the first consent unless the app
        // forces the consent screen again with prompt=consent.
        let forced = prompt?.split(separator: " ").contains("consent") == true
        grant.issuesRefreshToken = accessType == .offline && (!state.consentedOffline || forced)
        if accessType == .offline { state.consentedOffline = true }
        state.sequence += 1
        let code = "4/0AfakeCode\(state.sequence)x\(UUID().uuidString.prefix(8))"
        state.grants[code] = grant
        return code
    }

    private static func mintAccess(_ state: inout State, scopes: [String], refreshToken: String?) -> String {
        state.sequence += 1
        let token = "ya29.fakeAccess\(state.sequence)"
        state.access[token] = Access(scopes: scopes, expiresAt: Date().addingTimeInterval(Double(accessTokenLifetime)), refreshToken: refreshToken)
        return token
    }

    private static func mintRefresh(_ state: inout State, scopes: [String]) -> String {
        state.sequence += 1
        let token = "1//0gfakeRefresh\(state.sequence)"
        state.refresh[token] = Refresh(scopes: scopes)
        return token
    }

    private func oauthError(_ failure: OAuthError) -> Reply {
        var headers = HTTPHeaders()
        for (name, value) in failure.headers.sorted(by: { $0.key < $1.key }) { headers.add(name: name, value: value) }
        return .json(failure.status, object: ["error": failure.error, "error_description": failure.description], headers: headers)
    }

    /// An id_token shaped like Google's (header.claims.signature); the fake does not sign it.
    private func idToken(scopes: [String]) -> String {
        func encode(_ object: [String: Any]) -> String {
            PKCE.base64URL(Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()))
        }
        let now = Int(Date().timeIntervalSince1970)
        var claims: [String: Any] = [
            "iss": "https://accounts.google.com", "azp": app.clientID, "aud": app.clientID,
            "sub": user.sub, "iat": now, "exp": now + 3600,
        ]
        if scopes.contains("email") {
            claims["email"] = user.email
            claims["email_verified"] = true
        }
        if scopes.contains("profile") { claims["name"] = user.name }
        return encode(["alg": "RS256", "kid": "fake", "typ": "JWT"]) + "." + encode(claims) + ".ZmFrZS1zaWduYXR1cmU"
    }

    /// The `scope` Google answers: space-separated, `email` and `profile` as their URLs.
    private static func granted(_ scopes: [String]) -> String {
        scopes.map { scopeAliases[$0] ?? $0 }.joined(separator: " ")
    }

    private static func single(_ items: [String: [String]]) -> [String: String] {
        items.compactMapValues(\.last)
    }

    private static func encode(_ value: String) -> String {
        value.addingPercentEncoding(
            withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? value
    }
}
