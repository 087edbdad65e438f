import Foundation
import HTTPFields
import Synchronization

// Xero's identity service and connections (sources in XeroFake.swift's header):
// https://developer.xero.com/documentation/guides/oauth2/auth-flow/,
// https://developer.xero.com/documentation/guides/oauth2/pkce-flow/,
// https://developer.xero.com/documentation/guides/oauth2/tenants/

extension XeroFake {
    /// What the consent screen answers: a code, or an OAuth error (`invalid_scope`, …).
    public enum Consent: Sendable, Equatable {
        /// The user consented: the `code` sent to the redirect URI.
        case code(String)
        /// The authorize endpoint refused: the `error` sent to the redirect URI.
        case error(String)

        /// The code, if any.
        public var code: String? {
            if case .code(let code) = self { return code }
            return nil
        }
    }

    /// The authorize endpoint and the user's consent, from the authorize URL's query: checks
    /// `response_type=code`, the app's `client_id`, a `redirect_uri`, the scopes (an
    /// app created on or after 2 March 2026 cannot ask for the broad scopes) and PKCE's challenge.
    public func authorize(_ query: [String: String]) -> Consent {
        guard query["response_type"] == "code" else { return .error("unsupported_response_type") }
        guard query["client_id"] == app.clientID else { return .error("unauthorized_client") }
        // Any redirect URI the test server uses counts as registered; the exchange must repeat it.
        guard let redirect = query["redirect_uri"], !redirect.isEmpty else { return .error("invalid_request") }
        let scopes = Set((query["scope"] ?? "").split(separator: " ").map(String.init))
        guard !scopes.isEmpty else { return .error("invalid_scope") }
        if newApp, !scopes.isDisjoint(with: Self.retiredScopes) { return .error("invalid_scope") }
        if let method = query["code_challenge_method"], method != "S256", method != "plain" { return .error("invalid_request") }
        return state.withLock { state in
            state.sequence += 1
            let code = String(format: "xc%06d", state.sequence) + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            state.grants[code] = Grant(
                scopes: scopes, redirectURI: redirect, challenge: query["code_challenge"],
                challengeMethod: query["code_challenge"] == nil ? nil : (query["code_challenge_method"] ?? "plain"))
            return .code(code)
        }
    }

    static func mintAccess(_ state: inout State, scopes: Set<String>, refresh: String?) -> String {
        state.sequence += 1
        let token = "eyJhbGciOiJSUzI1NiJ9.xero\(state.sequence)." + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        state.tokens[token] = AccessToken(scopes: scopes, refresh: refresh)
        return token
    }

    static func mintRefresh(_ state: inout State, scopes: Set<String>) -> String {
        state.sequence += 1
        let token = String(format: "rt%05d", state.sequence) + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        state.refreshTokens[token] = RefreshToken(scopes: scopes)
        return token
    }

