// A fake of LinkedIn's Advertising API (versioned Marketing API under /rest, Rest.li 2.0) on
// loopback that follows the documentation, not what our connector definition assumes:
//
// - Versioning and protocol headers (`LinkedIn-Version: YYYYMM` required,
//   `X-Restli-Protocol-Version: 2.0.0`): https://learn.microsoft.com/en-us/linkedin/marketing/versioning
// - Rest.li 2.0 query encoding (structural `( ) , :` raw, URNs inside encoded, e.g.
//   `List(urn%3Ali%3AsponsoredCampaign%3A123)`):
//   https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version
// - Ad accounts search (GET /rest/adAccounts?q=search&search=(status:(values:List(ACTIVE))),
//   pageSize ≤ 1000, `pageToken` / `metadata.nextPageToken`; scopes r_ads or rw_ads):
//   https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads/account-structure/create-and-manage-accounts
// - Campaigns search, create (POST /rest/adAccounts/{id}/adCampaigns, 201 with `x-restli-id`;
//   account, campaignGroup, name, type, costType, unitCost, dailyBudget, locale, runSchedule
//   and targetingCriteria required) and update (POST …/adCampaigns/{id} with
//   `X-RestLi-Method: PARTIAL_UPDATE`, body `{"patch":{"$set":{…}}}`, 204; rw_ads):
//   https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads/account-structure/create-and-manage-campaigns
// - Ads reporting (GET /rest/adAnalytics?q=analytics&pivot=…&timeGranularity=…&dateRange=(start:(year,month,day),end:(…))
//   &campaigns=List(…)&fields=…; r_ads_reporting):
//   https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/ads-reporting
// - Errors `{status, serviceErrorCode, code, message}`, 401 for a refused token, 403
//   ACCESS_DENIED, 429 TOO_MANY_REQUESTS (no reset header):
//   https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling and
//   https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits
//
// Tokens are registered with their scopes (`issue(scopes:)`). Metrics are synthetic but
// deterministic; where LinkedIn documents no message the message is ours.

import Foundation
import HTTPFields
import Synchronization

/// LinkedIn's ad accounts, campaigns and ads reporting on loopback. Knobs: `pageSize`,
/// `failNext(_:)`; readings: `campaign(_:)`, `createdCampaigns`.
public final class LinkedInAdsFake: ServedFake {
    /// A campaign as the fake keeps it.
    public struct Campaign: Sendable, Equatable {
        /// Its id.
        public var id: Int
        /// Its ad account id.
        public var account: Int
        /// `name`.
        public var name: String
        /// `status`.
        public var status: String
    }

    struct State: Sendable {
        var tokens: [String: Set<String>] = [:]
        var campaigns: [Campaign] = [
            Campaign(id: 403_257_443, account: 507_404_993, name: "Spring roast awareness", status: "ACTIVE"),
            Campaign(id: 403_257_444, account: 507_404_993, name: "Roastery video", status: "ACTIVE"),
            Campaign(id: 403_257_440, account: 507_404_993, name: "Winter blend", status: "PAUSED"),
        ]
        var nextID = 403_257_500
        var pageSize: Int?
        var faults: [LinkedInFake.LinkedInError] = []
        var created: [Data] = []
    }

    /// The ad accounts (id, name) the member reaches, all ACTIVE.
    public static let accounts: [(id: Int, name: String)] = [(507_404_993, "NeonHub Demo Ads"), (507_404_994, "Example Coffee Ads")]

    /// The server.
    public let server = FakeProviderServer()
    let state = Mutex(State())

    /// A fake with the default accounts and campaigns.
    public init() {
        server.onEveryRequest { [weak self] in self?.handle($0) ?? .json(500, object: ["status": 500]) }
    }

    /// `https://api.linkedin.com` on loopback.
    public var baseURL: String { server.baseURL }

    /// A token with `scopes`.
    public func issue(scopes: Set<String> = ["r_ads", "rw_ads", "r_ads_reporting"]) -> String {
        let token = "AQV-ads-" + UUID().uuidString.lowercased()
        state.withLock { $0.tokens[token] = scopes }
        return token
    }

    /// Elements per page when the request asks for more (nil: as asked).
    public var pageSize: Int? {
        get { state.withLock { $0.pageSize } }
        set { state.withLock { $0.pageSize = newValue } }
    }

