// A fake of LinkedIn's OAuth host (www.linkedin.com/oauth/v2) and REST API (api.linkedin.com:
// OpenID userinfo, Community Management, Posts and Images APIs) on loopback, following the
// documentation — not what our connector definition assumes:
//
// - Authorization Code Flow (3-legged OAuth):
//   https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
// - Programmatic refresh tokens:
//   https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
// - Sign In with LinkedIn using OpenID Connect (/v2/userinfo):
//   https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
// - Organization Access Control by Role (organizationAcls, q=roleAssignee):
//   https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role
// - Posts API (create, get, find by author, delete):
//   https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
// - Images API (initializeUpload, upload, get):
//   https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api
// - Article posts: https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/article-post-api
// - Versioning (LinkedIn-Version, sunset versions):
//   https://learn.microsoft.com/en-us/linkedin/marketing/versioning
// - Rest.li protocol 2.0 (X-Restli-Protocol-Version, encoded resource keys):
//   https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version
// - Error handling ({status, serviceErrorCode, code, message}):
//   https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
// - Rate limits (daily, 429, reset at midnight UTC, no documented Retry-After):
//   https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits
//
// Where the documentation does not give an error body (a missing X-Restli-Protocol-Version, an
// unencoded URN in a path) the fake answers 400 in LinkedIn's error shape and says so below.

import Foundation
import HTTPCore
import HTTPFields
import Synchronization

/// LinkedIn on loopback: the OAuth token endpoint (authorization code and refresh token
/// grants), `/v2/userinfo`, `/rest/organizationAcls`, `/rest/posts` (create, get, find by
/// author, delete), `/rest/images` (initializeUpload, get) and the upload URL it hands out.
///
/// It keeps state like the real thing: tokens it issued are the only ones accepted, posts it
/// created are listed and deletable, images must be uploaded before a post can use them.
/// Knobs: `expire(token:)`, `revoke(token:)`, `injectRateLimit(calls:retryAfter:)`,
/// `failNext(_:error:)`, `issuesRefreshTokens`.
public final class LinkedInFake: ServedFake {
    /// The app registered with the provider (what an authorization's client and redirect must match).
    public typealias App = FakeOAuthApp

    /// The app these tests register by default.
    public static let defaultApp = FakeOAuthApp(
        clientID: "86fakeclientid", clientSecret: "fake-linkedin-secret", redirectURI: "http://127.0.0.1/oauth/linkedin/callback")

    /// The member who grants access.
    public struct Member: Sendable {
        /// The OpenID `sub` (the person id in `urn:li:person:{sub}`).
        public var sub: String
        /// Given name.
        public var givenName: String
        /// Family name.
        public var familyName: String
        /// Primary email.
        public var email: String

        /// A member.
        public init(sub: String = "782bbtaQ", givenName: String = "Avery", familyName: String = "Example", email: String = "avery@example.com") {
            self.sub = sub
            self.givenName = givenName
            self.familyName = familyName
            self.email = email
        }

        /// `urn:li:person:{sub}`.
        public var urn: String { "urn:li:person:\(sub)" }
    }

    /// A Company Page and the member's role on it.
    public struct Organization: Sendable {
        /// The numeric id.
        public var id: Int
        /// `localizedName`.
        public var localizedName: String
        /// `vanityName`.
        public var vanityName: String
        /// The member's role: ADMINISTRATOR, CONTENT_ADMIN, DIRECT_SPONSORED_CONTENT_POSTER, ANALYST, …
        public var role: String
        /// APPROVED, REQUESTED, REJECTED or REVOKED.
        public var state: String

        /// An organization.
        public init(id: Int, localizedName: String, vanityName: String, role: String = "ADMINISTRATOR", state: String = "APPROVED") {
            self.id = id
            self.localizedName = localizedName
            self.vanityName = vanityName
            self.role = role
            self.state = state
        }

        /// `urn:li:organization:{id}`.
        public var urn: String { "urn:li:organization:\(id)" }

        /// The two Pages a fake has unless told otherwise.
        public static let defaults: [Organization] = [
            Organization(id: 2_414_183, localizedName: "NeonHub Demo", vanityName: "neonhub-demo"),
            Organization(id: 5_515_715, localizedName: "Example Coffee Roasters", vanityName: "example-coffee"),
        ]
    }

    /// An API error `{"status","serviceErrorCode","code","message"}` (absent parts left out).
    public struct LinkedInError: Error, Sendable {
        /// The HTTP status (and `status`).
        public var status: Int
        /// `serviceErrorCode`.
        public var serviceErrorCode: Int?
        /// `code`.
        public var code: String?
        /// `message`.
        public var message: String
        /// Extra response headers.
        public var headers: [String: String]

