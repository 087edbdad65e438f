import Foundation
import HTTPCore
import HTTPFields
import Synchronization

// The CRM search of `HubSpotFake` (`POST /crm/v3/objects/contacts/search`), as documented at
//   https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm and
//   https://developers.hubspot.com/changelog/breaking-change-expanded-filtering-capabilities-and-error-messaging-in-hubspots-search-api
// Filter groups are OR-ed, the filters of a group AND-ed; string comparisons ignore case; the
// paging cursor `after` is an offset into the matches, sent back in the body.
extension HubSpotFake {
    static let operators: Set<String> = [
        "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    ]
    /// What `query` is matched against (the default searchable properties of contacts).
    static let searchable = ["firstname", "lastname", "email", "phone", "company"]

    struct Filter {
        var property: String
        var op: String
        var value: String?
        var highValue: String?
        var values: [String]
    }

    /// `{filterGroups, sorts, query, properties, limit, after}` → `{total, results, paging?}`.
    func searchContacts(_ request: Request) -> Reply {
        guard let body = request.json as? [String: Any] else {
            return invalid("Invalid input JSON on line 1, column 1: the body must be a JSON object")
        }
        var limit = 10
        if let raw = body["limit"] {
            guard let value = (raw as? NSNumber)?.intValue, value >= 0 else { return invalid("limit must be a non-negative integer") }
            guard value <= 200 else { return invalid("Limit is greater than max of 200") }
            limit = value
        }
        var offset = 0
        if let raw = body["after"], !(raw is NSNull) {
            guard let text = Self.text(raw), let value = Int(text), value >= 0 else { return invalid("after must be a numeric cursor") }
            offset = value
        }
        guard offset + limit <= 10_000 else { return invalid("The search API is limited to 10,000 results per query") }
        let groups: [[Filter]]
        switch filterGroups(body["filterGroups"]) {
        case .failure(let box): return box.reply
        case .success(let found): groups = found
        }
        let query = (body["query"] as? String)?.lowercased().trimmingCharacters(in: .whitespaces) ?? ""
        let asked = (body["properties"] as? [Any] ?? []).compactMap { $0 as? String }
        var matches = state.withLock { $0.contacts }.filter { contact in
            !contact.archived && (groups.isEmpty || groups.contains { $0.allSatisfy { Self.matches(contact, $0) } })
                && (query.isEmpty || Self.searchable.contains { Self.value(of: contact, $0)?.lowercased().contains(query) == true })
        }
        matches.sort { (Int($0.id) ?? 0) < (Int($1.id) ?? 0) }
        if let sort = Self.sort(body["sorts"]) {
            matches.sort { left, right in
                let order = Self.compare(Self.value(of: left, sort.property) ?? "", Self.value(of: right, sort.property) ?? "")
                guard order != 0 else { return (Int(left.id) ?? 0) < (Int(right.id) ?? 0) }
                return sort.descending ? order > 0 : order < 0
            }
        }
        let page = matches.dropFirst(offset).prefix(limit)
        var reply: [String: Any] = ["total": matches.count, "results": page.map { render($0, properties: asked) }]
        if offset + page.count < matches.count {
            reply["paging"] = ["next": ["after": String(offset + page.count)]]
        }
        return .json(200, object: reply)
    }

    private func filterGroups(_ raw: Any?) -> Result<[[Filter]], ReplyBox> {
        guard let raw, !(raw is NSNull) else { return .success([]) }
        guard let groups = raw as? [[String: Any]] else { return .failure(ReplyBox(reply: invalid("filterGroups must be an array of objects"))) }
        guard groups.count <= 5 else { return .failure(ReplyBox(reply: invalid("Too many filter groups: at most 5 are allowed"))) }
        var parsed: [[Filter]] = []
        var total = 0
        for group in groups {
            let filters = group["filters"] as? [[String: Any]] ?? []
            guard filters.count <= 10 else { return .failure(ReplyBox(reply: invalid("Too many filters in a group: at most 10 are allowed"))) }
            total += filters.count
            var list: [Filter] = []
            for filter in filters {
                guard let property = filter["propertyName"] as? String, !property.isEmpty else {
                    return .failure(ReplyBox(reply: invalid("Each filter needs a propertyName")))
                }
                let op = filter["operator"] as? String ?? "EQ"
                guard Self.operators.contains(op) else {
                    return .failure(ReplyBox(reply: invalid("Unknown filter operator '\(op)' for property '\(property)'")))
                }
                let parsedFilter = Filter(
                    property: property, op: op, value: Self.text(filter["value"]), highValue: Self.text(filter["highValue"]),
                    values: (filter["values"] as? [Any] ?? []).compactMap { Self.text($0) })
                if let problem = Self.missingOperand(parsedFilter) { return .failure(ReplyBox(reply: invalid(problem))) }
                list.append(parsedFilter)
            }
            parsed.append(list)
        }
        guard total <= 25 else { return .failure(ReplyBox(reply: invalid("Too many filters: at most 25 are allowed in a search"))) }
        return .success(parsed)
    }

    private static func missingOperand(_ filter: Filter) -> String? {
        switch filter.op {
        case "HAS_PROPERTY", "NOT_HAS_PROPERTY": return nil
        case "IN", "NOT_IN": return filter.values.isEmpty ? "\(filter.op) on '\(filter.property)' needs values" : nil
        case "BETWEEN": return filter.value == nil || filter.highValue == nil ? "BETWEEN on '\(filter.property)' needs value and highValue" : nil
        default: return filter.value == nil ? "\(filter.op) on '\(filter.property)' needs a value" : nil
        }
    }

    static func matches(_ contact: Contact, _ filter: Filter) -> Bool {
        let actual = value(of: contact, filter.property).flatMap { $0.isEmpty ? nil : $0 }
        let wanted = filter.value ?? ""
        switch filter.op {
        case "HAS_PROPERTY": return actual != nil
        case "NOT_HAS_PROPERTY": return actual == nil
        case "NEQ": return actual.map { compare($0, wanted) != 0 } ?? true
        case "NOT_IN": return actual.map { value in !filter.values.contains { compare(value, $0) == 0 } } ?? true
        case "NOT_CONTAINS_TOKEN": return actual.map { !containsToken($0, wanted) } ?? true
        default: break
        }
        guard let actual else { return false }
        switch filter.op {
        case "EQ": return compare(actual, wanted) == 0
        case "LT": return compare(actual, wanted) < 0
        case "LTE": return compare(actual, wanted) <= 0
        case "GT": return compare(actual, wanted) > 0
        case "GTE": return compare(actual, wanted) >= 0
        case "BETWEEN": return compare(actual, wanted) >= 0 && compare(actual, filter.highValue ?? "") <= 0
        case "IN": return filter.values.contains { compare(actual, $0) == 0 }
        default: return containsToken(actual, wanted)
        }
    }

    /// Numbers as numbers, everything else as case-insensitive text.
    static func compare(_ a: String, _ b: String) -> Int {
        if let x = Double(a), let y = Double(b) { return x < y ? -1 : (x > y ? 1 : 0) }
        let (x, y) = (a.lowercased(), b.lowercased())
        return x < y ? -1 : (x > y ? 1 : 0)
    }

    /// A token (the whole value, or a run of letters and digits in it) matching `pattern`,
    /// where `*` stands for any characters.
    static func containsToken(_ value: String, _ pattern: String) -> Bool {
        let tokens = [value.lowercased()] + value.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        return tokens.contains { glob(Array($0), Array(pattern.lowercased())) }
    }

    private static func glob(_ text: [Character], _ pattern: [Character]) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        if first == "*" { return (0...text.count).contains { glob(Array(text[$0...]), Array(pattern.dropFirst())) } }
        guard let head = text.first, head == first else { return false }
        return glob(Array(text.dropFirst()), Array(pattern.dropFirst()))
    }

    /// The first sort: `{"propertyName", "direction"}` or a property name (`-name` descending).
    static func sort(_ raw: Any?) -> (property: String, descending: Bool)? {
        guard let first = (raw as? [Any])?.first else { return nil }
        if let object = first as? [String: Any], let property = object["propertyName"] as? String {
            return (property, (object["direction"] as? String)?.uppercased() == "DESCENDING")
        }
        if let name = first as? String, !name.isEmpty {
            return name.hasPrefix("-") ? (String(name.dropFirst()), true) : (name, false)
        }
        return nil
    }
}
