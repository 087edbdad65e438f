// A fake of Google Analytics 4's APIs on loopback — two servers, as on the real hosts — that
// follows the documentation, not what our connector definition assumes:
//
// - Admin API accountSummaries.list (GET /v1beta/accountSummaries, pageSize default 50 and at
//   most 200 — larger values are coerced —, pageToken whose other parameters must match):
//   https://developers.google.com/analytics/devguides/config/admin/v1/rest/v1beta/accountSummaries/list
// - Data API properties.runReport (POST /v1beta/{property=properties/*}:runReport; body
//   dimensions, metrics, dateRanges, dimensionFilter, metricFilter, offset, limit ≤ 250,000,
//   metricAggregations, orderBys, currencyCode, cohortSpec, keepEmptyRows,
//   returnPropertyQuota; answer dimensionHeaders, metricHeaders, rows, totals, maximums,
//   minimums, rowCount, metadata, propertyQuota, kind):
//   https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runReport
// - properties.runRealtimeReport (no dateRanges nor offset; minuteRanges, at most 2, within
//   the last 30 minutes for standard properties):
//   https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runRealtimeReport
// - properties.getMetadata (GET /v1beta/{name=properties/*/metadata}):
//   https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/getMetadata
// - Pagination (offset/limit, rowCount is the total):
//   https://developers.google.com/analytics/devguides/reporting/data/v1/basics#pagination
// - Quotas and PropertyQuota (tokensPerDay 200,000, tokensPerHour 40,000,
//   tokensPerProjectPerHour 14,000, concurrentRequests 10, serverErrorsPerProjectPerHour 10,
//   potentiallyThresholdedRequestsPerHour 120 for standard properties; an exhausted quota
//   answers RESOURCE_EXHAUSTED): https://developers.google.com/analytics/devguides/reporting/data/v1/quotas
//   and https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/PropertyQuota
// - Limits of a request (9 dimensions, 10 metrics, 4 date ranges):
//   https://developers.google.com/analytics/devguides/reporting/data/v1/basics
// - Scopes analytics.readonly or analytics; the error shape and credential errors: GoogleAPIError.swift.
//
// Bearer tokens are those the Google OAuth fake issued. Report rows are synthetic but honest:
// a property reports `rowCount` rows for any dimension set (values `<dimension> <n>`; `date`
// as YYYYMMDD counting back from 20261130), metric values that depend on the row and the
// metric, in the order orderBys asks for, sliced by offset and limit. Where Google documents
// no message for a validation error the message is ours and says which rule failed.

import Foundation
import Synchronization

/// GA4's Admin API (account summaries) and Data API (runReport, runRealtimeReport,
/// getMetadata) on loopback, one server each. Knobs: `reportRowCount`, `exhaustTokens(…)`,
/// `failNext(_:calls:)`; readings: `tokensConsumed(property:)`.
public final class GA4Fake: Sendable {
    /// A GA4 property as account summaries list it.
    public struct Property: Sendable {
        /// The numeric id (`properties/{id}`).
        public var id: String
        /// `displayName`.
        public var displayName: String
        /// `PROPERTY_TYPE_ORDINARY`, `…_SUBPROPERTY`, `…_ROLLUP`.
        public var propertyType: String

        /// A property.
        public init(id: String, displayName: String, propertyType: String = "PROPERTY_TYPE_ORDINARY") {
            self.id = id
            self.displayName = displayName
            self.propertyType = propertyType
        }
    }

    /// A Google Analytics account and its properties.
    public struct Account: Sendable {
        /// The numeric id (`accounts/{id}`).
        public var id: String
        /// `displayName`.
        public var displayName: String
        /// Its properties.
        public var properties: [Property]

        /// An account.
        public init(id: String, displayName: String, properties: [Property]) {
            self.id = id
            self.displayName = displayName
            self.properties = properties
        }

