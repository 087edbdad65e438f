import Foundation
import HTTPCore
import HTTPFields
import Synchronization

// The Search API of `ZendeskFake` (`GET /api/v2/search`), as documented at
//   https://developer.zendesk.com/api-reference/ticketing/ticket-management/search/ and
//   https://support.zendesk.com/hc/en-us/articles/4408886879258 (Zendesk Support search reference)
// Query terms: `type:ticket|user`, `status`, `priority` and `ticket_type` with `:`, `<`, `>`, `<=`,
// `>=` (statuses ordered new < open < pending < hold < solved < closed, priorities low < normal <
// high < urgent), `tags:` (or `tag:`), a leading `-` to exclude, and free text matched against the
// subject and description (or a user's name and email). Offset paging only: `page[size]` is
// refused as Zendesk refuses it (https://support.zendesk.com/hc/en-us/community/posts/5981990015514).
// Zendesk documents no body for a missing query; the fake answers 400 in its usual shape.
extension ZendeskFake {
    /// The `sort_by` values of the Search API.
    static let searchSorts: Set<String> = ["updated_at", "created_at", "priority", "status", "ticket_type"]

    struct Term {
        var key: String?
        var op: String
        var value: String
        var negated: Bool
    }

    /// `{results, facets, next_page, previous_page, count}`.
    func search(_ request: Request) -> Reply {
        let query = request.queryItems
        if query.keys.contains(where: { $0.hasPrefix("page[") }) {
            return .json(
                400,
                object: [
                    "error": [
                        "title": "Invalid attribute",
                        "message":
                            "You passed an invalid value for the page attribute. Invalid parameter: page must be an integer from api/v2/search/index",
                    ]
                ])
        }
        guard let text = query["query"]?.last, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            return zendeskError(400, "InvalidQuery", "query is required")
        }
        guard let page = Int(query["page"]?.last ?? "1"), page >= 1 else {
            return .json(400, object: ["error": ["title": "Invalid attribute", "message": "page must be an integer"]])
        }
        let perPage = min(100, max(1, query["per_page"]?.last.flatMap(Int.init) ?? 100))
        guard (page - 1) * perPage < 1000 else {
            return zendeskError(422, "invalid", "Invalid search: Requested response size was greater than Search Response Limits")
        }
        let sortBy = query["sort_by"]?.last
        if let sortBy, !Self.searchSorts.contains(sortBy) {
            return zendeskError(400, "InvalidQuery", "sort_by must be one of updated_at, created_at, priority, status, ticket_type")
        }
        let order = query["sort_order"]?.last ?? "desc"
        guard order == "asc" || order == "desc" else { return zendeskError(400, "InvalidQuery", "sort_order must be asc or desc") }
        let terms = Self.terms(text)
        let types = Set(terms.filter { $0.key == "type" && !$0.negated }.map { $0.value.lowercased() })
        let (tickets, users) = state.withLock { ($0.tickets, $0.users) }
        var results: [[String: Any]] = []
        if types.isEmpty || types.contains("ticket") {
            var matched = tickets.filter { ticket in terms.allSatisfy { Self.matches(ticket, $0) } }
            if let sortBy {
                let field = sortBy == "ticket_type" ? "type" : sortBy
                matched = field == "type" ? matched.sorted { ($0.type ?? "") < ($1.type ?? "") } : Self.sorted(matched, by: field)
                if order == "desc" { matched.reverse() }
            }
            results += matched.map { ticket in
                var rendered = render(ticket)
                rendered["result_type"] = "ticket"
                return rendered
            }
        }
        if types.isEmpty || types.contains("user") {
            results += users.filter { user in terms.allSatisfy { Self.matches(user, $0) } }.map { user in
                var rendered = render(user)
                rendered["result_type"] = "user"
                return rendered
            }
        }
        let slice = results.dropFirst((page - 1) * perPage).prefix(perPage)
        func link(_ number: Int) -> Any {
            guard number >= 1, (number - 1) * perPage < results.count else { return NSNull() }
            var items = [("page", String(number)), ("per_page", String(perPage)), ("query", text)]
            if let sortBy { items += [("sort_by", sortBy), ("sort_order", order)] }
            return "\(apiBaseURL)/search.json?" + items.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        let body: [String: Any] = [
            "results": Array(slice), "facets": NSNull(), "next_page": link(page + 1), "previous_page": link(page - 1), "count": results.count,
        ]
        return .json(200, object: body)
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The terms of a query: `key:value`, `key<value`…, `-` for exclusion, `"quoted phrases"`.
    static func terms(_ query: String) -> [Term] {
        var words: [String] = []
        var current = ""
        var quoted = false
        for character in query {
            if character == "\"" {
                quoted.toggle()
            } else if character == " " && !quoted {
                if !current.isEmpty { words.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words.map { word in
            var rest = Substring(word)
            let negated = rest.hasPrefix("-") && rest.count > 1
            if negated { rest = rest.dropFirst() }
            for op in ["<=", ">=", ":", "<", ">"] {
                if let range = rest.range(of: op), range.lowerBound > rest.startIndex {
                    let key = rest[..<range.lowerBound].lowercased()
                    if ["type", "status", "priority", "ticket_type", "tags", "tag"].contains(key) {
                        return Term(key: key == "tag" ? "tags" : key, op: op, value: String(rest[range.upperBound...]), negated: negated)
                    }
                }
            }
            return Term(key: nil, op: ":", value: String(rest), negated: negated)
        }
    }

    static func matches(_ ticket: Ticket, _ term: Term) -> Bool {
        let value = term.value.lowercased()
        let hit: Bool
        switch term.key {
        case "type": return !term.negated ? value == "ticket" : value != "ticket"
        case "status": hit = compare(ticket.status, value, term.op, order: statuses)
        case "priority": hit = compare(ticket.priority ?? "", value, term.op, order: priorities)
        case "ticket_type": hit = (ticket.type ?? "") == value
        case "tags": hit = ticket.tags.contains(value)
        default: hit = ticket.subject.lowercased().contains(value) || ticket.description.lowercased().contains(value)
        }
        return term.negated ? !hit : hit
    }

    static func matches(_ user: User, _ term: Term) -> Bool {
        let value = term.value.lowercased()
        switch term.key {
        case "type": return !term.negated ? value == "user" : value != "user"
        case nil:
            let hit = user.name.lowercased().contains(value) || user.email.lowercased().contains(value)
            return term.negated ? !hit : hit
        default: return false
        }
    }

    /// `actual op wanted` in the order of `order` (`:` is equality).
    private static func compare(_ actual: String, _ wanted: String, _ op: String, order: [String]) -> Bool {
        guard op != ":" else { return actual == wanted }
        guard let a = order.firstIndex(of: actual), let b = order.firstIndex(of: wanted) else { return false }
        switch op {
        case "<": return a < b
        case ">": return a > b
        case "<=": return a <= b
        default: return a >= b
        }
    }
}
