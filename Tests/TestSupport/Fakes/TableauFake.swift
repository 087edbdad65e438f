// A fake of the Tableau Cloud / Server REST API, version 3.24, in its JSON form (`Accept:
// application/json`), on loopback, following Tableau's documentation — not what our connector
// definition assumes:
//
// - Sign In with a personal access token: `POST /api/3.24/auth/signin`, body `{"credentials":
//   {"personalAccessTokenName", "personalAccessTokenSecret", "site": {"contentUrl"}}}` ("" is
//   the Default site) → `{"credentials": {"site": {"id", "contentUrl"}, "user": {"id"},
//   "token"}}`; the token goes in `X-Tableau-Auth` on every later call; Sign Out is
//   `POST /auth/signout` → 204, no body:
//   https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_concepts_auth.htm,
//   https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_ref_authentication.htm
// - One session per PAT: "Signing in again with the same PAT, whether at the same site or a
//   different site, will terminate the previous session and result in an authentication error":
//   https://help.tableau.com/current/online/en-us/security_personal_access_tokens.htm,
//   https://kb.tableau.com/articles/issue/error-401-unauthorized-when-running-automated-script-to-do-authentication-using-personal-access-token-accessing-a-tableau-cloud-site
// - Errors are `{"error": {"summary", "detail", "code"}}` with the code a string; a wrong PAT
//   (or an unknown site contentUrl) is 401 `{"summary":"Signin Error","detail":"Error signing
//   in to Tableau Server","code":"401001"}` as Tableau Cloud answers it (the KB article above);
//   no token is 401000 "Unauthorized Access" / "No authentication credentials were provided."
//   (https://help.salesforce.com/s/articleView?id=001498381, and the JSON body quoted in
//   github.com/divinorum-webb/tableau-api-lib issue #50); an invalid or ended token is 401002
//   "The authentication token provided in the request header was invalid or has expired."; a
//   malformed sign-in body is 400000; a wrong verb is 405000:
//   https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_concepts_errors.htm and
//   the per-method error tables of the API reference (as extracted in github.com/iamdavehart/tabbycat
//   src/api-errors.js, "generated from the Tableau REST API Reference").
// - Get Current Server Session `GET /sessions/current` → `{"session": {"site": {"id", "name",
//   "contentUrl"}, "user": {"id", "name", "siteRole"}}}`; Query Views for Site, Query Workbooks
//   for Site, Query Data Sources (`/sites/{site-id}/views|workbooks|datasources`) with
//   `pageSize` (1–1000, default 100) and `pageNumber` (1-based): 400006 for a bad page number
//   (including one past the last page), 400007 for a page size below one, 403014 above 1000,
//   404000 for an unknown site id, 400008 for `includeUsageStatistics` other than true/false:
//   https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_concepts_paging.htm,
//   https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_ref_workbooks_and_views.htm,
//   https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_ref_data_sources.htm,
//   https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_ref_server.htm
// - Filtering and sorting (`filter=field:operator:value`, expressions joined by `,` with AND,
//   case-sensitive values, `in` lists as `[a,b]`, `eq` wildcards `*` since Cloud May 2023 /
//   Server 2022.1.14, `sort=field:asc|desc`); the fields and operators per resource are the
//   documented tables (as Tableau's own client github.com/tableau/tableau-mcp encodes them in
//   src/tools/web/{views,workbooks,datasources}/*FilterUtils.ts): `name` takes `eq` and `in`
//   only — `has` is not a filter operator for these resources (tableau-mcp PR #33); an
//   unknown key is 400065 "The filter query contains a key which is not recognized for this
//   api version." (tableau/server-client-python issues #338, #709, #753):
//   https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_concepts_filtering_and_sorting.htm
// - Query View Data `GET /sites/{site-id}/views/{view-id}/data` → `text/csv` summary data;
//   `maxAge` in minutes (the shortest is one), `vf_<field>=value` filters that match exactly
//   (no wildcards or ranges; tableau/server-client-python PR #1835); a view not on the site is
//   400 400080 "The view ID in the URI doesn't correspond to a view available on the specified
//   site." (reference error table).
// - Item shapes (view: id, name, contentUrl, createdAt, updatedAt, viewUrlName, sheetType,
//   workbook{id}, owner{id}, project{id}, tags; workbook: id, name, contentUrl, webpageUrl,
//   showTabs, size, project{id,name}, owner{id}, tags…; data source: id, name, type,
//   project{id,name}…; an empty list or tag set is `{}`): the reference pages above and
//   tableau-mcp src/sdks/tableau/types/*.ts.
//
// From memory or assumed, not from a reference page: JSON renders XML attribute values as
// strings (`"pageNumber":"1"`, `"showTabs":"true"`, `"size":"1"`); the token's shape
// (`<hex>|<text>|<site id>`); `estimatedTimeToExpiration` is left out (not confirmed for 3.24);
// a request for a site other than the session's is 403 `403000` "Forbidden" (Tableau only says
// "401 or 403"); an operator a field does not take is 400065 (detail text invented); a bad sort
// key and a bad `maxAge` are 400000; a sign-in without `Content-Type: application/json` is
// 400000 (Tableau would read it as XML and fail); a sign-out without a live token is refused
// like any call; unknown `vf_` fields are ignored and a `vf_` value may list several values
// separated by commas; the 429 body reuses VizQL Data Service's `429000` "Too many requests"
// (https://help.tableau.com/current/api/vizql-data-service/en-us/docs/vds_error_codes.html)
// with `Retry-After` in seconds — the REST API reference documents neither. Fake-only guards,
// not Tableau: a JSON route called without `Accept: application/json` is 406 (Tableau would
// answer XML), routes outside `/api/3.24` are 404, and a documented filter field the fake
// keeps no value for is 501.