        /// Three accounts, four properties.
        public static let defaults: [Account] = [
            Account(id: "200000001", displayName: "NeonHub Demo", properties: [Property(id: "300000001", displayName: "neonhub-demo - GA4")]),
            Account(
                id: "200000002", displayName: "Example Coffee",
                properties: [
                    Property(id: "300000002", displayName: "example.com - GA4"),
                    Property(id: "300000003", displayName: "shop.example.com - GA4", propertyType: "PROPERTY_TYPE_SUBPROPERTY"),
                ]),
            Account(id: "200000003", displayName: "Empty Account", properties: []),
        ]
    }

    /// The dimensions and metrics every property knows (a part of the API schema).
    public static let dimensions: Set<String> = [
        "date", "country", "city", "deviceCategory", "pagePath", "sessionSource", "sessionDefaultChannelGroup", "eventName", "unifiedScreenName",
    ]
    /// Metrics, with their `metricHeaders[].type`.
    public static let metrics: [String: String] = [
        "sessions": "TYPE_INTEGER", "activeUsers": "TYPE_INTEGER", "screenPageViews": "TYPE_INTEGER",
        "eventCount": "TYPE_INTEGER", "bounceRate": "TYPE_FLOAT", "totalRevenue": "TYPE_CURRENCY",
        "averageSessionDuration": "TYPE_SECONDS", "newUsers": "TYPE_INTEGER",
    ]
    /// Tokens a report costs here (Google's cost depends on complexity; most requests cost under 10).
    public static let tokensPerReport = 10
    /// Standard-property quota sizes.
    public static let quota: [String: Int] = [
        "tokensPerDay": 200_000, "tokensPerHour": 40_000, "concurrentRequests": 10,
        "serverErrorsPerProjectPerHour": 10, "potentiallyThresholdedRequestsPerHour": 120,
        "tokensPerProjectPerHour": 14_000,
    ]

    private struct State: Sendable {
        var consumed: [String: Int] = [:]
        var exhausted: [String: String] = [:]
        var reportRowCount = 5
    }

    /// `https://analyticsadmin.googleapis.com` on loopback.
    public let admin = FakeProviderServer()
    /// `https://analyticsdata.googleapis.com` on loopback.
    public let data = FakeProviderServer()
    /// The token server whose access tokens are accepted.
    public let oauth: GoogleOAuthFake
    /// The accounts the user can read.
    public let accounts: [Account]
    /// Scopes either of which reads reports.
    public static let readScopes: Set<String> = ["https://www.googleapis.com/auth/analytics.readonly", "https://www.googleapis.com/auth/analytics"]

    private let state = Mutex(State())
    private let faults = ScriptedFaults<GoogleAPIError>()

    /// A fake of `accounts`, accepting the tokens `oauth` issues.
    public init(oauth: GoogleOAuthFake, accounts: [Account] = Account.defaults) {
        self.oauth = oauth
        self.accounts = accounts
        admin.onEveryRequest { [weak self] in self?.handleAdmin($0) ?? GoogleAPIError.unavailable.reply }
        data.onEveryRequest { [weak self] in self?.handleData($0) ?? GoogleAPIError.unavailable.reply }
    }

    /// Starts both servers.
    public func start() throws {
        try admin.start()
        try data.start()
    }

    /// Stops both servers without blocking the cooperative pool.
    public func stop() async {
        await admin.stopWithoutBlocking()
        await data.stopWithoutBlocking()
    }

    /// Every request to either host, admin first.
    public var requests: [FakeProviderServer.RecordedRequest] { admin.requests + data.requests }

    /// The rows every report has (its `rowCount`).
    public var reportRowCount: Int {
        get { state.withLock { $0.reportRowCount } }
        set { state.withLock { $0.reportRowCount = newValue } }
    }

    /// From now on reports of `property` answer 429 RESOURCE_EXHAUSTED for `quota` (`tokensPerHour`, `tokensPerDay`…).
    public func exhaust(_ quota: String = "tokensPerHour", property: String) { state.withLock { $0.exhausted[property] = quota } }

    /// The next `calls` requests (either host, after authentication) answer `error`.
    public func failNext(_ error: GoogleAPIError, calls: Int = 1) { faults.add(error, calls: calls) }

    /// Tokens the property's reports consumed so far.
    public func tokensConsumed(property: String) -> Int { state.withLock { $0.consumed[property] ?? 0 } }

