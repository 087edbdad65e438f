// NetSuite's REST record service in `NetSuiteFake`, as NetSuiteFake.swift cites it: the customer
// collection with its paging and `q` filter
// (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156414087576.html,
// https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1545222128.html), one
// customer, and record creation answered 204 with a `Location`
// (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1545141395.html).

import Foundation
import HTTPFields
import Synchronization

extension NetSuiteFake {
    /// The most records (or SuiteQL rows) a page holds, and the default page size.
    public static let maxPageSize = 1000

    /// The `limit` and `offset` of a paged request, or the refusal.
    func paging(_ request: Request) -> (limit: Int, offset: Int, refusal: Reply?) {
        let query = request.queryItems
        var limit = Self.maxPageSize
        var offset = 0
        if let text = query["limit"]?.last {
            guard let value = Int(text), (1...Self.maxPageSize).contains(value) else {
                return (
                    0, 0,
                    Self.error(
                        400, "INVALID_PARAMETER", "Invalid value for query parameter limit: \(text). Provide a value from 1 to 1000.",
                        extra: ["o:errorQueryParam": "limit"])
                )
            }
            limit = value
        }
        if let text = query["offset"]?.last {
            guard let value = Int(text), value >= 0 else {
                return (
                    0, 0,
                    Self.error(400, "INVALID_PARAMETER", "Invalid value for query parameter offset: \(text).", extra: ["o:errorQueryParam": "offset"])
                )
            }
            offset = value
        }
        return (limit, offset, nil)
    }

    /// One page of `all`: {links, count, hasMore, items, offset, totalResults}, the links keeping
    /// the request's other query parameters.
    func page(_ all: [[String: Any]], limit: Int, offset: Int, request: Request) -> Reply {
        let slice = offset < all.count ? Array(all[offset..<min(all.count, offset + limit)]) : []
        let hasMore = offset + slice.count < all.count
        let kept = (URLComponents(string: "x?" + (request.query ?? ""))?.queryItems ?? []).filter { $0.name != "limit" && $0.name != "offset" }
        func link(_ rel: String, _ at: Int) -> [String: String] {
            var components = URLComponents(string: baseURL + request.path)
            components?.queryItems = kept + [URLQueryItem(name: "limit", value: String(limit)), URLQueryItem(name: "offset", value: String(at))]
            return ["rel": rel, "href": components?.string ?? ""]
        }
        var links: [[String: String]] = []
        if offset > 0 { links.append(link("previous", max(0, offset - limit))) }
        links.append(link("first", 0))
        if hasMore { links.append(link("next", offset + limit)) }
        links.append(link("last", all.isEmpty ? 0 : (all.count - 1) / limit * limit))
        links.append(link("self", offset))
        var reply = Reply.json(
            200, object: ["links": links, "count": slice.count, "hasMore": hasMore, "items": slice, "offset": offset, "totalResults": all.count])
        reply.headers.replaceOrAdd(name: "Content-Type", value: "application/vnd.oracle.resource+json; type=collection")
        return reply
    }

    // MARK: - GET /record/v1/customer

    func listCustomers(_ request: Request) -> Reply {
        let (limit, offset, refusal) = paging(request)
        if let refusal { return refusal }
        var chosen = customers
        if let q = request.queryItems["q"]?.last {
            switch Self.filter(q) {
            case .failure(let refusal):
                return Self.error(
                    400, "INVALID_PARAMETER", "Invalid search query. Detailed unprocessed description follows. \(refusal.message)",
                    extra: ["o:errorQueryParam": "q"])
            case .success(let groups):
                chosen = chosen.filter { customer in groups.contains { group in group.allSatisfy { Self.holds($0, for: customer) } } }
            }
        }
        let items: [[String: Any]] = chosen.map { ["links": [["rel": "self", "href": restBaseURL + "/record/v1/customer/\($0.id)"]], "id": $0.id] }
        return page(items, limit: limit, offset: offset, request: request)
    }

    // MARK: - GET /record/v1/customer/{id}

    func customer(_ id: String) -> Reply {
        let (found, subsidiaries) = state.withLock { ($0.customers.first { $0.id == id }, $0.subsidiaries) }
        guard let customer = found else {
            return Self.error(
                404, "NONEXISTENT_ID", "The record instance does not exist. Provide a valid record instance ID.",
                extra: ["o:errorUrl": "/services/rest/record/v1/customer/\(id)"])
        }
        var record: [String: Any] = [
            "links": [["rel": "self", "href": restBaseURL + "/record/v1/customer/\(customer.id)"]], "id": customer.id,
            "entityId": customer.entityId, "isPerson": customer.isPerson, "balance": customer.balance, "dateCreated": customer.dateCreated,
            "subsidiary": [
                "links": [["rel": "self", "href": restBaseURL + "/record/v1/subsidiary/\(customer.subsidiary)"]], "id": customer.subsidiary,
                "refName": subsidiaries[customer.subsidiary] ?? "",
            ] as [String: Any],
        ]
        for (name, value) in [
            ("companyName", customer.companyName), ("firstName", customer.firstName), ("lastName", customer.lastName),
            ("email", customer.email), ("phone", customer.phone),
        ] {
            if let value { record[name] = value }
        }
        var reply = Reply.json(200, object: record)
        reply.headers.replaceOrAdd(name: "Content-Type", value: "application/vnd.oracle.resource+json; type=singular")
        return reply
    }