        /// An error.
        public init(status: Int, serviceErrorCode: Int? = nil, code: String? = nil, message: String, headers: [String: String] = [:]) {
            self.status = status
            self.serviceErrorCode = serviceErrorCode
            self.code = code
            self.message = message
            self.headers = headers
        }

        /// 403: the member's token or role does not allow the call.
        public static func accessDenied(_ permission: String = "partnerApiPostsExternal.CREATE.20260301") -> LinkedInError {
            LinkedInError(status: 403, serviceErrorCode: 100, code: "ACCESS_DENIED", message: "Not enough permissions to access: \(permission)")
        }

        /// 422: a request body that fails validation.
        public static func unprocessable(_ message: String) -> LinkedInError {
            LinkedInError(status: 422, serviceErrorCode: 100, code: "UNPROCESSABLE_ENTITY", message: message)
        }

        /// 500: LinkedIn's side failed.
        public static let internalError = LinkedInError(status: 500, code: "INTERNAL_SERVER_ERROR", message: "Internal Server Error")
    }

    private enum TokenState: Sendable { case valid, expired, revoked }

    private struct Token: Sendable {
        var scopes: Set<String>
        var state: TokenState = .valid
    }

    private struct Grant: Sendable {
        var scopes: Set<String>
        var redirectURI: String
        var used = false
    }

    private struct Refresh: Sendable {
        var scopes: Set<String>
        var issuedAt: Date
        var valid = true
    }

    private struct Post: Sendable {
        var urn: String
        var author: String
        var body: [String: JSONScalarOrTree]
        var createdAt: Int
        var deleted = false
    }

    private struct Image: Sendable {
        var urn: String
        var owner: String
        var uploadToken: String
        var uploaded = false
    }

    private struct State: Sendable {
        var grants: [String: Grant] = [:]
        var tokens: [String: Token] = [:]
        var refreshTokens: [String: Refresh] = [:]
        var posts: [String: Post] = [:]
        var postOrder: [String] = []
        var images: [String: Image] = [:]
        var issuesRefreshTokens = true
        var sequence = 0
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The app.
    public let app: App
    /// The member.
    public let member: Member
    /// The member's organizations (any role, any state).
    public let organizations: [Organization]
    /// The `LinkedIn-Version` values that are active; anything else is 426.
    public let activeVersions: Set<String>
    /// The scopes `authorize()` grants unless told otherwise (those of `configs/connectors/linkedin.json`).
    public static let defaultScopes: Set<String> = [
        "openid", "profile", "email", "w_member_social", "r_organization_social", "w_organization_social", "rw_organization_admin",
    ]
    /// Access tokens live 60 days; refresh tokens 365 days.
    public static let accessTokenLifetime = 5_184_000
    /// The refresh token lifetime in seconds.
    public static let refreshTokenLifetime = 31_536_000

    private let state = Mutex(State())
    private let faults = ScriptedFaults<LinkedInError>()

    /// A fake for `app` and `member` administering `organizations`.
    public init(
        app: App = defaultApp, member: Member = Member(), organizations: [Organization] = Organization.defaults,
        activeVersions: Set<String> = ["202603", "202602", "202601"]
    ) {
        self.app = app
        self.member = member
        self.organizations = organizations
        self.activeVersions = activeVersions
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .json(503, object: ["message": "fake gone"])
        }
    }

    // MARK: - Lifecycle

    /// `http://127.0.0.1:<port>`: stands for both `https://api.linkedin.com` and
    /// `https://www.linkedin.com` (paths as on the real hosts).
    public var baseURL: String { server.baseURL }

    /// The token endpoint, `…/oauth/v2/accessToken`.
    public var tokenURL: String { "\(baseURL)/oauth/v2/accessToken" }

    // MARK: - Knobs

    /// What the consent screen would do: an authorization code for `scopes`, bound to `redirectURI`.
    public func authorize(scopes: Set<String> = LinkedInFake.defaultScopes, redirectURI: String? = nil) -> String {
        state.withLock { state in
            state.sequence += 1
            let code = "AQTfakecode\(state.sequence)"
            state.grants[code] = Grant(scopes: scopes, redirectURI: redirectURI ?? app.redirectURI)
            return code
        }
    }

    /// An access token issued without the OAuth dance.
    public func issueAccessToken(scopes: Set<String> = LinkedInFake.defaultScopes) -> String {
        state.withLock { Self.mintAccess(&$0, scopes: scopes) }
    }

    /// From now on `token` answers 401 EXPIRED_ACCESS_TOKEN.
    public func expire(token: String) { state.withLock { $0.tokens[token]?.state = .expired } }

    /// From now on `token` answers 401 REVOKED_ACCESS_TOKEN.
    public func revoke(token: String) { state.withLock { $0.tokens[token]?.state = .revoked } }

