// A fake of the Google Search Console API (searchconsole.googleapis.com) on loopback that
// follows the documentation, not what our connector definition assumes:
//
// - Sites list (GET /webmasters/v3/sites → {siteEntry: [{siteUrl, permissionLevel}]}):
//   https://developers.google.com/webmaster-tools/v1/sites/list
// - Search Analytics query (POST /webmasters/v3/sites/{siteUrl}/searchAnalytics/query; startDate
//   and endDate required; dimensions date, query, page, country, device, searchAppearance,
//   hour; type; dimensionFilterGroups; aggregationType; rowLimit 1–25,000, default 1,000;
//   startRow ≥ 0; dataState final/all/hourly_all; rows sorted by clicks, descending; the
//   response {rows: [{keys, clicks, impressions, ctr, position}], responseAggregationType}):
//   https://developers.google.com/webmaster-tools/v1/searchanalytics/query
// - Sitemaps list / submit / delete (PUT and DELETE take no body and answer an empty one;
//   submit and delete need the webmasters scope, not webmasters.readonly):
//   https://developers.google.com/webmaster-tools/v1/sitemaps/list,
//   https://developers.google.com/webmaster-tools/v1/sitemaps/submit,
//   https://developers.google.com/webmaster-tools/v1/sitemaps/delete
// - URL Inspection (POST /v1/urlInspection/index:inspect, inspectionUrl and siteUrl required,
//   the URL must be under the property, languageCode default en-US; inspectionResult):
//   https://developers.google.com/webmaster-tools/v1/urlInspection.index/inspect and
//   https://developers.google.com/webmaster-tools/v1/urlInspection.index/UrlInspectionResult
// - Site URLs in paths (URL-prefix properties with their trailing slash, or sc-domain:),
//   percent-encoded: https://developers.google.com/webmaster-tools/v1/how-tos/search_analytics
// - Usage limits (URL Inspection 2,000 a day and 600 a minute per site; Search Analytics
//   load quota; every quota error is the same quota-exceeded error):
//   https://developers.google.com/webmaster-tools/limits
// - Permission levels (siteOwner, siteFullUser, siteRestrictedUser, siteUnverifiedUser):
//   https://developers.google.com/webmaster-tools/v1/sites
// - The error shape and credential errors: GoogleAPIError.swift.
//
// Bearer tokens are those the Google OAuth fake issued. Performance rows are synthetic: a site
// has `rowCount` rows for any dimension set (keys `<dimension> <n>`, `date` counting back from
// 2026-11-28), with clicks descending. Where Google documents no message for a validation
// error the message is ours and names the rule.

import Foundation
import Synchronization

/// Search Console on loopback: sites, Search Analytics, sitemaps and URL inspection, with the
/// state a user would see (sitemaps submitted are listed, deleted ones are gone). Knobs:
/// `rowCount`, `urlInspectionDailyQuota`, `failNext(_:calls:)`.
public final class SearchConsoleFake: ServedFake {
    /// A property and the user's permission on it.
    public struct Site: Sendable {
        /// `https://www.example.com/` or `sc-domain:example.com`.
        public var url: String
        /// `siteOwner`, `siteFullUser`, `siteRestrictedUser` or `siteUnverifiedUser`.
        public var permissionLevel: String

        /// A site.
        public init(url: String, permissionLevel: String = "siteOwner") {
            self.url = url
            self.permissionLevel = permissionLevel
        }

        /// A Domain property, a URL-prefix one and one the user only reads.
        public static let defaults: [Site] = [
            Site(url: "sc-domain:example.com"),
            Site(url: "https://shop.example.com/", permissionLevel: "siteFullUser"),
            Site(url: "https://blog.example.org/", permissionLevel: "siteRestrictedUser"),
        ]

        /// Whether `url` belongs to this property.
        func contains(_ url: String) -> Bool {
            if self.url.hasPrefix("sc-domain:") {
                let domain = String(self.url.dropFirst("sc-domain:".count)).lowercased()
                guard let host = URL(string: url)?.host?.lowercased() else { return false }
                return host == domain || host.hasSuffix("." + domain)
            }
            return url.hasPrefix(self.url)
        }
    }

    /// The full scope (writes) and the read-only one.
    public static let fullScope = "https://www.googleapis.com/auth/webmasters"
    /// Reads only.
    public static let readonlyScope = "https://www.googleapis.com/auth/webmasters.readonly"