    // MARK: - POST /record/v1/customer, /record/v1/invoice

    /// A JSON object's members by lower-cased name (field names are not case-sensitive).
    static func members(_ request: Request) -> [String: Any]? {
        guard let body = request.json as? [String: Any] else { return nil }
        return Dictionary(body.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// A reference's `id` (`{"id": "1"}`), as a string.
    static func referenceID(_ value: Any?) -> String? {
        guard let object = value as? [String: Any], let id = object["id"] else { return nil }
        if let text = id as? String { return text }
        if let number = id as? Int { return String(number) }
        return nil
    }

    static func text(_ value: Any?) -> String? { (value as? String).flatMap { $0.isEmpty ? nil : $0 } }

    static func created(_ url: String) -> Reply {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "Location", value: url)
        return Reply(status: 204, headers: headers)
    }

    static func missing(_ label: String, path: String) -> Reply {
        error(400, "USER_ERROR", "Error while accessing a resource. Please enter value(s) for: \(label).", extra: ["o:errorPath": path])
    }

    static func invalid(_ value: String, field: String, path: String) -> Reply {
        error(
            400, "INVALID_CONTENT",
            "Error while accessing a resource. You have entered an Invalid Field Value \(value) for the following field: \(field)",
            extra: ["o:errorPath": path])
    }

    func createCustomer(_ request: Request) -> Reply {
        guard let body = Self.members(request) else { return Self.error(400, "INVALID_CONTENT", "The request body must be a JSON object.") }
        guard let subsidiary = Self.referenceID(body["subsidiary"]) else { return Self.missing("Primary Subsidiary", path: "subsidiary") }
        let isPerson = (body["isperson"] as? Bool) ?? false
        let company = Self.text(body["companyname"])
        let first = Self.text(body["firstname"])
        let last = Self.text(body["lastname"])
        if isPerson, first == nil || last == nil { return Self.missing("First Name, Last Name", path: first == nil ? "firstName" : "lastName") }
        if !isPerson, company == nil { return Self.missing("Company Name", path: "companyName") }
        return state.withLock { store -> Reply in
            guard store.subsidiaries[subsidiary] != nil else { return Self.invalid(subsidiary, field: "subsidiary", path: "subsidiary") }
            store.nextID += 1
            let id = String(store.nextID)
            let name = company ?? [first, last].compactMap { $0 }.joined(separator: " ")
            store.customers.append(
                Customer(
                    id: id, entityId: Self.text(body["entityid"]) ?? "CUST\(id) \(name)", companyName: company, firstName: first, lastName: last,
                    isPerson: isPerson, email: Self.text(body["email"]), phone: Self.text(body["phone"]), balance: 0, subsidiary: subsidiary,
                    dateCreated: ISO8601DateFormatter().string(from: Date())))
            return Self.created(restBaseURL + "/record/v1/customer/\(id)")
        }
    }

    func createInvoice(_ request: Request) -> Reply {
        guard let body = Self.members(request) else { return Self.error(400, "INVALID_CONTENT", "The request body must be a JSON object.") }
        guard let entity = Self.referenceID(body["entity"]) else { return Self.missing("Customer", path: "entity") }
        guard let lines = (body["item"] as? [String: Any])?["items"] as? [[String: Any]], !lines.isEmpty else {
            return Self.error(400, "USER_ERROR", "You must enter at least one line item for this transaction.", extra: ["o:errorPath": "item"])
        }
        let tranDate = Self.text(body["trandate"]) ?? Self.today()
        return state.withLock { store -> Reply in
            guard store.customers.contains(where: { $0.id == entity }) else { return Self.invalid(entity, field: "entity", path: "entity") }
            var made: [Line] = []
            for (index, line) in lines.enumerated() {
                guard let item = Self.referenceID(line["item"]) else { return Self.missing("Item", path: "item.items[\(index)].item") }
                guard let known = store.items[item] else { return Self.invalid(item, field: "item", path: "item.items[\(index)].item") }
                let quantity = (line["quantity"] as? Double) ?? 1
                let rate = (line["rate"] as? Double) ?? known.price
                let amount = (line["amount"] as? Double) ?? quantity * rate
                made.append(Line(item: item, quantity: quantity, rate: rate, amount: amount, description: Self.text(line["description"])))
            }
            store.nextID += 1
            let id = String(store.nextID)
            store.invoices.append(
                Invoice(
                    id: id, tranId: "INV\(1000 + store.invoices.count + 1)", entity: entity, tranDate: tranDate, dueDate: Self.text(body["duedate"]),
                    memo: Self.text(body["memo"]), lines: made, status: "A"))
            return Self.created(restBaseURL + "/record/v1/invoice/\(id)")
        }
    }

    // MARK: - Record collection filtering (`q`)

    /// One `field OPERATOR value…` condition.
    struct Condition: Sendable {
        var field: String
        var op: String
        var values: [String]
    }

    static let stringOperators: Set<String> = [
        "CONTAIN", "CONTAIN_NOT", "IS", "IS_NOT", "START_WITH", "START_WITH_NOT", "END_WITH", "END_WITH_NOT", "EMPTY", "EMPTY_NOT",
    ]
    static let numberOperators: Set<String> = [
        "EQUAL", "EQUAL_NOT", "GREATER", "GREATER_NOT", "GREATER_OR_EQUAL", "GREATER_OR_EQUAL_NOT", "LESS", "LESS_NOT", "LESS_OR_EQUAL",
        "LESS_OR_EQUAL_NOT", "BETWEEN", "BETWEEN_NOT", "EMPTY", "EMPTY_NOT",
    ]

    /// A customer field's type and value, by case-insensitive name; nil for an unknown field.
    static func field(_ name: String, of customer: Customer?) -> (kind: String, value: String?)? {
        switch name.lowercased() {
        case "companyname": ("string", customer?.companyName)
        case "email": ("string", customer?.email)
        case "entityid": ("string", customer?.entityId)
        case "phone": ("string", customer?.phone)
        case "firstname": ("string", customer?.firstName)
        case "lastname": ("string", customer?.lastName)
        case "balance": ("number", customer.map { String($0.balance) })
        case "id": ("number", customer?.id)
        case "isperson": ("boolean", customer.map { String($0.isPerson) })
        default: nil
        }
    }

    /// `q` as OR-ed groups of AND-ed conditions, or why it is refused.
    static func filter(_ q: String) -> Result<[[Condition]], FilterError> {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        for character in q {
            if character == "\"" {
                quoted.toggle()
                if !quoted { tokens.append(current); current = "" }
            } else if character == " " && !quoted {
                if !current.isEmpty { tokens.append(current); current = "" }
            } else {
                current.append(character)
            }
        }
        if quoted { return .failure(FilterError("Unterminated string literal.")) }
        if !current.isEmpty { tokens.append(current) }
        var groups: [[Condition]] = [[]]
        var index = 0
        while index < tokens.count {
            guard index + 1 < tokens.count, let kind = field(tokens[index], of: nil)?.kind else {
                return .failure(FilterError("Search error occurred: Field '\(tokens[index])' for record 'customer' was not found."))
            }
            let op = tokens[index + 1].uppercased()
            let allowed = kind == "string" ? stringOperators : kind == "number" ? numberOperators : ["IS", "IS_NOT"]
            guard allowed.contains(op) else {
                return .failure(FilterError("Search error occurred: Operator \(op) is not valid for field \(tokens[index]) of type \(kind)."))
            }
            let arity = op.hasPrefix("EMPTY") ? 0 : op.hasPrefix("BETWEEN") ? 2 : 1
            guard index + 2 + arity <= tokens.count else { return .failure(FilterError("Search error occurred: Missing value for \(op).")) }
            groups[groups.count - 1].append(Condition(field: tokens[index], op: op, values: Array(tokens[(index + 2)..<(index + 2 + arity)])))
            index += 2 + arity
            if index < tokens.count {
                switch tokens[index].uppercased() {
                case "AND": break
                case "OR": groups.append([])
                default: return .failure(FilterError("Search error occurred: Expected AND or OR, found '\(tokens[index])'."))
                }
                index += 1
                if index == tokens.count { return .failure(FilterError("Search error occurred: A condition must follow AND or OR.")) }
            }
        }
        return .success(groups)
    }

    /// Why a `q` filter is refused.
    struct FilterError: Error, Sendable {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// Whether `condition` holds for `customer` (strings compared without regard to case).
    static func holds(_ condition: Condition, for customer: Customer) -> Bool {
        guard let found = field(condition.field, of: customer) else { return false }
        let kind = found.kind
        let value = (found.value ?? "").lowercased()
        let wanted = condition.values.map { $0.lowercased() }
        let negated = condition.op.hasSuffix("_NOT")
        let op = negated ? String(condition.op.dropLast(4)) : condition.op
        let result: Bool
        switch (kind, op) {
        case (_, "EMPTY"): result = value.isEmpty
        case ("string", "CONTAIN"): result = value.contains(wanted[0])
        case ("string", "IS"), ("boolean", "IS"): result = value == wanted[0]
        case ("string", "START_WITH"): result = value.hasPrefix(wanted[0])
        case ("string", "END_WITH"): result = value.hasSuffix(wanted[0])
        case ("number", _):
            guard let number = Double(value), let first = Double(wanted[0]) else { return false }
            switch op {
            case "EQUAL": result = number == first
            case "GREATER": result = number > first
            case "GREATER_OR_EQUAL": result = number >= first
            case "LESS": result = number < first
            case "LESS_OR_EQUAL": result = number <= first
            case "BETWEEN": result = number >= first && number <= (Double(wanted[1]) ?? first)
            default: result = false
            }
        default: result = false
        }
        return negated ? !result : result
    }
}