    /// The next authenticated request answers `error`.
    public func failNext(_ error: LinkedInFake.LinkedInError) { state.withLock { $0.faults.append(error) } }
    /// A campaign as it stands.
    public func campaign(_ id: Int) -> Campaign? { state.withLock { $0.campaigns.first { $0.id == id } } }
    /// The bodies of the campaigns created.
    public var createdCampaigns: [[String: Any]] {
        state.withLock { $0.created }.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    static func reply(_ error: LinkedInFake.LinkedInError) -> Reply {
        var body: [String: Any] = ["status": error.status, "message": error.message]
        if let code = error.code { body["code"] = code }
        if let service = error.serviceErrorCode { body["serviceErrorCode"] = service }
        var headers = HTTPHeaders()
        for (name, value) in error.headers.sorted(by: { $0.key < $1.key }) { headers.add(name: name, value: value) }
        return .json(error.status, object: body, headers: headers)
    }

    private func handle(_ request: Request) -> Reply {
        guard let header = request.header("Authorization"), header.hasPrefix("Bearer "),
            let scopes = state.withLock({ $0.tokens[String(header.dropFirst(7))] })
        else {
            return Self.reply(
                LinkedInFake.LinkedInError(status: 401, serviceErrorCode: 65600, code: "INVALID_ACCESS_TOKEN", message: "Invalid access token"))
        }
        guard let version = request.header("LinkedIn-Version"), version.count == 6, version.allSatisfy(\.isNumber) else {
            return Self.reply(
                LinkedInFake.LinkedInError(
                    status: 400, code: "VERSION_MISSING",
                    message: "A version must be present. Please specify a version by adding the LinkedIn-Version header."))
        }
        guard request.header("X-Restli-Protocol-Version") == "2.0.0" else {
            return Self.reply(LinkedInFake.LinkedInError(status: 400, code: "BAD_REQUEST", message: "Rest.li protocol version 2.0.0 is required."))
        }
        if let fault = state.withLock({ $0.faults.isEmpty ? nil : $0.faults.removeFirst() }) { return Self.reply(fault) }
        let parts = request.path.split(separator: "/").map(String.init)
        func needs(_ any: Set<String>, _ permission: String) -> Reply? {
            scopes.isDisjoint(with: any) ? Self.reply(.accessDenied(permission)) : nil
        }
        switch (request.method, parts.count) {
        case ("GET", 2) where parts == ["rest", "adAccounts"]:
            return needs(["r_ads", "rw_ads"], "adAccounts.FINDER-search") ?? searchAccounts(request)
        case ("GET", 4) where parts[1] == "adAccounts" && parts[3] == "adCampaigns":
            return needs(["r_ads", "rw_ads"], "adCampaigns.FINDER-search") ?? searchCampaigns(request, account: parts[2])
        case ("POST", 4) where parts[1] == "adAccounts" && parts[3] == "adCampaigns":
            return needs(["rw_ads"], "adCampaigns.CREATE") ?? create(request, account: parts[2])
        case ("POST", 5) where parts[1] == "adAccounts" && parts[3] == "adCampaigns":
            return needs(["rw_ads"], "adCampaigns.PARTIAL_UPDATE") ?? update(request, account: parts[2], id: parts[4])
        case ("GET", 2) where parts == ["rest", "adAnalytics"]:
            return needs(["r_ads_reporting"], "adAnalytics.FINDER-analytics") ?? analytics(request)
        default:
            return Self.reply(LinkedInFake.LinkedInError(status: 404, code: "NOT_FOUND", message: "No virtual resource found"))
        }
    }

    /// The raw (still encoded) query items: Rest.li values are checked as sent.
    static func rawQuery(_ request: Request) -> [String: String] {
        var items: [String: String] = [:]
        for pair in (request.query ?? "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            items[kv[0]] = kv.count == 2 ? kv[1] : ""
        }
        return items
    }

    /// `(status:(values:List(A,B)))` → [A, B], or nil when it is not that Rest.li shape.
    static func statuses(_ search: String?) -> [String]? {
        guard let search, search.hasPrefix("(status:(values:List("), search.hasSuffix(")))") else { return nil }
        return search.dropFirst("(status:(values:List(".count).dropLast(3).split(separator: ",").map(String.init)
    }

    private func page(_ elements: [[String: Any]], _ request: Request, prefix: String) -> Reply {
        let query = Self.rawQuery(request)
        guard query["q"] == "search" else {
            return Self.reply(LinkedInFake.LinkedInError(status: 400, code: "BAD_REQUEST", message: "Missing finder q=search"))
        }
        var size = 1000
        if let text = query["pageSize"] {
            guard let asked = Int(text), (1...1000).contains(asked) else {
                return Self.reply(LinkedInFake.LinkedInError(status: 400, code: "BAD_REQUEST", message: "pageSize must be between 1 and 1000"))
            }
            size = asked
        }
        if let forced = pageSize { size = min(size, forced) }
        var start = 0
        if let token = query["pageToken"] {
            guard token.hasPrefix(prefix), let offset = Int(token.dropFirst(prefix.count)), offset <= elements.count else {
                return Self.reply(LinkedInFake.LinkedInError(status: 400, code: "BAD_REQUEST", message: "Invalid pageToken"))
            }
            start = offset
        }
        let slice = Array(elements.dropFirst(start).prefix(size))
        var metadata: [String: Any] = [:]
        if start + slice.count < elements.count { metadata["nextPageToken"] = "\(prefix)\(start + slice.count)" }
        return .json(200, object: ["elements": slice, "metadata": metadata])
    }

    private func searchAccounts(_ request: Request) -> Reply {
        guard let statuses = Self.statuses(Self.rawQuery(request)["search"]) else {
            return Self.reply(LinkedInFake.LinkedInError(status: 400, code: "BAD_REQUEST", message: "Invalid Rest.li search parameter"))
        }
        let elements: [[String: Any]] = Self.accounts.filter { _ in statuses.contains("ACTIVE") }.map {
            [
                "id": $0.id, "name": $0.name, "currency": "USD", "status": "ACTIVE", "type": "BUSINESS", "reference": "urn:li:organization:2414183",
                "test": false,
            ]
        }
        return page(elements, request, prefix: "acct-")
    }

    private func searchCampaigns(_ request: Request, account: String) -> Reply {
        guard let statuses = Self.statuses(Self.rawQuery(request)["search"]) else {
            return Self.reply(LinkedInFake.LinkedInError(status: 400, code: "BAD_REQUEST", message: "Invalid Rest.li search parameter"))
        }
        let elements: [[String: Any]] = state.withLock { $0.campaigns }.filter { String($0.account) == account && statuses.contains($0.status) }.map {
            [
                "id": $0.id, "name": $0.name, "status": $0.status, "type": "SPONSORED_UPDATES", "costType": "CPM",
                "account": "urn:li:sponsoredAccount:\($0.account)", "campaignGroup": "urn:li:sponsoredCampaignGroup:615383013",
                "dailyBudget": ["amount": "50.00", "currencyCode": "USD"], "objectiveType": "BRAND_AWARENESS",
            ]
        }
        return page(elements, request, prefix: "camp-")
    }

    static let required = [
        "account", "campaignGroup", "name", "type", "costType", "unitCost", "dailyBudget", "locale", "runSchedule", "targetingCriteria",
    ]

    private func create(_ request: Request, account: String) -> Reply {
        guard request.header("Content-Type")?.hasPrefix("application/json") == true, let body = request.json as? [String: Any] else {
            return Self.reply(LinkedInFake.LinkedInError(status: 400, code: "BAD_REQUEST", message: "Request body is not JSON"))
        }
        for field in Self.required where body[field] == nil {
            return Self.reply(.unprocessable("ERROR :: /\(field) :: field is required but not found and has no default value"))
        }
        guard body["account"] as? String == "urn:li:sponsoredAccount:\(account)" else {
            return Self.reply(.unprocessable("ERROR :: /account :: does not match the ad account of the path"))
        }
        if let status = body["status"] as? String, !["DRAFT", "ACTIVE", "PAUSED"].contains(status) {
            return Self.reply(.unprocessable("ERROR :: /status :: invalid value \(status)"))
        }
        for money in ["unitCost", "dailyBudget"] {
            guard let value = body[money] as? [String: Any], let amount = value["amount"] as? String, Double(amount) != nil,
                value["currencyCode"] is String
            else {
                return Self.reply(.unprocessable("ERROR :: /\(money) :: amount must be a decimal string with a currencyCode"))
            }
        }
        guard (body["runSchedule"] as? [String: Any])?["start"] is NSNumber else {
            return Self.reply(.unprocessable("ERROR :: /runSchedule/start :: field is required but not found and has no default value"))
        }
        let id = state.withLock { state -> Int in
            state.nextID += 1
            state.campaigns.append(
                Campaign(
                    id: state.nextID, account: Int(account) ?? 0, name: body["name"] as? String ?? "", status: body["status"] as? String ?? "DRAFT"))
            state.created.append(Data(request.body))
            return state.nextID
        }
        var headers = HTTPHeaders()
        headers.add(name: "x-restli-id", value: String(id))
        headers.add(name: "x-linkedin-id", value: String(id))
        return FakeProviderServer.Reply(status: 201, headers: headers)
    }

    private func update(_ request: Request, account: String, id: String) -> Reply {
        guard request.header("X-RestLi-Method") == "PARTIAL_UPDATE" else {
            return Self.reply(
                LinkedInFake.LinkedInError(status: 400, code: "BAD_REQUEST", message: "POST on an entity needs X-RestLi-Method: PARTIAL_UPDATE"))
        }
        guard let body = request.json as? [String: Any], let patch = body["patch"] as? [String: Any], let set = patch["$set"] as? [String: Any] else {
            return Self.reply(LinkedInFake.LinkedInError(status: 400, code: "BAD_REQUEST", message: "The body must be {\"patch\":{\"$set\":{…}}}"))
        }
        guard let campaignID = Int(id), let current = campaign(campaignID), String(current.account) == account else {
            return Self.reply(LinkedInFake.LinkedInError(status: 404, code: "NOT_FOUND", message: "Campaign \(id) not found"))
        }
        if let status = set["status"] as? String {
            guard ["ACTIVE", "PAUSED", "ARCHIVED", "DRAFT", "PENDING_DELETION"].contains(status) else {
                return Self.reply(.unprocessable("ERROR :: /status :: invalid value \(status)"))
            }
            state.withLock { state in
                if let index = state.campaigns.firstIndex(where: { $0.id == campaignID }) { state.campaigns[index].status = status }
            }
        }
        return FakeProviderServer.Reply(status: 204)
    }

    private func analytics(_ request: Request) -> Reply {
        let query = Self.rawQuery(request)
        guard query["q"] == "analytics", let pivot = query["pivot"], ["CAMPAIGN", "ACCOUNT", "CREATIVE"].contains(pivot),
            let granularity = query["timeGranularity"], ["DAILY", "MONTHLY", "ALL"].contains(granularity)
        else {
            return Self.reply(
                LinkedInFake.LinkedInError(status: 400, code: "BAD_REQUEST", message: "q=analytics, pivot and timeGranularity are required"))
        }
        guard let range = query["dateRange"], let bounds = Self.dateRange(range) else {
            return Self.reply(LinkedInFake.LinkedInError(status: 400, code: "BAD_REQUEST", message: "Invalid Rest.li dateRange"))
        }
        let (start, end) = bounds
        guard let list = query["campaigns"], list.hasPrefix("List("), list.hasSuffix(")") else {
            return Self.reply(LinkedInFake.LinkedInError(status: 400, code: "BAD_REQUEST", message: "A facet such as campaigns=List(…) is required"))
        }
        // URNs inside the list arrive percent-encoded: urn%3Ali%3AsponsoredCampaign%3A123.
        let urns = list.dropFirst(5).dropLast().split(separator: ",").map { String($0).removingPercentEncoding ?? "" }
        guard urns.allSatisfy({ $0.hasPrefix("urn:li:sponsoredCampaign:") }), list.contains("%3A") else {
            return Self.reply(LinkedInFake.LinkedInError(status: 400, code: "BAD_REQUEST", message: "Invalid campaign URN in List(…)"))
        }
        let fields = (query["fields"] ?? "").split(separator: ",").map(String.init)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var elements: [[String: Any]] = []
        var day = start
        var index = 0
        while day <= end, index < 400 {
            let parts = calendar.dateComponents([.year, .month, .day], from: day)
            let date: [String: Any] = ["year": parts.year!, "month": parts.month!, "day": parts.day!]
            for urn in urns {
                var element: [String: Any] = [:]
                let all: [String: Any] = [
                    "impressions": 1500 + 13 * index, "clicks": 80 + index % 9, "costInLocalCurrency": String(format: "%.2f", 50.0 + Double(index)),
                    "externalWebsiteConversions": index % 5, "dateRange": ["start": date, "end": date], "pivotValues": [urn],
                ]
                for field in fields { if let value = all[field] { element[field] = value } }
                elements.append(element)
            }
            day = calendar.date(byAdding: .day, value: 1, to: day)!
            index += 1
        }
        return .json(200, object: ["paging": ["start": 0, "count": 10, "links": []], "elements": elements])
    }

    /// `(start:(year:2026,month:11,day:1),end:(year:2026,month:11,day:7))` → dates.
    static func dateRange(_ text: String) -> (Date, Date)? {
        func date(_ part: Substring) -> Date? {
            var values: [String: Int] = [:]
            for item in part.split(separator: ",") {
                let kv = item.split(separator: ":")
                guard kv.count == 2, let value = Int(kv[1]) else { return nil }
                values[String(kv[0])] = value
            }
            guard let year = values["year"], let month = values["month"], let day = values["day"] else { return nil }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let components = DateComponents(year: year, month: month, day: day)
            return components.isValidDate(in: calendar) ? calendar.date(from: components) : nil
        }
        guard text.hasPrefix("(start:("), text.hasSuffix("))"), let split = text.range(of: "),end:(") else { return nil }
        let start = text[text.index(text.startIndex, offsetBy: 8)..<split.lowerBound]
        let end = text[split.upperBound..<text.index(text.endIndex, offsetBy: -2)]
        guard let from = date(start), let to = date(end), from <= to else { return nil }
        return (from, to)
    }
}