    /// From now on `refreshToken` is refused by the token endpoint (expired or revoked).
    public func invalidate(refreshToken: String) { state.withLock { $0.refreshTokens[refreshToken]?.valid = false } }

    /// The refresh tokens issued so far, oldest first.
    public var issuedRefreshTokens: [String] {
        state.withLock { $0.refreshTokens.sorted { $0.value.issuedAt < $1.value.issuedAt }.map(\.key) }
    }

    /// Whether the code exchange issues refresh tokens (only approved partners get them).
    public func setIssuesRefreshTokens(_ issues: Bool) { state.withLock { $0.issuesRefreshTokens = issues } }

    /// The next `calls` API calls (not the OAuth endpoint) answer 429 TOO_MANY_REQUESTS. LinkedIn
    /// documents no `Retry-After`; pass `retryAfter` to add one anyway.
    public func injectRateLimit(calls: Int = 1, retryAfter: Int? = nil) {
        var error = LinkedInError(
            status: 429, serviceErrorCode: 101, code: "TOO_MANY_REQUESTS",
            message: "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.")
        if let retryAfter { error.headers["Retry-After"] = String(retryAfter) }
        faults.add(error, calls: calls)
    }

    /// The next `calls` API calls (not the OAuth endpoint) answer `error`.
    public func failNext(_ calls: Int = 1, error: LinkedInError) {
        faults.add(error, calls: calls)
    }

    /// The URNs of the posts that exist (created, not deleted), newest first.
    public var postURNs: [String] {
        state.withLock { state in state.postOrder.reversed().filter { state.posts[$0]?.deleted == false } }
    }

    /// A post as the API would answer it, if it exists.
    public func post(_ urn: String) -> [String: Any]? {
        state.withLock { state in
            guard let post = state.posts[urn], !post.deleted else { return nil }
            return Self.render(post)
        }
    }

    /// The bytes uploaded for `imageURN`, or nil before the upload.
    public func isUploaded(_ imageURN: String) -> Bool { state.withLock { $0.images[imageURN]?.uploaded ?? false } }

    // MARK: - Dispatch

    private typealias Reply = FakeProviderServer.Reply
    private typealias Request = FakeProviderServer.RecordedRequest

    private func handle(_ request: Request) -> Reply {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        if segments == ["oauth", "v2", "accessToken"] {
            guard request.method == "POST" else { return oauthError(405, "invalid_request", "Method not allowed") }
            return accessToken(request)
        }
        if segments.first == "dms-uploads" {
            guard request.method == "PUT" || request.method == "POST" else { return error(LinkedInError(status: 405, message: "Method not allowed")) }
            return upload(request, segments: segments)
        }
        if segments == ["v2", "userinfo"] {
            guard request.method == "GET" else { return error(LinkedInError(status: 405, message: "Method not allowed")) }
            switch authenticate(request) {
            case .failure(let failure): return error(failure)
            case .success(let token):
                if let fault = faults.take() { return error(fault) }
                return userinfo(token)
            }
        }
        guard segments.first == "rest", segments.count >= 2 else {
            return error(LinkedInError(status: 404, message: "No virtual resource found"))
        }
        let token: Token
        switch authenticate(request) {
        case .failure(let failure): return error(failure)
        case .success(let valid): token = valid
        }
        // Versioned APIs need LinkedIn-Version; an inactive or sunset version is 426.
        guard let version = request.header("LinkedIn-Version"), !version.isEmpty else {
            return error(
                LinkedInError(
                    status: 400, code: "VERSION_MISSING",
                    message: "A version must be present. Please specify a version by adding the LinkedIn-Version header."))
        }
        guard activeVersions.contains(version) else {
            return error(LinkedInError(status: 426, code: "NONEXISTENT_VERSION", message: "Requested version \(version) is not active"))
        }
        // Rest.li 2.0 is required; without the header a request is read as protocol 1.0, which
        // these APIs do not accept (the refusal body is ours: the documentation gives none).
        guard request.header("X-Restli-Protocol-Version") == "2.0.0" else {
            return error(LinkedInError(status: 400, message: "X-Restli-Protocol-Version: 2.0.0 is required by this API"))
        }
        if let fault = faults.take() { return error(fault) }

        let resource = Array(segments.dropFirst())
        switch (request.method, resource.count, resource.first) {
        case ("GET", 1, "organizationAcls"?):
            return organizationAcls(request)
        case ("POST", 1, "posts"?):
            return createPost(request, token: token)
        case ("GET", 1, "posts"?):
            return findPosts(request, token: token)
        case ("GET", 2, "posts"?):
            return withKey(resource[1]) { getPost($0, token: token) }
        case ("DELETE", 2, "posts"?):
            if let method = request.header("X-RestLi-Method"), method.uppercased() != "DELETE" {
                return error(LinkedInError(status: 400, message: "X-RestLi-Method \(method) does not match DELETE"))
            }
            return withKey(resource[1]) { deletePost($0, token: token) }
        case ("POST", 1, "images"?):
            return initializeUpload(request, token: token)
        case ("GET", 2, "images"?):
            return withKey(resource[1]) { getImage($0) }
        default:
            return error(LinkedInError(status: 404, message: "No virtual resource found"))
        }
    }

