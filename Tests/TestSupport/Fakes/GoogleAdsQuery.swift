// The part of the Google Ads Query Language the Google Ads fake understands, following the
// documentation: https://developers.google.com/google-ads/api/docs/query/grammar (SELECT …
// FROM one resource [WHERE conditions joined by AND] [ORDER BY …] [LIMIT n]; strings in single
// or double quotes; BETWEEN 'YYYY-MM-DD' AND 'YYYY-MM-DD' on segments.date),
// https://developers.google.com/google-ads/api/docs/query/structure (fields of the FROM
// resource, of its attributed resources, segments and metrics; a segments.date in SELECT
// needs a finite date range in WHERE) and the fields of the resources used here
// (https://developers.google.com/google-ads/api/fields/v26/campaign, …/ad_group,
// …/keyword_view, …/customer). Rows are answered as REST JSON: lowerCamelCase names nested by
// resource, int64 values as decimal strings.

import Foundation

/// A parsed GAQL query, or the `queryError` Google answers for it.
public struct GoogleAdsQuery: Sendable, Equatable {
    /// The selected fields as written (`metrics.cost_micros`).
    public var fields: [String]
    /// The FROM resource (`campaign`).
    public var resource: String
    /// `segments.date BETWEEN` bounds, if given.
    public var dateRange: ClosedRange<String>?
    /// `campaign.status != 'REMOVED'` and the like: field → excluded value.
    public var exclusions: [String: String]
    /// `LIMIT`.
    public var limit: Int?

    /// What each FROM resource may select besides segments and metrics.
    public static let selectable: [String: Set<String>] = [
        "customer": ["customer"],
        "campaign": ["campaign", "campaign_budget", "customer"],
        "ad_group": ["ad_group", "campaign", "customer"],
        "keyword_view": ["keyword_view", "ad_group_criterion", "ad_group", "campaign", "customer"],
        "campaign_budget": ["campaign_budget", "customer"],
    ]

    /// Every field the fake knows.
    public static let knownFields: Set<String> = [
        "customer.id", "customer.descriptive_name", "customer.currency_code", "customer.time_zone", "customer.manager",
        "customer.test_account", "customer.resource_name",
        "campaign.id", "campaign.name", "campaign.status", "campaign.advertising_channel_type", "campaign.campaign_budget",
        "campaign.resource_name",
        "campaign_budget.id", "campaign_budget.amount_micros", "campaign_budget.resource_name",
        "ad_group.id", "ad_group.name", "ad_group.status", "ad_group.resource_name",
        "ad_group_criterion.criterion_id", "ad_group_criterion.keyword.text", "ad_group_criterion.keyword.match_type",
        "ad_group_criterion.resource_name", "keyword_view.resource_name",
        "segments.date",
        "metrics.impressions", "metrics.clicks", "metrics.cost_micros", "metrics.conversions", "metrics.ctr", "metrics.average_cpc",
    ]