    // MARK: - Dispatch

    private typealias Request = FakeProviderServer.RecordedRequest
    private typealias Reply = FakeProviderServer.Reply

    private func handleAdmin(_ request: Request) -> Reply {
        guard request.path == "/v1beta/accountSummaries" else { return GoogleAPIError.notFound("Method not found.").reply }
        guard request.method == "GET" else { return GoogleAPIError.notFound("Method not found.").reply }
        if let refused = GoogleAPIError.authenticate(request, oauth: oauth, scopes: Self.readScopes, service: "analyticsadmin.googleapis.com") {
            return refused.reply
        }
        if let fault = faults.take() { return fault.reply }
        return accountSummaries(request)
    }

    private func handleData(_ request: Request) -> Reply {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        guard segments.count >= 3, segments[0] == "v1beta", segments[1] == "properties" else {
            return GoogleAPIError.notFound("Method not found.").reply
        }
        if let refused = GoogleAPIError.authenticate(request, oauth: oauth, scopes: Self.readScopes, service: "analyticsdata.googleapis.com") {
            return refused.reply
        }
        if let fault = faults.take() { return fault.reply }
        if segments.count == 4, segments[3] == "metadata", request.method == "GET" {
            return withProperty(segments[2]) { metadata($0) }
        }
        guard segments.count == 3, request.method == "POST", let colon = segments[2].firstIndex(of: ":") else {
            return GoogleAPIError.notFound("Method not found.").reply
        }
        let id = String(segments[2][..<colon]), method = String(segments[2][segments[2].index(after: colon)...])
        switch method {
        case "runReport": return withProperty(id) { report(request, property: $0, realtime: false) }
        case "runRealtimeReport": return withProperty(id) { report(request, property: $0, realtime: true) }
        default: return GoogleAPIError.notFound("Method not found.").reply
        }
    }

    /// A property the user can read, or 403 as the Data API answers for any other id.
    private func withProperty(_ id: String, _ body: (Property) -> Reply) -> Reply {
        guard let property = accounts.flatMap(\.properties).first(where: { $0.id == id }) else {
            return GoogleAPIError.permissionDenied(
                "User does not have sufficient permissions for this property. To learn more about Property ID, see https://developers.google.com/analytics/devguides/reporting/data/v1/property-id."
            ).reply
        }
        return body(property)
    }

    // MARK: - Admin API

    private func accountSummaries(_ request: Request) -> Reply {
        let query = request.queryItems
        var size = 50
        if let text = query["pageSize"]?.last {
            guard let asked = Int(text), asked >= 0 else { return GoogleAPIError.invalidArgument("page_size must be positive").reply }
            if asked > 0 { size = min(asked, 200) }  // larger values are coerced to the maximum
        }
        var start = 0
        if let token = query["pageToken"]?.last, !token.isEmpty {
            // Our tokens carry the page size they were issued for: the other parameters must match.
            let parts = token.split(separator: ".")
            guard parts.count == 3, parts[0] == "AS", let offset = Int(parts[1]), let issuedSize = Int(parts[2]), offset <= accounts.count else {
                return GoogleAPIError.invalidArgument("Invalid page token.").reply
            }
            guard issuedSize == size else { return GoogleAPIError.invalidArgument("The page token does not match the request's page_size.").reply }
            start = offset
        }
        let page = accounts.dropFirst(start).prefix(size)
        var body: [String: Any] = [:]
        if !page.isEmpty {
            body["accountSummaries"] = page.map { account -> [String: Any] in
                var summary: [String: Any] = [
                    "name": "accountSummaries/\(account.id)", "account": "accounts/\(account.id)", "displayName": account.displayName,
                ]
                if !account.properties.isEmpty {
                    summary["propertySummaries"] = account.properties.map {
                        [
                            "property": "properties/\($0.id)", "displayName": $0.displayName, "propertyType": $0.propertyType,
                            "parent": "accounts/\(account.id)",
                        ]
                    }
                }
                return summary
            }
        }
        if start + page.count < accounts.count { body["nextPageToken"] = "AS.\(start + page.count).\(size)" }
        return .json(200, object: body)
    }