    // MARK: - OAuth

    /// `POST /oauth/v2/accessToken`, form body: authorization_code or refresh_token.
    private func accessToken(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return oauthError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
        }
        var form: [String: String] = [:]
        for (name, values) in request.formItems { form[name] = values.last }
        guard let grantType = form["grant_type"], !grantType.isEmpty else {
            return oauthError(400, "invalid_request", "A required parameter \"grant_type\" is missing")
        }
        for name in ["client_id", "client_secret"] where (form[name] ?? "").isEmpty {
            return oauthError(400, "invalid_request", "A required parameter \"\(name)\" is missing")
        }
        guard form["client_id"] == app.clientID, form["client_secret"] == app.clientSecret else {
            return oauthError(401, "invalid_client", "Client authentication failed")
        }
        switch grantType {
        case "authorization_code":
            for name in ["code", "redirect_uri"] where (form[name] ?? "").isEmpty {
                return oauthError(400, "invalid_request", "A required parameter \"\(name)\" is missing")
            }
            let outcome = state.withLock { state -> [String: Any]? in
                guard let grant = state.grants[form["code"] ?? ""], !grant.used, grant.redirectURI == form["redirect_uri"] else { return nil }
                state.grants[form["code"] ?? ""]?.used = true
                var body: [String: Any] = [
                    "access_token": Self.mintAccess(&state, scopes: grant.scopes),
                    "expires_in": Self.accessTokenLifetime,
                    "scope": grant.scopes.sorted().joined(separator: ","),
                    "token_type": "Bearer",
                ]
                if state.issuesRefreshTokens {
                    state.sequence += 1
                    let refresh = "AQXfakerefresh\(state.sequence)"
                    state.refreshTokens[refresh] = Refresh(scopes: grant.scopes, issuedAt: Date())
                    body["refresh_token"] = refresh
                    body["refresh_token_expires_in"] = Self.refreshTokenLifetime
                }
                if grant.scopes.contains("openid") { body["id_token"] = idToken() }
                return body
            }
            guard let outcome else {
                return oauthError(
                    400, "invalid_request",
                    "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired. Or external member binding exists"
                )
            }
            return .json(200, object: outcome)
        case "refresh_token":
            guard let refresh = form["refresh_token"], !refresh.isEmpty else {
                return oauthError(400, "invalid_request", "A required parameter \"refresh_token\" is missing")
            }
            let outcome = state.withLock { state -> [String: Any]? in
                guard let grant = state.refreshTokens[refresh], grant.valid else { return nil }
                // Refreshing keeps the same refresh token and does not extend its life.
                let remaining = Self.refreshTokenLifetime - Int(Date().timeIntervalSince(grant.issuedAt))
                return [
                    "access_token": Self.mintAccess(&state, scopes: grant.scopes),
                    "expires_in": Self.accessTokenLifetime,
                    "refresh_token": refresh,
                    "refresh_token_expires_in": remaining,
                    "scope": grant.scopes.sorted().joined(separator: ","),
                    "token_type": "Bearer",
                ]
            }
            guard let outcome else {
                return oauthError(400, "invalid_request", "The provided refresh token is invalid or expired")
            }
            return .json(200, object: outcome)
        default:
            return oauthError(400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server")
        }
    }