    /// The app's id and secret from HTTP Basic or the form; nil secret for a PKCE client that sent none.
    private func client(_ request: Request) -> (id: String?, secret: String?) {
        let form = request.formItems
        if let header = request.header("Authorization"), header.lowercased().hasPrefix("basic "),
            let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces))
        {
            let pair = String(decoding: data, as: UTF8.self).split(separator: ":", maxSplits: 1).map(String.init)
            return (pair.first, pair.count > 1 ? pair[1] : nil)
        }
        return (form["client_id"]?.last, form["client_secret"]?.last)
    }

    static func oauthError(_ code: String, _ status: Int = 400) -> Reply { .json(status, object: ["error": code]) }

    /// `POST /connect/token`: the authorization code or the rotating refresh token.
    func token(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return Self.oauthError("invalid_request")
        }
        let form = request.formItems.compactMapValues(\.last)
        let (clientID, secret) = client(request)
        guard clientID == app.clientID else { return Self.oauthError("invalid_client") }
        if let secret, secret != app.clientSecret { return Self.oauthError("invalid_client") }
        let outcome: Result<[String: Any], Refusal> = state.withLock { state in
            switch form["grant_type"] {
            case "authorization_code":
                guard let code = form["code"], let grant = state.grants[code], !grant.used else {
                    return .failure(Refusal(reply: Self.oauthError("invalid_grant")))
                }
                state.grants[code]?.used = true
                guard form["redirect_uri"] == grant.redirectURI else { return .failure(Refusal(reply: Self.oauthError("invalid_grant"))) }
                if let challenge = grant.challenge {
                    guard let verifier = form["code_verifier"], PKCE.isWellFormedVerifier(verifier),
                        (grant.challengeMethod == "S256" ? PKCE.s256Challenge(verifier) : verifier) == challenge
                    else { return .failure(Refusal(reply: Self.oauthError("invalid_grant"))) }
                } else if secret == nil {
                    return .failure(Refusal(reply: Self.oauthError("invalid_client")))
                }
                let refresh = grant.scopes.contains("offline_access") ? Self.mintRefresh(&state, scopes: grant.scopes) : nil
                return .success(Self.tokenBody(&state, scopes: grant.scopes, refresh: refresh))
            case "refresh_token":
                guard let old = form["refresh_token"], let grant = state.refreshTokens[old], !grant.revoked,
                    grant.rotatedAt.map({ Date().timeIntervalSince($0) < 30 * 60 }) ?? true
                else { return .failure(Refusal(reply: Self.oauthError("invalid_grant"))) }
                // Rotation: a new refresh token every time; the old one keeps a 30-minute grace period.
                if grant.rotatedAt == nil { state.refreshTokens[old]?.rotatedAt = Date() }
                let refresh = Self.mintRefresh(&state, scopes: grant.scopes)
                return .success(Self.tokenBody(&state, scopes: grant.scopes, refresh: refresh))
            default:
                return .failure(Refusal(reply: Self.oauthError("unsupported_grant_type")))
            }
        }
        switch outcome {
        case .success(let body): return .json(200, object: body)
        case .failure(let refusal): return refusal.reply
        }
    }

    private static func tokenBody(_ state: inout State, scopes: Set<String>, refresh: String?) -> [String: Any] {
        var body: [String: Any] = [
            "access_token": mintAccess(&state, scopes: scopes, refresh: refresh), "expires_in": 1800, "token_type": "Bearer",
            "scope": scopes.sorted().joined(separator: " "),
        ]
        if scopes.contains("openid") { body["id_token"] = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4ZXJvLXVzZXIifQ.c2ln" }
        if let refresh { body["refresh_token"] = refresh }
        return body
    }

    /// `POST /connect/revocation`: the refresh token (and its access tokens) stop working.
    func revocation(_ request: Request) -> Reply {
        let (clientID, secret) = client(request)
        guard clientID == app.clientID, secret == app.clientSecret else { return Self.oauthError("invalid_client") }
        guard let token = request.formItems["token"]?.last else { return Self.oauthError("invalid_request") }
        state.withLock { state in
            state.refreshTokens[token]?.revoked = true
            for (key, value) in state.tokens where value.refresh == token || key == token { state.tokens[key]?.revoked = true }
        }
        return Reply(status: 200)
    }

    /// `GET /connections`: the tenants the token's user connected.
    func listConnections(_ request: Request) -> Reply {
        if case .failure(let refusal) = authenticate(request) { return refusal.reply }
        let connected = state.withLock { $0.connected }
        let list: [[String: Any]] = Self.tenants.filter { connected.contains($0.id) }.map { tenant in
            [
                "id": tenant.connectionID, "authEventId": "d99ecdfe-391d-43d2-b834-17636ba90e8d", "tenantId": tenant.id,
                "tenantType": "ORGANISATION", "tenantName": tenant.name, "createdDateUtc": "2026-11-30T09:12:41.1234560",
                "updatedDateUtc": "2026-11-30T09:12:41.1234560",
            ]
        }
        return .json(200, object: list)
    }

    /// `DELETE /connections/{id}`: the tenant is no longer connected (204).
    func deleteConnection(_ request: Request) -> Reply {
        if case .failure(let refusal) = authenticate(request) { return refusal.reply }
        let id = String(request.path.dropFirst("/connections/".count))
        guard let tenant = Self.tenants.first(where: { $0.connectionID == id }) else { return Self.plain(404, "") }
        state.withLock { _ = $0.connected.remove(tenant.id) }
        return Reply(status: 204)
    }

    // MARK: - Answers

    /// Xero's problem JSON for 401 and 403.
    static func problem(_ status: Int, _ title: String, _ detail: String) -> Reply {
        .json(
            status,
            object: [
                "Type": NSNull(), "Title": title, "Status": status, "Detail": detail, "Instance": UUID().uuidString.lowercased(),
                "Extensions": [String: Any](),
            ])
    }

    /// An `ApiException` body (400 validation, query parse, …).
    static func apiException(_ status: Int, type: String, message: String, number: Int = 10, elements: [[String: Any]]? = nil) -> Reply {
        var body: [String: Any] = ["ErrorNumber": number, "Type": type, "Message": message]
        if let elements { body["Elements"] = elements }
        return .json(status, object: body)
    }

    /// A plain-text answer.
    static func plain(_ status: Int, _ text: String) -> Reply {
        Reply(status: status, headers: HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")]), body: Array(text.utf8))
    }

    /// The envelope every Accounting API answer has, with `members`.
    static func envelope(_ members: [String: Any]) -> Reply {
        var body: [String: Any] = [
            "Id": UUID().uuidString.lowercased(), "Status": "OK", "ProviderName": "NeonHub", "DateTimeUTC": msDate(Date(), offset: false),
        ]
        body.merge(members) { $1 }
        return .json(200, object: body)
    }

    /// `/Date(1550793549320+0000)/` (or without the offset, as DateTimeUTC is written).
    static func msDate(_ date: Date, offset: Bool = true) -> String {
        "/Date(\(Int64(date.timeIntervalSince1970 * 1000))\(offset ? "+0000" : ""))/"
    }
}

extension Double {
    /// Rounded to cents.
    var xeroCents: Double { (self * 100).rounded() / 100 }
}