    // MARK: - Data API

    private static let reportFields: Set<String> = [
        "dimensions", "metrics", "dateRanges", "dimensionFilter", "metricFilter", "offset", "limit",
        "metricAggregations", "orderBys", "currencyCode", "cohortSpec", "keepEmptyRows",
        "returnPropertyQuota", "comparisons", "property",
    ]
    private static let realtimeFields: Set<String> = [
        "dimensions", "metrics", "dimensionFilter", "metricFilter", "limit", "metricAggregations",
        "orderBys", "returnPropertyQuota", "minuteRanges",
    ]

    private func report(_ request: Request, property: Property, realtime: Bool) -> Reply {
        let body: [String: Any]
        switch GoogleAPIError.jsonObject(request) {
        case .failure(let error): return error.reply
        case .success(let object): body = object
        }
        if let unknown = GoogleAPIError.unknownFields(body, allowed: realtime ? Self.realtimeFields : Self.reportFields) { return unknown.reply }
        let dimensions = (body["dimensions"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        let metrics = (body["metrics"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        guard dimensions.count <= 9 else { return GoogleAPIError.invalidArgument("Requests can have at most 9 dimensions.").reply }
        guard metrics.count <= 10 else { return GoogleAPIError.invalidArgument("Requests can have at most 10 metrics.").reply }
        guard !metrics.isEmpty || !dimensions.isEmpty else {
            return GoogleAPIError.invalidArgument("Requests must have at least one dimension or metric.").reply
        }
        for name in dimensions where !Self.dimensions.contains(name) {
            return GoogleAPIError.invalidArgument(
                "Field \(name) is not a valid dimension. For a list of valid dimensions and metrics, see https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema "
            ).reply
        }
        for name in metrics where Self.metrics[name] == nil {
            return GoogleAPIError.invalidArgument(
                "Field \(name) is not a valid metric. For a list of valid dimensions and metrics, see https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema "
            ).reply
        }
        if realtime {
            if dimensions.contains("date") {
                return GoogleAPIError.invalidArgument("Field date is not a valid dimension for realtime reports.").reply
            }
            let ranges = body["minuteRanges"] as? [[String: Any]] ?? []
            guard ranges.count <= 2 else { return GoogleAPIError.invalidArgument("Requests can have at most 2 minute ranges.").reply }
            for range in ranges {
                for key in ["startMinutesAgo", "endMinutesAgo"] {
                    if let minutes = Self.integer(range[key]), minutes > 29 {
                        return GoogleAPIError.invalidArgument("\(key) must be at most 29 for standard properties.").reply
                    }
                }
            }
        } else {
            let ranges = body["dateRanges"] as? [[String: Any]] ?? []
            guard !ranges.isEmpty, body["cohortSpec"] == nil || ranges.isEmpty else {
                return GoogleAPIError.invalidArgument("A report needs dateRanges (or a cohortSpec).").reply
            }
            guard ranges.count <= 4 else { return GoogleAPIError.invalidArgument("Requests can have at most 4 date ranges.").reply }
            for range in ranges {
                for key in ["startDate", "endDate"] {
                    guard let value = range[key] as? String, Self.isDate(value) else {
                        return GoogleAPIError.invalidArgument("\(key) must be YYYY-MM-DD, NdaysAgo, yesterday or today.").reply
                    }
                }
            }
        }
        var limit = 10_000, offset = 0
        if body["limit"] != nil {
            guard let asked = Self.integer(body["limit"]), asked > 0 else { return GoogleAPIError.invalidArgument("limit must be positive.").reply }
            limit = min(asked, 250_000)  // at most 250,000 rows per request, whatever is asked
        }
        if body["offset"] != nil {
            guard let given = Self.integer(body["offset"]), given >= 0 else {
                return GoogleAPIError.invalidArgument("offset must be non-negative.").reply
            }
            offset = given
        }
        let exhausted = state.withLock { state -> String? in
            if let quota = state.exhausted[property.id] { return quota }
            state.consumed[property.id, default: 0] += Self.tokensPerReport
            return nil
        }
        if let quota = exhausted {
            return GoogleAPIError.resourceExhausted(
                quota == "tokensPerDay"
                    ? "Exhausted property tokens per day for this property. Try again tomorrow."
                    : "Exhausted property tokens per hour for this property. Try again later."
            ).reply
        }
        var rows = (0..<reportRowCount).map { index -> (dimensions: [String], metrics: [Double]) in
            (
                dimensions.map { Self.dimensionValue($0, index) },
                metrics.enumerated().map { Double((index + 1) * 10 + ($0.offset + 1) * 3 + (index * 7) % 5) }
            )
        }
        for order in (body["orderBys"] as? [[String: Any]] ?? []).reversed() {
            let descending = order["desc"] as? Bool ?? false
            if let name = (order["metric"] as? [String: Any])?["metricName"] as? String, let column = metrics.firstIndex(of: name) {
                rows.sort { descending ? $0.metrics[column] > $1.metrics[column] : $0.metrics[column] < $1.metrics[column] }
            } else if let name = (order["dimension"] as? [String: Any])?["dimensionName"] as? String, let column = dimensions.firstIndex(of: name) {
                rows.sort { descending ? $0.dimensions[column] > $1.dimensions[column] : $0.dimensions[column] < $1.dimensions[column] }
            } else {
                return GoogleAPIError.invalidArgument("orderBys must name a requested metric or dimension.").reply
            }
        }
        let slice = rows.dropFirst(offset).prefix(limit)
        var answer: [String: Any] = [
            "dimensionHeaders": dimensions.map { ["name": $0] },
            "metricHeaders": metrics.map { ["name": $0, "type": Self.metrics[$0] ?? "TYPE_INTEGER"] },
            "kind": realtime ? "analyticsData#runRealtimeReport" : "analyticsData#runReport",
        ]
        if !slice.isEmpty {
            answer["rows"] = slice.map { row in
                ["dimensionValues": row.dimensions.map { ["value": $0] }, "metricValues": row.metrics.map { ["value": String(Int($0))] }]
            }
        }
        if !rows.isEmpty { answer["rowCount"] = rows.count }  // proto3 JSON leaves a zero out
        if !realtime { answer["metadata"] = ["currencyCode": "USD", "timeZone": "America/Los_Angeles"] }
        if body["returnPropertyQuota"] as? Bool == true {
            let used = tokensConsumed(property: property.id)
            var quota: [String: Any] = [:]
            for (name, size) in Self.quota {
                // consumed: by this request; remaining: after it. Only the token quotas move here.
                let tokens = name.hasPrefix("tokens")
                quota[name] = ["consumed": tokens ? Self.tokensPerReport : 0, "remaining": tokens ? size - used : size]
            }
            answer["propertyQuota"] = quota
        }
        return .json(200, object: answer)
    }

    private func metadata(_ property: Property) -> Reply {
        .json(
            200,
            object: [
                "name": "properties/\(property.id)/metadata",
                "dimensions": Self.dimensions.sorted().map {
                    ["apiName": $0, "uiName": $0, "description": "The \($0) dimension.", "category": "General"]
                },
                "metrics": Self.metrics.keys.sorted().map {
                    ["apiName": $0, "uiName": $0, "description": "The \($0) metric.", "type": Self.metrics[$0]!, "category": "General"]
                },
            ])
    }

    static func dimensionValue(_ name: String, _ index: Int) -> String {
        name == "date" ? String(20_261_130 - index) : "\(name) \(index + 1)"
    }

    /// An int64 as proto3 JSON gives it: a number or a decimal string.
    static func integer(_ value: Any?) -> Int? {
        if let number = value as? NSNumber, !(value is Bool) { return number.intValue }
        if let text = value as? String { return Int(text) }
        return nil
    }

    static func isDate(_ value: String) -> Bool {
        if value == "today" || value == "yesterday" { return true }
        if value.hasSuffix("daysAgo"), Int(value.dropLast(7)) != nil { return true }
        let parts = value.split(separator: "-")
        return parts.count == 3 && parts.map(\.count) == [4, 2, 2] && parts.allSatisfy { $0.allSatisfy(\.isNumber) }
    }
}