    /// An unsigned-looking OpenID id_token (the fake does not sign; nobody should verify it).
    private func idToken() -> String {
        func encode(_ object: [String: Any]) -> String {
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let now = Int(Date().timeIntervalSince1970)
        let claims: [String: Any] = [
            "iss": "https://www.linkedin.com/oauth", "aud": app.clientID, "sub": member.sub,
            "iat": now, "exp": now + 3600, "email": member.email, "email_verified": true,
            "name": "\(member.givenName) \(member.familyName)",
        ]
        return encode(["alg": "RS256", "kid": "fake", "typ": "JWT"]) + "." + encode(claims) + ".ZmFrZS1zaWduYXR1cmU"
    }

    private func oauthError(_ status: Int, _ code: String, _ description: String) -> Reply {
        .json(status, object: ["error": code, "error_description": description])
    }

    // MARK: - API

    private func authenticate(_ request: Request) -> Result<Token, LinkedInError> {
        guard let header = request.header("Authorization"), !header.isEmpty else {
            // The error-handling page's own sample.
            return .failure(LinkedInError(status: 401, serviceErrorCode: 401, message: "Empty oauth2_access_token"))
        }
        guard header.lowercased().hasPrefix("bearer ") else {
            return .failure(LinkedInError(status: 401, serviceErrorCode: 401, message: "Unknown authentication schema"))
        }
        let value = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        // The page documents the messages; the codes 65600/65601/65602 are those LinkedIn is
        // observed to send (and our definition lists), not documented ones.
        guard let token = state.withLock({ $0.tokens[value] }) else {
            return .failure(LinkedInError(status: 401, serviceErrorCode: 65600, code: "INVALID_ACCESS_TOKEN", message: "Invalid access token"))
        }
        switch token.state {
        case .valid: return .success(token)
        case .expired:
            return .failure(
                LinkedInError(
                    status: 401, serviceErrorCode: 65602, code: "EXPIRED_ACCESS_TOKEN", message: "The token used in the request has expired"))
        case .revoked:
            return .failure(
                LinkedInError(
                    status: 401, serviceErrorCode: 65601, code: "REVOKED_ACCESS_TOKEN",
                    message: "The token used in the request has been revoked by the user"))
        }
    }

    private func userinfo(_ token: Token) -> Reply {
        guard token.scopes.contains("openid") else { return error(.accessDenied("/userinfo")) }
        var body: [String: Any] = ["sub": member.sub]
        if token.scopes.contains("profile") {
            body["name"] = "\(member.givenName) \(member.familyName)"
            body["given_name"] = member.givenName
            body["family_name"] = member.familyName
            body["picture"] = "https://media.licdn.com/dms/image/fake/profile.jpg"
            body["locale"] = ["country": "US", "language": "en"]
        }
        if token.scopes.contains("email") {
            body["email"] = member.email
            body["email_verified"] = true
        }
        return .json(200, object: body)
    }

    /// `GET /rest/organizationAcls?q=roleAssignee[&role][&state][&start][&count][&projection]`.
    private func organizationAcls(_ request: Request) -> Reply {
        let query = Self.query(request)
        guard query["q"] == "roleAssignee" else {
            return error(LinkedInError(status: 400, message: "Invalid query parameter q: \(query["q"] ?? "missing"); expected roleAssignee"))
        }
        let start = Int(query["start"] ?? "0") ?? -1
        let count = Int(query["count"] ?? "10") ?? -1
        guard start >= 0, count >= 0 else { return error(LinkedInError(status: 400, message: "Invalid paging parameters")) }
        let decorate = query["projection"]?.contains("organization~") == true
        let matching = organizations.filter { org in
            (query["role"].map { $0 == org.role } ?? true) && (query["state"].map { $0 == org.state } ?? true)
        }
        let page = matching.dropFirst(start).prefix(count)
        let elements: [[String: Any]] = page.map { org in
            var element: [String: Any] = ["roleAssignee": member.urn, "state": org.state, "role": org.role, "organization": org.urn]
            if decorate { element["organization~"] = ["id": org.id, "localizedName": org.localizedName, "vanityName": org.vanityName] }
            return element
        }
        return .json(
            200,
            object: [
                "paging": paging(path: "/rest/organizationAcls", query: query, start: start, count: count, total: matching.count),
                "elements": elements,
            ])
    }

    private func paging(path: String, query: [String: String], start: Int, count: Int, total: Int) -> [String: Any] {
        var links: [[String: Any]] = []
        func href(_ newStart: Int) -> String {
            var items = query
            items["start"] = String(newStart)
            items["count"] = String(count)
            return path + "?" + items.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.encode($0.value))" }.joined(separator: "&")
        }
        if start > 0 { links.append(["type": "application/json", "rel": "prev", "href": href(max(0, start - count))]) }
        if start + count < total { links.append(["type": "application/json", "rel": "next", "href": href(start + count)]) }
        return ["start": start, "count": count, "links": links, "total": total]
    }

    /// Who may act as `author`: the member for their own URN, or a member holding an approved
    /// posting role on the organization.
    private func mayAct(as author: String, token: Token, write: Bool) -> Bool {
        if author == member.urn { return !write || token.scopes.contains("w_member_social") }
        guard let org = organizations.first(where: { $0.urn == author }), org.state == "APPROVED" else { return false }
        let posting: Set<String> = ["ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER", "CONTENT_ADMIN"]
        guard write ? posting.contains(org.role) : posting.union(["ANALYST"]).contains(org.role) else { return false }
        return token.scopes.contains(write ? "w_organization_social" : "r_organization_social")
    }

