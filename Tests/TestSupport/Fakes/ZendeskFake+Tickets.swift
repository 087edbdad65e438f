import Foundation
import HTTPCore
import HTTPFields
import Synchronization

// The users/me and ticket routes of `ZendeskFake`, as documented at
//   https://developer.zendesk.com/api-reference/ticketing/users/users/#show-the-currently-authenticated-user,
//   https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/ and
//   https://developer.zendesk.com/api-reference/introduction/pagination/
// (ZendeskFake.swift's header cites the page of each answer). The cursors are opaque to the
// client: the fake encodes the sort and the position in them and refuses a cursor used with
// another sort.
extension ZendeskFake {
    static let statuses = ["new", "open", "pending", "hold", "solved", "closed"]
    static let priorities = ["low", "normal", "high", "urgent"]
    static let types = ["problem", "incident", "question", "task"]
    /// The `sort` values of cursor pagination on `GET /api/v2/tickets`.
    static let cursorSorts: Set<String> = ["id", "-id", "status", "-status", "updated_at", "-updated_at"]

    /// `count` tickets, ids 1…count, cycling through the statuses, priorities and types, tagged
    /// `campaign` every third; created an hour apart from 2026-01-05T09:00Z and updated in an order
    /// of their own (so that sorting by `updated_at` differs from sorting by id).
    public static func tickets(count: Int) -> [Ticket] {
        let statuses = ["new", "open", "pending", "hold", "solved", "closed"]
        let priorities: [String?] = ["low", "normal", "high", "urgent", nil]
        let types: [String?] = ["question", "incident", "problem", "task", nil]
        return (0..<max(0, count)).map { index in
            let created = seedEpoch.addingTimeInterval(TimeInterval(index * 3600))
            let updated = seedEpoch.addingTimeInterval(TimeInterval(86_400 * 20 + ((index * 7919) % max(1, count)) * 60))
            return Ticket(
                id: index + 1, subject: "Order question #\(index + 1)", description: "Customer \(index + 1) asks about their order.",
                status: statuses[index % statuses.count], priority: priorities[index % priorities.count], type: types[index % types.count],
                requesterID: 20_000 + index % 25, tags: index % 3 == 0 ? ["campaign", "order"] : ["order"], createdAt: timestamp(created),
                updatedAt: timestamp(updated))
        }
    }

    /// `GET /api/v2/users/me`.
    func me() -> Reply {
        guard let user = state.withLock({ $0.users.first { $0.id == Self.meID } }) else {
            return zendeskError(404, "RecordNotFound", "Not found")
        }
        return .json(200, object: ["user": render(user)])
    }

    func render(_ user: User) -> [String: Any] {
        [
            "id": user.id, "url": "\(apiBaseURL)/users/\(user.id).json", "name": user.name, "email": user.email, "role": user.role,
            "active": true, "verified": true, "locale": "en-US", "locale_id": 1, "time_zone": "Eastern Time (US & Canada)",
            "created_at": Self.timestamp(Self.seedEpoch), "updated_at": Self.timestamp(Self.seedEpoch),
        ]
    }

    func render(_ ticket: Ticket) -> [String: Any] {
        [
            "id": ticket.id, "url": "\(apiBaseURL)/tickets/\(ticket.id).json", "subject": ticket.subject, "raw_subject": ticket.subject,
            "description": ticket.description, "status": ticket.status, "priority": ticket.priority ?? NSNull(), "type": ticket.type ?? NSNull(),
            "requester_id": ticket.requesterID, "submitter_id": Self.meID, "assignee_id": NSNull(), "group_id": NSNull(),
            "tags": ticket.tags, "created_at": ticket.createdAt, "updated_at": ticket.updatedAt, "via": ["channel": "api"],
            "is_public": ticket.isPublic,
        ]
    }

    /// `GET /api/v2/tickets/{id}`; an unknown id is 404 `RecordNotFound`.
    func showTicket(_ raw: String) -> Reply {
        guard let id = Int(raw), let ticket = state.withLock({ $0.tickets.first { $0.id == id } }) else {
            return zendeskError(404, "RecordNotFound", "Not found")
        }
        return .json(200, object: ["ticket": render(ticket)])
    }