    /// Parses `text`; the failure is the 400 Google answers.
    public static func parse(_ text: String) -> Result<GoogleAdsQuery, GoogleAdsFailure> {
        func fail(_ code: String, _ message: String) -> Result<GoogleAdsQuery, GoogleAdsFailure> {
            .failure(.invalidArgument([GoogleAdsError(family: "queryError", code: code, message: message)]))
        }
        let query = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let select = query.range(of: "SELECT ", options: [.caseInsensitive, .anchored]) else {
            return fail("UNEXPECTED_END_OF_QUERY", "Error in query: unexpected end of query.")
        }
        guard let from = query.range(of: " FROM ", options: .caseInsensitive, range: select.upperBound..<query.endIndex) else {
            return fail("EXPECTED_FROM", "Error in query: expected FROM.")
        }
        let fields = query[select.upperBound..<from.lowerBound].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var rest = String(query[from.upperBound...])
        var limit: Int?
        if let range = rest.range(of: " LIMIT ", options: [.caseInsensitive, .backwards]) {
            guard let value = Int(rest[range.upperBound...].trimmingCharacters(in: .whitespaces)), value > 0 else {
                return fail("LIMIT_VALUE_NOT_INT", "Error in query: LIMIT must be a positive integer.")
            }
            limit = value
            rest = String(rest[..<range.lowerBound])
        }
        var orderBy: [String] = []
        if let range = rest.range(of: " ORDER BY ", options: .caseInsensitive) {
            orderBy = rest[range.upperBound...].split(separator: ",").map {
                String($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
            }
            rest = String(rest[..<range.lowerBound])
        }
        var conditions = ""
        if let range = rest.range(of: " WHERE ", options: .caseInsensitive) {
            conditions = String(rest[range.upperBound...])
            rest = String(rest[..<range.lowerBound])
        }
        let resource = rest.trimmingCharacters(in: .whitespaces)
        guard let allowed = selectable[resource] else {
            return fail("INVALID_RESOURCE_NAME", "Error in query: '\(resource)' is not a resource that can be queried here.")
        }
        for field in fields + orderBy {
            guard knownFields.contains(field) else { return fail("UNRECOGNIZED_FIELD", "Unrecognized field in the query: '\(field)'.") }
            let owner = String(field.split(separator: ".")[0])
            guard owner == "segments" || owner == "metrics" || allowed.contains(owner) else {
                return fail(
                    "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE",
                    "Error in query: the resource '\(owner)' cannot be selected when '\(resource)' is in the FROM clause.")
            }
        }
        var parsed = GoogleAdsQuery(fields: fields, resource: resource, dateRange: nil, exclusions: [:], limit: limit)
        for condition in Self.conditions(conditions) {
            let words = condition.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if words.count == 5, words[0] == "segments.date", words[1].uppercased() == "BETWEEN", words[3].uppercased() == "AND" {
                guard let start = unquote(words[2]), let end = unquote(words[4]), isDate(start), isDate(end) else {
                    return fail("INVALID_VALUE_WITH_BETWEEN_OPERATOR", "Error in query: BETWEEN takes two dates YYYY-MM-DD.")
                }
                guard start <= end else {
                    return fail("INVALID_VALUE_WITH_BETWEEN_OPERATOR", "Error in query: the start date is after the end date.")
                }
                parsed.dateRange = start...end
            } else if words.count == 3, words[1] == "!=", knownFields.contains(words[0]), let value = unquote(words[2]) {
                parsed.exclusions[words[0]] = value
            } else {
                return fail("UNEXPECTED_INPUT", "Error in query: unexpected input \(condition.prefix(60)).")
            }
        }
        if fields.contains("segments.date"), parsed.dateRange == nil {
            return fail(
                "EXPECTED_FILTERS_ON_DATE_RANGE", "Filters on date/week/month/quarter/year date segments should be finite date range.")
        }
        return .success(parsed)
    }

    /// `a AND b` split on the ANDs that are not part of a BETWEEN.
    static func conditions(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var result: [String] = []
        var current: [String] = []
        var inBetween = false
        for word in words {
            if word.uppercased() == "AND", !inBetween {
                result.append(current.joined(separator: " "))
                current = []
                continue
            }
            if word.uppercased() == "BETWEEN" { inBetween = true } else if word.uppercased() == "AND" { inBetween = false }
            current.append(word)
        }
        if !current.isEmpty { result.append(current.joined(separator: " ")) }
        return result
    }

    static func unquote(_ text: String) -> String? {
        guard text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first else { return nil }
        return String(text.dropFirst().dropLast())
    }

    /// A real calendar date as YYYY-MM-DD.
    public static func isDate(_ text: String) -> Bool { date(text) != nil }

    static func date(_ text: String) -> Date? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts.map(\.count) == [4, 2, 2], let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day)
        guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else { return nil }
        return date
    }

    /// The days of the range, at most 400.
    public var days: [String] {
        guard let range = dateRange, let start = Self.date(range.lowerBound), let end = Self.date(range.upperBound) else { return [] }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        var days: [String] = []
        var day = start
        while day <= end, days.count < 400 {
            days.append(formatter.string(from: day))
            day = day.addingTimeInterval(86_400)
        }
        return days
    }

    /// `cost_micros` → `costMicros`.
    public static func camel(_ name: String) -> String {
        let parts = name.split(separator: "_")
        return String(parts.first ?? "") + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The field mask Google answers: the selected fields in lowerCamelCase, comma separated.
    public var fieldMask: String {
        fields.map { $0.split(separator: ".").map { Self.camel(String($0)) }.joined(separator: ".") }.joined(separator: ",")
    }

    /// A row with only the selected fields of `values` (GAQL names → JSON values), nested by
    /// resource, with each selected resource's `resourceName`.
    public func row(_ values: [String: Any]) -> [String: Any] {
        var row: [String: Any] = [:]
        func set(_ path: [String], _ value: Any, in object: inout [String: Any]) {
            guard let head = path.first else { return }
            if path.count == 1 { object[head] = value; return }
            var inner = object[head] as? [String: Any] ?? [:]
            set(Array(path.dropFirst()), value, in: &inner)
            object[head] = inner
        }
        var owners: Set<String> = []
        for field in fields {
            let parts = field.split(separator: ".").map(String.init)
            if parts[0] != "segments" && parts[0] != "metrics" { owners.insert(parts[0]) }
            if let value = values[field] { set(parts.map(Self.camel), value, in: &row) }
        }
        for owner in owners { if let name = values["\(owner).resource_name"] { set([Self.camel(owner), "resourceName"], name, in: &row) } }
        return row
    }
}