    /// `POST /rest/posts`: validates the Post schema; 201, empty body, the URN in `x-restli-id`.
    private func createPost(_ request: Request, token: Token) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true else {
            return error(LinkedInError(status: 415, message: "Content-Type must be application/json"))
        }
        guard let object = request.json as? [String: Any],
            case .object(let tree)? = try? JSONDecoder().decode(JSONScalarOrTree.self, from: Data(request.body))
        else {
            return error(LinkedInError(status: 400, message: "Unable to parse the request body as JSON"))
        }
        func missing(_ field: String) -> Reply {
            error(.unprocessable("ERROR :: /\(field) :: field is required but not found and has no default value"))
        }
        guard let author = object["author"] as? String else { return missing("author") }
        guard author.hasPrefix("urn:li:person:") || author.hasPrefix("urn:li:organization:") else {
            return error(.unprocessable("ERROR :: /author :: \(author) is not a valid person or organization URN"))
        }
        guard let commentary = object["commentary"] as? String else { return missing("commentary") }
        guard commentary.count <= 3000 else {
            return error(.unprocessable("ERROR :: /commentary :: is too long; maximum length is 3000"))
        }
        guard let visibility = object["visibility"] as? String else { return missing("visibility") }
        guard ["PUBLIC", "CONNECTIONS", "LOGGED_IN", "CONTAINER"].contains(visibility) else {
            return error(.unprocessable("ERROR :: /visibility :: \"\(visibility)\" is not an enum symbol"))
        }
        guard let distribution = object["distribution"] as? [String: Any] else { return missing("distribution") }
        guard let feed = distribution["feedDistribution"] as? String else { return missing("distribution/feedDistribution") }
        guard ["MAIN_FEED", "NONE"].contains(feed) else {
            return error(.unprocessable("ERROR :: /distribution/feedDistribution :: \"\(feed)\" is not an enum symbol"))
        }
        for key in ["targetEntities", "thirdPartyDistributionChannels"] where distribution[key] != nil && !(distribution[key] is [Any]) {
            return error(.unprocessable("ERROR :: /distribution/\(key) :: not an array"))
        }
        guard let lifecycle = object["lifecycleState"] as? String else { return missing("lifecycleState") }
        guard ["PUBLISHED", "DRAFT"].contains(lifecycle) else {
            return error(.unprocessable("ERROR :: /lifecycleState :: \"\(lifecycle)\" is not an accepted value on create"))
        }
        if let reshare = tree["isReshareDisabledByAuthor"] {
            guard case .bool = reshare else { return error(.unprocessable("ERROR :: /isReshareDisabledByAuthor :: not a boolean")) }
        }
        guard mayAct(as: author, token: token, write: true) else { return error(.accessDenied()) }

        var isMedia = false
        if let content = object["content"] {
            guard let content = content as? [String: Any], content.count == 1 else {
                return error(.unprocessable("ERROR :: /content :: exactly one content type must be set"))
            }
            if let media = content["media"] {
                guard let media = media as? [String: Any], let id = media["id"] as? String else { return missing("content/media/id") }
                guard id.hasPrefix("urn:li:image:") || id.hasPrefix("urn:li:video:") || id.hasPrefix("urn:li:document:") else {
                    return error(.unprocessable("ERROR :: /content/media/id :: \(id) is not an image, video or document URN"))
                }
                let image = state.withLock { $0.images[id] }
                guard let image else { return error(LinkedInError(status: 400, message: "Media \(id) not found")) }
                guard image.uploaded else {
                    return error(LinkedInError(status: 400, message: "Media \(id) is not ready: its upload has not completed"))
                }
                guard image.owner == author else {
                    return error(.unprocessable("ERROR :: /content/media/id :: \(id) is owned by \(image.owner), not by the author \(author)"))
                }
                isMedia = true
            } else if let article = content["article"] {
                guard let article = article as? [String: Any] else { return missing("content/article/source") }
                guard let source = article["source"] as? String, !source.isEmpty else { return missing("content/article/source") }
                guard URL(string: source)?.scheme?.hasPrefix("http") == true else {
                    return error(.unprocessable("ERROR :: /content/article/source :: \(source) is not a valid URL"))
                }
                guard let title = article["title"] as? String, !title.isEmpty else { return missing("content/article/title") }
                if let description = article["description"] as? String, description.count > 4086 {
                    return error(.unprocessable("ERROR :: /content/article/description :: is too long"))
                }
                if let thumbnail = article["thumbnail"] as? String, state.withLock({ $0.images[thumbnail]?.uploaded }) != true {
                    return error(LinkedInError(status: 400, message: "Thumbnail \(thumbnail) not found or not uploaded"))
                }
            } else {
                return error(.unprocessable("ERROR :: /content :: unsupported content type \(content.keys.first ?? "")"))
            }
        }