    private struct Sitemap: Sendable {
        var path: String
        var submitted: String
    }

    private struct State: Sendable {
        var sitemaps: [String: [Sitemap]] = [:]
        var inspections: [String: Int] = [:]
        var rowCount = 5
        var urlInspectionDailyQuota = 2_000
    }

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// The token server whose access tokens are accepted.
    public let oauth: GoogleOAuthFake
    /// The user's properties.
    public let sites: [Site]

    private let state = Mutex(State())
    private let faults = ScriptedFaults<GoogleAPIError>()

    /// A fake of `sites` accepting the tokens `oauth` issues; each site starts with one sitemap.
    public init(oauth: GoogleOAuthFake, sites: [Site] = Site.defaults) {
        self.oauth = oauth
        self.sites = sites
        state.withLock { state in
            for site in sites {
                let root = site.url.hasPrefix("sc-domain:") ? "https://\(site.url.dropFirst("sc-domain:".count))/" : site.url
                state.sitemaps[site.url] = [Sitemap(path: root + "sitemap.xml", submitted: "2026-11-02T09:30:00.000Z")]
            }
        }
        server.onEveryRequest { [weak self] in self?.handle($0) ?? GoogleAPIError.unavailable.reply }
    }

    /// `http://127.0.0.1:<port>`: stands for `https://searchconsole.googleapis.com`.
    public var baseURL: String { server.baseURL }

    /// The rows every Search Analytics query has in all.
    public var rowCount: Int {
        get { state.withLock { $0.rowCount } }
        set { state.withLock { $0.rowCount = newValue } }
    }

    /// URL inspections a site may have a day (Google: 2,000).
    public var urlInspectionDailyQuota: Int {
        get { state.withLock { $0.urlInspectionDailyQuota } }
        set { state.withLock { $0.urlInspectionDailyQuota = newValue } }
    }

    /// The sitemap paths of `site`, in submission order.
    public func sitemaps(of site: String) -> [String] { state.withLock { ($0.sitemaps[site] ?? []).map(\.path) } }

    /// The next `calls` authenticated requests answer `error`.
    public func failNext(_ error: GoogleAPIError, calls: Int = 1) { faults.add(error, calls: calls) }

    // MARK: - Dispatch

    private typealias Request = FakeProviderServer.RecordedRequest
    private typealias Reply = FakeProviderServer.Reply

    private func handle(_ request: Request) -> Reply {
        // The raw path: a site URL must arrive percent-encoded as one segment.
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        let isWrite = request.method == "PUT" || request.method == "DELETE"
        let scopes: Set<String> = isWrite ? [Self.fullScope] : [Self.fullScope, Self.readonlyScope]
        if segments == ["v1", "urlInspection", "index:inspect"] {
            guard request.method == "POST" else { return GoogleAPIError.notFound("Method not found.").reply }
            if let refused = GoogleAPIError.authenticate(request, oauth: oauth, scopes: scopes, service: "searchconsole.googleapis.com") {
                return refused.reply
            }
            if let fault = faults.take() { return fault.reply }
            return inspect(request)
        }
        guard segments.count >= 3, segments[0] == "webmasters", segments[1] == "v3", segments[2] == "sites" else {
            return GoogleAPIError.notFound("Method not found.").reply
        }
        if let refused = GoogleAPIError.authenticate(request, oauth: oauth, scopes: scopes, service: "searchconsole.googleapis.com") {
            return refused.reply
        }
        if let fault = faults.take() { return fault.reply }
        if segments.count == 3 {
            guard request.method == "GET" else { return GoogleAPIError.notFound("Method not found.").reply }
            return .json(200, object: sites.isEmpty ? [:] : ["siteEntry": sites.map { ["siteUrl": $0.url, "permissionLevel": $0.permissionLevel] }])
        }
        guard let siteURL = segments[3].removingPercentEncoding else { return GoogleAPIError.invalidArgument("Invalid site URL.").reply }
        guard let site = sites.first(where: { $0.url == siteURL }), site.permissionLevel != "siteUnverifiedUser" else {
            return GoogleAPIError.permissionDenied(
                "User does not have sufficient permission for site '\(siteURL)'. See also: https://support.google.com/webmasters/answer/2451999."
            ).reply
        }
        let rest = Array(segments.dropFirst(4))
        switch (request.method, rest.count, rest.first) {
        case ("POST", 2, "searchAnalytics"?) where rest[1] == "query":
            return query(request, site: site)
        case ("GET", 1, "sitemaps"?):
            return listSitemaps(request, site: site)
        case ("PUT", 2, "sitemaps"?), ("DELETE", 2, "sitemaps"?):
            guard request.body.isEmpty else { return GoogleAPIError.invalidArgument("This method takes no request body.").reply }
            guard site.permissionLevel == "siteOwner" || site.permissionLevel == "siteFullUser" else {
                return GoogleAPIError.permissionDenied(
                    "User does not have sufficient permission for site '\(siteURL)'. See also: https://support.google.com/webmasters/answer/2451999."
                ).reply
            }
            guard let feedpath = rest[1].removingPercentEncoding, feedpath.hasPrefix("http") else {
                return GoogleAPIError.invalidArgument("Invalid sitemap URL.").reply
            }
            return request.method == "PUT" ? submit(feedpath, site: site) : delete(feedpath, site: site)
        default:
            return GoogleAPIError.notFound("Method not found.").reply
        }
    }