    /// `POST /api/v2/tickets` `{"ticket": {…}}`: 201 with the ticket (status `new`) and its
    /// `Location`; a ticket without a comment, with an unknown priority or type, tags that are not
    /// strings or a malformed requester email is 422 `RecordInvalid` with `details`.
    func createTicket(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true,
            let body = request.json as? [String: Any], let fields = body["ticket"] as? [String: Any]
        else {
            return zendeskError(400, "InvalidJSON", "The request body must be a JSON object with a ticket member")
        }
        var details: [String: Any] = [:]
        func invalid(_ field: String, _ description: String, _ error: String) {
            details[field] = [["description": description, "error": error]]
        }
        let comment = fields["comment"] as? [String: Any]
        let text = (comment?["body"] as? String) ?? (comment?["html_body"] as? String) ?? ""
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { invalid("base", "Description: cannot be blank", "BlankValue") }
        let priority = fields["priority"] as? String
        if let priority, !Self.priorities.contains(priority) { invalid("priority", "Priority: is not valid", "InvalidValue") }
        let type = fields["type"] as? String
        if let type, !Self.types.contains(type) { invalid("type", "Type: is not valid", "InvalidValue") }
        var tags: [String] = []
        if let raw = fields["tags"] {
            if let list = raw as? [Any], list.allSatisfy({ $0 is String }) {
                tags = list.compactMap { ($0 as? String)?.lowercased().replacingOccurrences(of: " ", with: "_") }
            } else {
                invalid("tags", "Tags: is not valid", "InvalidValue")
            }
        }
        let requester = fields["requester"] as? [String: Any]
        let email = requester?["email"] as? String
        if let email, !Self.isEmail(email) { invalid("requester", "Requester: Email \(email) is not properly formatted", "InvalidValue") }
        guard details.isEmpty else { return zendeskError(422, "RecordInvalid", "Record validation errors", details: details) }
        let subject = (fields["subject"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? String(text.prefix(80))
        let isPublic = (comment?["public"] as? Bool) ?? true
        let ticket = state.withLock { state -> Ticket in
            var requesterID = Self.meID
            if let email {
                if let known = state.users.first(where: { $0.email.lowercased() == email.lowercased() }) {
                    requesterID = known.id
                } else {
                    requesterID = 30_000 + state.users.count
                    let name = (requester?["name"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? String(email.prefix { $0 != "@" })
                    state.users.append(User(id: requesterID, name: name, email: email, role: "end-user"))
                }
            }
            state.clock += 1
            let time = Self.timestamp(Self.seedEpoch.addingTimeInterval(86_400 * 60 + TimeInterval(state.clock)))
            let ticket = Ticket(
                id: (state.tickets.map(\.id).max() ?? 0) + 1, subject: subject, description: text, status: "new", priority: priority,
                type: type, requesterID: requesterID, tags: tags, isPublic: isPublic, createdAt: time, updatedAt: time)
            state.tickets.append(ticket)
            return ticket
        }
        var headers = HTTPHeaders()
        headers.add(name: "Location", value: "\(apiBaseURL)/tickets/\(ticket.id).json")
        return .json(201, object: ["ticket": render(ticket), "audit": ["ticket_id": ticket.id, "author_id": Self.meID]], headers: headers)
    }

    /// `GET /api/v2/tickets`: cursor pagination when `page[size]` is given (≤ 100; `page[after]`,
    /// `page[before]`; `sort`), offset pagination otherwise (`page`, `per_page`, `sort_by`, `sort_order`).
    func listTickets(_ request: Request) -> Reply {
        let query = request.queryItems
        guard let rawSize = query["page[size]"]?.last else { return offsetTickets(query) }
        guard let size = Int(rawSize), size >= 1 else {
            return zendeskError(400, "InvalidPaginationParameter", "page[size] must be a positive integer")
        }
        guard size <= 100 else { return zendeskError(400, "InvalidPaginationParameter", "page[size] is greater than the maximum of 100") }
        let sort = query["sort"]?.last ?? "id"
        guard Self.cursorSorts.contains(sort) else {
            return zendeskError(
                400, "InvalidPaginationParameter", "sort is not valid with cursor pagination: use id, status or updated_at, optionally with -")
        }
        let ordered = Self.sorted(state.withLock { $0.tickets }, by: sort)
        var start = 0
        var end: Int?
        if let after = query["page[after]"]?.last {
            guard let position = Self.decodeCursor(after, sort: sort) else {
                return zendeskError(400, "InvalidPaginationParameter", "page[after] is not a valid cursor")
            }
            start = position + 1
        } else if let before = query["page[before]"]?.last {
            guard let position = Self.decodeCursor(before, sort: sort) else {
                return zendeskError(400, "InvalidPaginationParameter", "page[before] is not a valid cursor")
            }
            end = position
            start = max(0, position - size)
        }
        let stop = min(end ?? (start + size), ordered.count)
        let page = start < stop ? Array(ordered[start..<stop]) : []
        let first = page.isEmpty ? nil : Self.encodeCursor(start, sort: sort)
        let last = page.isEmpty ? nil : Self.encodeCursor(start + page.count - 1, sort: sort)
        let hasMore = end == nil ? start + page.count < ordered.count : start > 0
        func link(_ name: String, _ cursor: String?) -> Any {
            guard let cursor else { return NSNull() }
            return "\(apiBaseURL)/tickets.json?page%5B\(name)%5D=\(cursor)&page%5Bsize%5D=\(size)&sort=\(sort)"
        }
        let body: [String: Any] = [
            "tickets": page.map { render($0) },
            "meta": ["has_more": hasMore, "after_cursor": last.map { $0 as Any } ?? NSNull(), "before_cursor": first.map { $0 as Any } ?? NSNull()],
            "links": ["next": link("after", last), "prev": link("before", first)],
        ]
        return .json(200, object: body)
    }

    /// Offset pagination: `{tickets, next_page, previous_page, count}`; past the first 10,000
    /// records it is 400 (since 2023-08-15).
    private func offsetTickets(_ query: [String: [String]]) -> Reply {
        let page = query["page"]?.last.flatMap(Int.init) ?? 1
        let perPage = min(100, max(1, query["per_page"]?.last.flatMap(Int.init) ?? 100))
        guard page >= 1 else { return zendeskError(400, "InvalidPaginationParameter", "page must be a positive integer") }
        guard page * perPage <= 10_000 else {
            return zendeskError(400, "InvalidPaginationParameter", "Offset pagination is limited to the first 10,000 records: use cursor pagination")
        }
        let field = query["sort_by"]?.last ?? "id"
        let descending = query["sort_order"]?.last == "desc"
        let all = Self.sorted(state.withLock { $0.tickets }, by: descending ? "-" + field : field)
        let slice = all.dropFirst((page - 1) * perPage).prefix(perPage)
        func link(_ number: Int) -> Any {
            guard number >= 1, (number - 1) * perPage < all.count else { return NSNull() }
            return "\(apiBaseURL)/tickets.json?page=\(number)&per_page=\(perPage)"
        }
        return .json(
            200, object: ["tickets": slice.map { render($0) }, "next_page": link(page + 1), "previous_page": link(page - 1), "count": all.count])
    }

    /// `tickets` ordered by `sort` (`-` descending), ties by id.
    static func sorted(_ tickets: [Ticket], by sort: String) -> [Ticket] {
        let descending = sort.hasPrefix("-")
        let field = descending ? String(sort.dropFirst()) : sort
        func key(_ ticket: Ticket) -> String {
            switch field {
            case "status": String(statuses.firstIndex(of: ticket.status) ?? 0)
            case "updated_at": ticket.updatedAt
            case "created_at": ticket.createdAt
            case "priority": String(priorities.firstIndex(of: ticket.priority ?? "") ?? -1)
            default: String(format: "%012d", ticket.id)
            }
        }
        return tickets.sorted { left, right in
            let (a, b) = (key(left), key(right))
            guard a != b else { return descending ? left.id > right.id : left.id < right.id }
            return descending ? a > b : a < b
        }
    }

    static func encodeCursor(_ position: Int, sort: String) -> String {
        Data("zd1:\(sort):\(position)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// The position a cursor points at, if it is one of ours for `sort`.
    static func decodeCursor(_ cursor: String, sort: String) -> Int? {
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: ":", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "zd1", parts[1] == sort, let position = Int(parts[2]), position >= 0 else { return nil }
        return position
    }

    /// One `@`, a non-empty local part, a dotted domain with a letter TLD, no spaces.
    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !text.contains(" ") else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }), let tld = labels.last else { return false }
        return tld.count >= 2 && tld.allSatisfy(\.isLetter)
    }
}