        let body = tree
        let outcome = state.withLock { state -> (urn: String, duplicate: Bool) in
            // LinkedIn refuses a post identical to a live one by the same author.
            if let duplicate = state.postOrder.first(where: { urn in
                guard let post = state.posts[urn], !post.deleted, post.author == author else { return false }
                return post.body["commentary"] == body["commentary"] && post.body["content"] == body["content"]
            }) {
                return (duplicate, true)
            }
            state.sequence += 1
            let urn = "urn:li:\(isMedia ? "ugcPost" : "share"):\(7_300_000_000_000_000_000 + state.sequence)"
            state.posts[urn] = Post(urn: urn, author: author, body: body, createdAt: Int(Date().timeIntervalSince1970 * 1000))
            state.postOrder.append(urn)
            return (urn, false)
        }
        if outcome.duplicate {
            // The message is LinkedIn's; no error code for duplicates is documented, so none is sent.
            return error(LinkedInError(status: 422, message: "Content is a duplicate of \(outcome.urn)"))
        }
        return FakeProviderServer.Reply(status: 201, headers: ["x-restli-id": outcome.urn, "x-linkedin-id": outcome.urn])
    }

    /// `GET /rest/posts?q=author&author={encoded urn}[&start][&count][&sortBy]`.
    private func findPosts(_ request: Request, token: Token) -> Reply {
        if let method = request.header("X-RestLi-Method"), method.uppercased() != "FINDER" {
            return error(LinkedInError(status: 400, message: "X-RestLi-Method \(method) does not match FINDER"))
        }
        let query = Self.query(request)
        guard query["q"] == "author" else {
            return error(LinkedInError(status: 400, message: "Invalid query parameter q: \(query["q"] ?? "missing")"))
        }
        guard let author = query["author"] else { return error(LinkedInError(status: 400, message: "Missing required query parameter author")) }
        guard mayAct(as: author, token: token, write: false) else { return error(.accessDenied("partnerApiPostsExternal.FINDER-author.20260301")) }
        let start = Int(query["start"] ?? "0") ?? -1
        let count = Int(query["count"] ?? "10") ?? -1
        guard start >= 0, (1...100).contains(count) else { return error(LinkedInError(status: 400, message: "Invalid paging parameters")) }
        let posts = state.withLock { state in
            state.postOrder.reversed().compactMap { state.posts[$0] }.filter { !$0.deleted && $0.author == author }.map(Self.render)
        }
        let page = Array(posts.dropFirst(start).prefix(count))
        return .json(
            200, object: ["paging": paging(path: "/rest/posts", query: query, start: start, count: count, total: posts.count), "elements": page])
    }

    private func getPost(_ urn: String, token: Token) -> Reply {
        let post = state.withLock { $0.posts[urn] }
        guard let post, !post.deleted else { return notFound(urn) }
        guard mayAct(as: post.author, token: token, write: false) else { return error(.accessDenied("partnerApiPostsExternal.GET.20260301")) }
        return .json(200, object: Self.render(post))
    }

    /// `DELETE /rest/posts/{encoded urn}` → 204; deleting an already deleted post is 204 again.
    private func deletePost(_ urn: String, token: Token) -> Reply {
        let post = state.withLock { $0.posts[urn] }
        guard let post else { return notFound(urn) }
        guard mayAct(as: post.author, token: token, write: true) else { return error(.accessDenied("partnerApiPostsExternal.DELETE.20260301")) }
        state.withLock { $0.posts[urn]?.deleted = true }
        return FakeProviderServer.Reply(status: 204)
    }

    /// `POST /rest/images?action=initializeUpload` with `{"initializeUploadRequest":{"owner":…}}`.
    private func initializeUpload(_ request: Request, token: Token) -> Reply {
        guard Self.query(request)["action"] == "initializeUpload" else {
            return error(LinkedInError(status: 400, message: "Unsupported action \(Self.query(request)["action"] ?? "missing") on images"))
        }
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true else {
            return error(LinkedInError(status: 415, message: "Content-Type must be application/json"))
        }
        guard let object = request.json as? [String: Any], let upload = object["initializeUploadRequest"] as? [String: Any] else {
            return error(.unprocessable("ERROR :: /initializeUploadRequest :: field is required but not found and has no default value"))
        }
        guard let owner = upload["owner"] as? String else {
            return error(.unprocessable("ERROR :: /initializeUploadRequest/owner :: field is required but not found and has no default value"))
        }
        guard mayAct(as: owner, token: token, write: true) else { return error(.accessDenied("partnerApiImages.ACTION-initializeUpload.20260301")) }
        let image = state.withLock { state -> Image in
            state.sequence += 1
            let id = "D4D10AQFake\(state.sequence)"
            let image = Image(urn: "urn:li:image:\(id)", owner: owner, uploadToken: "\(id)-\(UUID().uuidString.prefix(8))")
            state.images[image.urn] = image
            return image
        }
        let expires = Int(Date().timeIntervalSince1970 * 1000) + 86_400_000
        return .json(
            200,
            object: [
                "value": [
                    "uploadUrlExpiresAt": expires,
                    "uploadUrl": "\(baseURL)/dms-uploads/sp/v2/\(image.uploadToken)/uploaded-image/0?ca=vector_feedshare&cn=uploads&v=beta",
                    "image": image.urn,
                ]
            ])
    }

    /// `PUT {uploadUrl}` with the bytes and the bearer token → 201.
    private func upload(_ request: Request, segments: [String]) -> Reply {
        switch authenticate(request) {
        case .failure(let failure): return error(failure)
        case .success: break
        }
        let uploadToken = segments.count > 3 ? segments[3] : ""
        guard !request.body.isEmpty else { return error(LinkedInError(status: 400, message: "Empty upload body")) }
        let found = state.withLock { state -> Bool in
            guard let urn = state.images.first(where: { $0.value.uploadToken == uploadToken })?.key else { return false }
            state.images[urn]?.uploaded = true
            return true
        }
        guard found else { return error(LinkedInError(status: 404, message: "Upload URL not found or expired")) }
        return FakeProviderServer.Reply(status: 201)
    }

    private func getImage(_ urn: String) -> Reply {
        guard let image = state.withLock({ $0.images[urn] }) else { return notFound(urn) }
        var body: [String: Any] = ["id": image.urn, "owner": image.owner, "status": image.uploaded ? "AVAILABLE" : "WAITING_UPLOAD"]
        if image.uploaded {
            body["downloadUrl"] = "https://media.licdn.com/dms/image/\(image.uploadToken)/image"
            body["downloadUrlExpiresAt"] = Int(Date().timeIntervalSince1970 * 1000) + 86_400_000
        }
        return .json(200, object: body)
    }

    // MARK: - Pieces

    /// Rest.li 2.0 keys in a path are percent-encoded URNs: `urn%3Ali%3Ashare%3A123`.
    private func withKey(_ raw: String, _ body: (String) -> Reply) -> Reply {
        guard !raw.contains(":"), let key = raw.removingPercentEncoding, key.hasPrefix("urn:li:") else {
            return error(LinkedInError(status: 400, message: "Invalid resource key \(raw): Rest.li 2.0 keys must be URL-encoded URNs"))
        }
        return body(key)
    }

    private func notFound(_ urn: String) -> Reply {
        error(LinkedInError(status: 404, message: "\(urn) does not exist"))
    }

    private func error(_ failure: LinkedInError) -> Reply {
        var body: [String: Any] = ["status": failure.status, "message": failure.message]
        if let service = failure.serviceErrorCode { body["serviceErrorCode"] = service }
        if let code = failure.code { body["code"] = code }
        var headers = HTTPHeaders()
        for (name, value) in failure.headers.sorted(by: { $0.key < $1.key }) { headers.add(name: name, value: value) }
        headers.add(name: "X-RestLi-Protocol-Version", value: "2.0.0")
        return .json(failure.status, object: body, headers: headers)
    }

    private static func mintAccess(_ state: inout State, scopes: Set<String>) -> String {
        state.sequence += 1
        let token = "AQVfakeaccess\(state.sequence)"
        state.tokens[token] = Token(scopes: scopes)
        return token
    }

    private static func render(_ post: Post) -> [String: Any] {
        var object = (JSONScalarOrTree.object(post.body).value as? [String: Any]) ?? [:]
        object["id"] = post.urn
        object["createdAt"] = post.createdAt
        object["lastModifiedAt"] = post.createdAt
        if object["lifecycleState"] as? String == "PUBLISHED" { object["publishedAt"] = post.createdAt }
        object["lifecycleStateInfo"] = ["isEditedByAuthor": false]
        if object["isReshareDisabledByAuthor"] == nil { object["isReshareDisabledByAuthor"] = false }
        return object
    }

    private static func query(_ request: Request) -> [String: String] {
        var items: [String: String] = [:]
        for (name, values) in request.queryItems { items[name] = values.last }
        return items
    }

    private static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~()*,")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}

/// A JSON value that is `Sendable` and `Equatable`, so the fake can keep request bodies in its
/// state; decoded with `JSONDecoder`, which keeps `true` and `1` apart on every platform.
enum JSONScalarOrTree: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONScalarOrTree])
    case object([String: JSONScalarOrTree])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONScalarOrTree].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONScalarOrTree].self))
        }
    }

    /// The value as `JSONSerialization` writes it.
    var value: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let value): return value
        case .number(let value): return value == value.rounded() && abs(value) < 1e15 ? Int(value) as Any : value as Any
        case .string(let value): return value
        case .array(let values): return values.map(\.value)
        case .object(let values): return values.mapValues(\.value)
        }
    }
}