import Foundation
import HTTPFields
import Synchronization

/// Tableau Cloud on loopback, REST API 3.24 in JSON: personal-access-token sign-in with one
/// session per PAT, sign-out, the current session, views (250 on the Marketing site: three
/// pages at the default page size), workbooks and data sources with Tableau's paging,
/// filtering and sorting, and view data as CSV.
///
/// Knobs: `expireSessions()`, `expire(token:)`, `failNextSignIns(_:)`,
/// `throttleNext(_:retryAfter:)`; what it counts: `signInCount`, `signOutCount`, `liveTokens`,
/// and every request in `requests`.
public final class TableauFake: ServedFake {
    /// The REST API version the fake serves.
    public static let apiVersion = "3.24"
    /// The API's path on the fake.
    public static let apiPath = "/api/3.24"

    /// A site on the server.
    public struct Site: Sendable {
        /// The site LUID, used in every `/sites/{site-id}` path.
        public var id: String
        /// The display name.
        public var name: String
        /// The URL namespace (`""` for the Default site).
        public var contentUrl: String
    }

    /// A personal access token of a user on one site.
    public struct PersonalAccessToken: Sendable {
        /// The token's name.
        public var name: String
        /// The token's secret.
        public var secret: String
        /// The contentUrl of the site it signs in to.
        public var siteContentUrl: String
        /// The LUID of the user who owns it.
        public var userID: String
        /// The user's name.
        public var userName: String
        /// The user's site role.
        public var siteRole: String
    }

    /// A signed-in session.
    struct Session: Sendable {
        var pat: PersonalAccessToken
        var siteID: String
    }

    /// The Marketing Analytics site, where the views, workbooks and data sources are.
    public static let marketing = Site(id: "a946d998-2ead-4894-bb50-1054a91dcab3", name: "Marketing Analytics", contentUrl: "marketing")
    /// The Default site (contentUrl `""`).
    public static let defaultSite = Site(id: "7c1e5b2a-90d4-4f3e-8b6a-2d5f0c9e1a47", name: "Default", contentUrl: "")
    /// The Finance site: a few views that must never show on Marketing.
    public static let finance = Site(id: "e3b0c442-98fc-4c14-9afb-f4c8996fb924", name: "Finance", contentUrl: "finance")
    /// The PAT our connection signs in with (Marketing, a Creator).
    public static let pat = PersonalAccessToken(
        name: "neonhub-ci", secret: "kQ8vZ3nR+Tw0fake0secret0Xy1Ab2Cd==:Pq9rStUvWxYz01234567", siteContentUrl: "marketing",
        userID: "9f9e9d9c-8b8a-4f8e-9d7c-b7a6f6d6e6d1", userName: "ada@contoso.com", siteRole: "Creator")
    /// A second PAT of the same user, for the Default site.
    public static let defaultSitePAT = PersonalAccessToken(
        name: "neonhub-default", secret: "Zz0fake0default0secret0Aa1Bb2Cc3==:Dd4Ee5Ff6Gg7Hh8Ii9Jj", siteContentUrl: "",
        userID: "9f9e9d9c-8b8a-4f8e-9d7c-b7a6f6d6e6d1", userName: "ada@contoso.com", siteRole: "Explorer")
    /// A PAT of another user, on Finance.
    public static let financePAT = PersonalAccessToken(
        name: "finance-bot", secret: "Ff0fake0finance0secret0Gg1Hh2Ii3==:Jj4Kk5Ll6Mm7Nn8Oo9Pp", siteContentUrl: "finance",
        userID: "1a96d216-e9b8-497b-a82a-0b899a965e01", userName: "grace@contoso.com", siteRole: "Viewer")