    // MARK: - Search Analytics

    private static let queryFields: Set<String> = [
        "startDate", "endDate", "dimensions", "type", "searchType", "dimensionFilterGroups",
        "aggregationType", "rowLimit", "startRow", "dataState",
    ]
    private static let dimensions: Set<String> = ["date", "query", "page", "country", "device", "searchAppearance", "hour"]

    private func query(_ request: Request, site: Site) -> Reply {
        let body: [String: Any]
        switch GoogleAPIError.jsonObject(request) {
        case .failure(let error): return error.reply
        case .success(let object): body = object
        }
        if let unknown = GoogleAPIError.unknownFields(body, allowed: Self.queryFields) { return unknown.reply }
        for key in ["startDate", "endDate"] {
            guard let date = body[key] as? String, GA4Fake.isDate(date), date.contains("-") else {
                return GoogleAPIError.invalidArgument("\(key) is required, in YYYY-MM-DD format (PT).").reply
            }
        }
        let dimensions = body["dimensions"] as? [String] ?? []
        for name in dimensions where !Self.dimensions.contains(name) {
            return GoogleAPIError.invalidArgument("Invalid value at 'dimensions' (\(name)).").reply
        }
        for (key, allowed) in [
            ("type", ["web", "image", "video", "news", "discover", "googleNews"]), ("dataState", ["final", "all", "hourly_all"]),
            ("aggregationType", ["auto", "byPage", "byProperty", "byNewsShowcasePanel"]),
        ] {
            if let value = body[key], !allowed.contains(value as? String ?? "") {
                return GoogleAPIError.invalidArgument("Invalid value at '\(key)'.").reply
            }
        }
        var rowLimit = 1_000, startRow = 0
        if body["rowLimit"] != nil {
            guard let asked = GA4Fake.integer(body["rowLimit"]), (1...25_000).contains(asked) else {
                return GoogleAPIError.invalidArgument("rowLimit must be between 1 and 25000.").reply
            }
            rowLimit = asked
        }
        if body["startRow"] != nil {
            guard let given = GA4Fake.integer(body["startRow"]), given >= 0 else {
                return GoogleAPIError.invalidArgument("startRow must be non-negative.").reply
            }
            startRow = given
        }
        let total = rowCount
        let rows: [[String: Any]] = (0..<total).map { index in
            let clicks = (total - index) * 12
            let impressions = clicks * 30 + index
            return [
                "keys": dimensions.map { $0 == "date" ? Self.date(index) : "\($0) \(index + 1)" }, "clicks": clicks, "impressions": impressions,
                "ctr": Double(clicks) / Double(impressions), "position": 3.5 + Double(index),
            ]
        }
        let page = Array(rows.dropFirst(startRow).prefix(rowLimit))
        var answer: [String: Any] = ["responseAggregationType": dimensions.contains("page") ? "byPage" : "byProperty"]
        if !page.isEmpty { answer["rows"] = page }
        return .json(200, object: answer)
    }

    static func date(_ index: Int) -> String {
        let day = 28 - index % 28
        return "2026-11-" + (day < 10 ? "0\(day)" : "\(day)")
    }

    // MARK: - Sitemaps

    private func listSitemaps(_ request: Request, site: Site) -> Reply {
        let index = request.queryItems["sitemapIndex"]?.last
        let listed = state.withLock { $0.sitemaps[site.url] ?? [] }.filter { index == nil || $0.path == index }
        guard !listed.isEmpty else { return .json(200, object: [:]) }
        return .json(
            200,
            object: [
                "sitemap": listed.map { sitemap -> [String: Any] in
                    [
                        "path": sitemap.path, "lastSubmitted": sitemap.submitted, "isPending": false, "isSitemapsIndex": false, "type": "sitemap",
                        "lastDownloaded": "2026-11-03T04:12:00.000Z", "warnings": "0", "errors": "0",
                        "contents": [["type": "web", "submitted": "128", "indexed": "0"]],
                    ]
                }
            ])
    }

    private func submit(_ feedpath: String, site: Site) -> Reply {
        guard site.contains(feedpath) else {
            return GoogleAPIError.invalidArgument("The sitemap URL \(feedpath) is not under the property \(site.url).").reply
        }
        state.withLock { state in
            var list = state.sitemaps[site.url] ?? []
            list.removeAll { $0.path == feedpath }
            list.append(Sitemap(path: feedpath, submitted: "2026-12-02T10:00:00.000Z"))
            state.sitemaps[site.url] = list
        }
        return FakeProviderServer.Reply(status: 204)
    }

    private func delete(_ feedpath: String, site: Site) -> Reply {
        let removed = state.withLock { state -> Bool in
            guard let list = state.sitemaps[site.url], list.contains(where: { $0.path == feedpath }) else { return false }
            state.sitemaps[site.url] = list.filter { $0.path != feedpath }
            return true
        }
        return removed ? FakeProviderServer.Reply(status: 204) : GoogleAPIError.notFound().reply
    }

    // MARK: - URL Inspection

    private func inspect(_ request: Request) -> Reply {
        let body: [String: Any]
        switch GoogleAPIError.jsonObject(request) {
        case .failure(let error): return error.reply
        case .success(let object): body = object
        }
        if let unknown = GoogleAPIError.unknownFields(body, allowed: ["inspectionUrl", "siteUrl", "languageCode"]) { return unknown.reply }
        guard let url = body["inspectionUrl"] as? String, !url.isEmpty else {
            return GoogleAPIError.invalidArgument("inspectionUrl is required.").reply
        }
        guard let siteURL = body["siteUrl"] as? String, !siteURL.isEmpty else { return GoogleAPIError.invalidArgument("siteUrl is required.").reply }
        guard let site = sites.first(where: { $0.url == siteURL }), site.permissionLevel != "siteUnverifiedUser" else {
            return GoogleAPIError.permissionDenied("You do not own this site, or the inspected URL is not part of this property.").reply
        }
        guard site.contains(url) else {
            return GoogleAPIError.permissionDenied("You do not own this site, or the inspected URL is not part of this property.").reply
        }
        let allowed = state.withLock { state -> Bool in
            guard state.inspections[site.url, default: 0] < state.urlInspectionDailyQuota else { return false }
            state.inspections[site.url, default: 0] += 1
            return true
        }
        guard allowed else {
            return GoogleAPIError.resourceExhausted("Quota exceeded for quota metric 'URL inspections' and limit 'URL inspections per day per site'.")
                .reply
        }
        let known = sitemaps(of: site.url)
        return .json(
            200,
            object: [
                "inspectionResult": [
                    "inspectionResultLink": "https://search.google.com/search-console/inspect?resource_id=\(siteURL)&id=fake",
                    "indexStatusResult": [
                        "verdict": "PASS", "coverageState": "Submitted and indexed", "robotsTxtState": "ALLOWED", "indexingState": "INDEXING_ALLOWED",
                        "lastCrawlTime": "2026-11-27T11:02:53Z", "pageFetchState": "SUCCESSFUL", "googleCanonical": url, "userCanonical": url,
                        "sitemap": known, "referringUrls": [], "crawledAs": "MOBILE",
                    ] as [String: Any],
                    "richResultsResult": ["verdict": "PASS", "detectedItems": [] as [Any]] as [String: Any],
                ] as [String: Any]
            ])
    }
}