    struct State: Sendable {
        var sites: [Site] = [TableauFake.marketing, TableauFake.defaultSite, TableauFake.finance]
        var pats: [PersonalAccessToken] = [TableauFake.pat, TableauFake.defaultSitePAT, TableauFake.financePAT]
        var sessions: [String: Session] = [:]
        var sessionOfPAT: [String: String] = [:]
        var content: [Content] = []
        var tables: [String: DataTable] = [:]
        var signIns = 0
        var signOuts = 0
        var failSignIns = 0
    }

    /// The loopback server that answers as Tableau.
    public let server = FakeProviderServer()
    let state = Mutex(State())
    let throttles = ScriptedFaults<Int>()

    /// The server with its three sites, three PATs and the Marketing site's content.
    public init() {
        state.withLock { Self.seed(&$0) }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? Self.error(503, "503000", "Service Unavailable", "The fake is gone.")
        }
    }

    /// `http://127.0.0.1:<port>`: stands for the pod host (`https://10ax.online.tableau.com`).
    public var baseURL: String { server.baseURL }
    /// The connection's base URL, `<baseURL>/api/3.24`.
    public var apiBaseURL: String { baseURL + Self.apiPath }

    /// Successful sign-ins so far.
    public var signInCount: Int { state.withLock { $0.signIns } }
    /// Successful sign-outs so far.
    public var signOutCount: Int { state.withLock { $0.signOuts } }
    /// The tokens of the sessions still alive.
    public var liveTokens: Set<String> { state.withLock { Set($0.sessions.keys) } }
    /// The requests that carried `X-Tableau-Auth` (everything but sign-in).
    public var apiRequests: [FakeProviderServer.RecordedRequest] { server.requests.filter { $0.header("X-Tableau-Auth") != nil } }

    /// Every session ends (its token then gets 401002), as after the idle timeout.
    public func expireSessions() {
        state.withLock {
            $0.sessions.removeAll()
            $0.sessionOfPAT.removeAll()
        }
    }
    /// The session of `token` ends.
    public func expire(token: String) {
        state.withLock { state in
            guard let session = state.sessions.removeValue(forKey: token) else { return }
            state.sessionOfPAT[session.pat.name] = nil
        }
    }
    /// The next `count` sign-ins fail with 401001 whatever their credentials (a revoked PAT).
    public func failNextSignIns(_ count: Int = 1) { state.withLock { $0.failSignIns += count } }
    /// The next `count` requests, whatever they are, answer 429 with `Retry-After: retryAfter`.
    public func throttleNext(_ count: Int = 1, retryAfter: Int = 30) { throttles.add(retryAfter, calls: count) }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    private func handle(_ request: Request) -> Reply {
        if let retryAfter = throttles.take() {
            var reply = Self.error(429, "429000", "Too many requests", "Too many requests in the allotted amount of time.")
            reply.headers.replaceOrAdd(name: "Retry-After", value: String(retryAfter))
            return reply
        }
        let prefix = Self.apiPath + "/"
        guard request.path.hasPrefix(prefix) else {
            return Self.error(404, "404000", "Resource Not Found", "fake: only \(Self.apiPath) is served, not \(request.path)")
        }
        let segments = request.path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let wantsCSV = segments.count == 5 && segments[0] == "sites" && segments[2] == "views" && segments[4] == "data"
        if !wantsCSV, segments != ["auth", "signout"], request.header("Accept")?.lowercased().contains("application/json") != true {
            return Reply(
                status: 406, headers: HTTPHeaders([("Content-Type", "text/plain")]),
                body: Array("fake: Tableau answers XML unless Accept is application/json; this fake only speaks JSON".utf8))
        }
        switch segments {
        case ["auth", "signin"]:
            return request.method == "POST" ? signIn(request) : Self.wrongMethod("POST")
        case ["auth", "signout"]:
            return request.method == "POST" ? signOut(request) : Self.wrongMethod("POST")
        default: break
        }
        guard let token = request.header("X-Tableau-Auth"), !token.isEmpty else {
            return Self.error(401, "401000", "Unauthorized Access", "No authentication credentials were provided.")
        }
        guard let session = state.withLock({ $0.sessions[token] }) else { return Self.invalidToken() }
        if segments == ["sessions", "current"] {
            return request.method == "GET" ? currentSession(session) : Self.wrongMethod("GET")
        }
        guard segments.count >= 3, segments[0] == "sites" else {
            return Self.error(404, "404000", "Resource Not Found", "fake: no route for \(request.method) \(request.path)")
        }
        let siteID = segments[1].lowercased()
        guard state.withLock({ $0.sites.contains { $0.id == siteID } }) else {
            return Self.error(404, "404000", "Site not found", "The site ID in the URI doesn't correspond to an existing site.")
        }
        guard siteID == session.siteID else {
            return Self.error(403, "403000", "Forbidden", "The site ID in the URI is not the site of the current session.")
        }
        guard request.method == "GET" else { return Self.wrongMethod("GET") }
        switch Array(segments.dropFirst(2)) {
        case ["views"]: return list(request, .view, siteID: siteID)
        case ["workbooks"]: return list(request, .workbook, siteID: siteID)
        case ["datasources"]: return list(request, .datasource, siteID: siteID)
        case let tail where tail.count == 3 && tail[0] == "views" && tail[2] == "data":
            return viewData(request, viewID: tail[1].lowercased(), siteID: siteID)
        default:
            return Self.error(404, "404000", "Resource Not Found", "fake: no route for \(request.method) \(request.path)")
        }
    }

    // MARK: Authentication

    private func signIn(_ request: Request) -> Reply {
        let badRequest = Self.error(
            400, "400000", "Bad Request",
            "The content of the request body is missing or incomplete, or contains both username/password and a personal access token, or contains malformed XML."
        )
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true,
            let body = request.json as? [String: Any], let credentials = body["credentials"] as? [String: Any],
            let site = credentials["site"] as? [String: Any], let contentUrl = site["contentUrl"] as? String
        else { return badRequest }
        let name = credentials["personalAccessTokenName"] as? String
        let secret = credentials["personalAccessTokenSecret"] as? String
        let usesPassword = credentials["name"] != nil || credentials["password"] != nil
        guard !(usesPassword && (name != nil || secret != nil)) else { return badRequest }
        let signinError = Self.error(401, "401001", "Signin Error", "Error signing in to Tableau Server")
        guard let name, let secret else { return usesPassword ? signinError : badRequest }
        return state.withLock { state -> Reply in
            guard state.failSignIns == 0 else {
                state.failSignIns -= 1
                return signinError
            }
            guard let pat = state.pats.first(where: { $0.name == name && $0.secret == secret && $0.siteContentUrl == contentUrl }),
                let site = state.sites.first(where: { $0.contentUrl == contentUrl })
            else { return signinError }
            // One session per PAT: signing in again ends the earlier one.
            if let earlier = state.sessionOfPAT[pat.name] { state.sessions[earlier] = nil }
            let token = Self.newToken(siteID: site.id)
            state.sessions[token] = Session(pat: pat, siteID: site.id)
            state.sessionOfPAT[pat.name] = token
            state.signIns += 1
            return .json(
                200,
                object: [
                    "credentials": [
                        "site": ["id": site.id, "contentUrl": site.contentUrl], "user": ["id": pat.userID], "token": token,
                    ]
                ])
        }
    }

    private func signOut(_ request: Request) -> Reply {
        guard let token = request.header("X-Tableau-Auth"), !token.isEmpty else {
            return Self.error(401, "401000", "Unauthorized Access", "No authentication credentials were provided.")
        }
        return state.withLock { state -> Reply in
            guard let session = state.sessions.removeValue(forKey: token) else { return Self.invalidToken() }
            state.sessionOfPAT[session.pat.name] = nil
            state.signOuts += 1
            return Reply(status: 204)
        }
    }

    private func currentSession(_ session: Session) -> Reply {
        guard let site = state.withLock({ $0.sites.first { $0.id == session.siteID } }) else { return Self.invalidToken() }
        return .json(
            200,
            object: [
                "session": [
                    "site": ["id": site.id, "name": site.name, "contentUrl": site.contentUrl],
                    "user": ["id": session.pat.userID, "name": session.pat.userName, "siteRole": session.pat.siteRole],
                ]
            ])
    }

    static func newToken(siteID: String) -> String {
        let first = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let second = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        return "\(first)|\(second)|\(siteID)"
    }

    // MARK: Errors

    /// Tableau's JSON error body, `{"error": {"summary", "detail", "code"}}`.
    static func error(_ status: Int, _ code: String, _ summary: String, _ detail: String) -> Reply {
        .json(status, object: ["error": ["summary": summary, "detail": detail, "code": code]])
    }

    static func invalidToken() -> Reply {
        error(401, "401002", "Unauthorized Access", "The authentication token provided in the request header was invalid or has expired.")
    }

    static func wrongMethod(_ expected: String) -> Reply {
        error(405, "405000", "Invalid request method", "Request type was not \(expected).")
    }
}
