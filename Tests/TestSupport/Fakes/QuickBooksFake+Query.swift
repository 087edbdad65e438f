// The query endpoint of `QuickBooksFake` (`GET /v3/company/{realmId}/query?query=<select>`), as
// QuickBooksFake.swift cites it
// (https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries,
// https://developer.intuit.com/hub/blog/2017/02/08/deep-dive-sql-queries/): SELECT * or count(*)
// FROM one entity, WHERE clauses joined by AND (=, <, >, <=, >=, LIKE with %, IN), ORDERBY,
// STARTPOSITION (1-based) and MAXRESULTS (100 by default, at most 1000); parse errors are 4000,
// unknown properties 4001 (their wording assumed).

import Foundation
import Synchronization

extension QuickBooksFake {
    /// The properties each entity can be filtered and sorted by (lower case).
    static let queryable: [String: Set<String>] = [
        "Invoice": [
            "id", "docnumber", "txndate", "duedate", "customerref", "balance", "totalamt", "metadata.createtime", "metadata.lastupdatedtime",
        ],
        "Customer": [
            "id", "displayname", "givenname", "familyname", "companyname", "active", "balance", "primaryemailaddr", "metadata.createtime",
            "metadata.lastupdatedtime",
        ],
    ]

    struct Condition {
        var property: String
        var op: String
        var values: [String]
    }

    struct Statement {
        var count = false
        var entity = ""
        var conditions: [Condition] = []
        var order: [(property: String, descending: Bool)] = []
        var start = 1
        var max = 100
    }

    enum QueryRefusal: Error {
        case parse(String)
        case invalid(String)
    }

    func query(_ request: Request, realm: String) -> Reply {
        guard let text = request.queryItems["query"]?.last, !text.isEmpty else {
            return Self.fault(400, "Error parsing query", "QueryParserError: the query parameter is missing", code: "4000")
        }
        let statement: Statement
        do {
            statement = try Self.parse(text)
        } catch QueryRefusal.parse(let detail) {
            return Self.fault(400, "Error parsing query", "QueryParserError: \(detail)", code: "4000")
        } catch QueryRefusal.invalid(let detail) {
            return Self.fault(400, "Invalid query", "QueryValidationError: \(detail)", code: "4001")
        } catch {
            return Self.fault(400, "Error parsing query", "QueryParserError", code: "4000")
        }
        guard let company = state.withLock({ $0.companies[realm] }) else {
            return Self.fault(400, "Object Not Found", "Company not found", code: "610")
        }
        var rows: [[String: Any]] =
            statement.entity == "Invoice"
            ? company.invoices.map { Self.invoiceJSON($0, company: company) }
            : company.customers.map(Self.customerJSON)
        var conditions = statement.conditions
        if statement.entity == "Customer", !conditions.contains(where: { $0.property == "active" }) {
            conditions.append(Condition(property: "active", op: "=", values: ["true"]))  // SELECT * FROM Customer: the active ones
        }
        rows = rows.filter { row in conditions.allSatisfy { Self.holds($0, Self.value($0.property, in: row)) } }
        for key in statement.order.reversed() {
            rows = rows.enumerated().sorted { a, b in
                let x = Self.value(key.property, in: a.element) ?? "", y = Self.value(key.property, in: b.element) ?? ""
                if Self.compare(x, y) == 0 { return a.offset < b.offset }
                return key.descending ? Self.compare(x, y) > 0 : Self.compare(x, y) < 0
            }.map(\.element)
        }
        if statement.count { return .json(200, object: ["QueryResponse": ["totalCount": rows.count], "time": Self.now]) }
        let from = statement.start - 1
        let page = from < rows.count ? Array(rows[from..<min(rows.count, from + statement.max)]) : []
        guard !page.isEmpty else { return .json(200, object: ["QueryResponse": [String: Any](), "time": Self.now]) }
        return .json(
            200,
            object: [
                "QueryResponse": [statement.entity: page, "startPosition": statement.start, "maxResults": page.count] as [String: Any],
                "time": Self.now,
            ])
    }

    // MARK: - Parsing

    static func tokens(_ text: String) throws -> [String] {
        var tokens: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character.isWhitespace {
                index = text.index(after: index)
            } else if character == "'" {
                var value = "'"
                index = text.index(after: index)
                var closed = false
                while index < text.endIndex {
                    let next = text[index]
                    if next == "\\", text.index(after: index) < text.endIndex {
                        value.append(text[text.index(after: index)])
                        index = text.index(index, offsetBy: 2)
                        continue
                    }
                    index = text.index(after: index)
                    if next == "'" {
                        closed = true
                        break
                    }
                    value.append(next)
                }
                guard closed else { throw QueryRefusal.parse("unterminated string") }
                tokens.append(value)
            } else if "<>=".contains(character) {
                var op = String(character)
                index = text.index(after: index)
                if index < text.endIndex, text[index] == "=" {
                    op.append("=")
                    index = text.index(after: index)
                }
                tokens.append(op)
            } else if "(),".contains(character) {
                tokens.append(String(character))
                index = text.index(after: index)
            } else {
                var word = ""
                while index < text.endIndex, !text[index].isWhitespace, !"'<>=(),".contains(text[index]) {
                    word.append(text[index])
                    index = text.index(after: index)
                }
                tokens.append(word)
            }
        }
        return tokens
    }

    static func parse(_ text: String) throws -> Statement {
        var tokens = try Self.tokens(text)[...]
        func next() throws -> String {
            guard let token = tokens.popFirst() else { throw QueryRefusal.parse("Encountered end of statement") }
            return token
        }
        func expect(_ word: String) throws {
            let token = try next()
            guard token.uppercased() == word else { throw QueryRefusal.parse("Encountered \"\(token)\", expected \(word)") }
        }
        func isKeyword(_ word: String) -> Bool { tokens.first?.uppercased() == word }
        var statement = Statement()
        try expect("SELECT")
        if isKeyword("*") {
            _ = try next()
        } else if isKeyword("COUNT") {
            _ = try next()
            try expect("(")
            try expect("*")
            try expect(")")
            statement.count = true
        } else {
            throw QueryRefusal.invalid("projections are not supported; select * or count(*)")
        }
        try expect("FROM")
        statement.entity = try next()
        guard let properties = queryable[statement.entity] else { throw QueryRefusal.parse("Invalid entity \(statement.entity)") }
        if isKeyword("WHERE") {
            _ = try next()
            while true {
                let property = try next().lowercased()
                guard properties.contains(property) else { throw QueryRefusal.invalid("property '\(property)' is not queryable") }
                let op = try next().uppercased()
                var values: [String] = []
                switch op {
                case "=", "<", ">", "<=", ">=", "LIKE": values = [try literal(try next())]
                case "IN":
                    try expect("(")
                    repeat {
                        values.append(try literal(try next()))
                    } while try next() == ","
                default: throw QueryRefusal.parse("Encountered \"\(op)\": unsupported operator")
                }
                statement.conditions.append(Condition(property: property, op: op, values: values))
                if isKeyword("OR") { throw QueryRefusal.parse("OR is not supported") }
                guard isKeyword("AND") else { break }
                _ = try next()
            }
        }
        if isKeyword("ORDERBY") {
            _ = try next()
            while true {
                let property = try next().lowercased()
                guard properties.contains(property) else { throw QueryRefusal.invalid("property '\(property)' is not queryable") }
                var descending = false
                if isKeyword("DESC") || isKeyword("ASC") { descending = try next().uppercased() == "DESC" }
                statement.order.append((property, descending))
                guard isKeyword(",") else { break }
                _ = try next()
            }
        }
        if isKeyword("STARTPOSITION") {
            _ = try next()
            guard let start = Int(try next()), start >= 1 else { throw QueryRefusal.parse("STARTPOSITION must be a positive number") }
            statement.start = start
        }
        if isKeyword("MAXRESULTS") {
            _ = try next()
            guard let max = Int(try next()), max >= 1 else { throw QueryRefusal.parse("MAXRESULTS must be a positive number") }
            statement.max = min(max, 1000)
        }
        if let extra = tokens.first { throw QueryRefusal.parse("Encountered \"\(extra)\" at the end of the statement") }
        return statement
    }

    /// A value's text: a quoted string without its quotes, a number, true or false.
    static func literal(_ token: String) throws -> String {
        if token.hasPrefix("'") { return String(token.dropFirst()) }
        guard Double(token) != nil || ["true", "false"].contains(token.lowercased()) else {
            throw QueryRefusal.parse("Encountered \"\(token)\": values are quoted")
        }
        return token.lowercased()
    }

    // MARK: - Evaluation

    /// The text of `property` (case-insensitive dot path) in an entity's JSON; a reference
    /// (CustomerRef) or an address object (PrimaryEmailAddr) by its value.
    static func value(_ property: String, in row: [String: Any]) -> String? {
        var current: Any? = row
        for segment in property.split(separator: ".") {
            guard let object = current as? [String: Any] else { return nil }
            current = object.first { $0.key.lowercased() == segment }?.value
        }
        if let object = current as? [String: Any] { current = object["value"] ?? object["Address"] }
        switch current {
        case let flag as Bool: return flag ? "true" : "false"
        case let number as NSNumber: return number.stringValue
        case let text as String: return text
        default: return nil
        }
    }

    static func compare(_ a: String, _ b: String) -> Int {
        if let x = Double(a), let y = Double(b) { return x < y ? -1 : x > y ? 1 : 0 }
        return a < b ? -1 : a > b ? 1 : 0
    }

    static func holds(_ condition: Condition, _ value: String?) -> Bool {
        guard let value else { return false }
        let wanted = condition.values.first ?? ""
        switch condition.op {
        case "=": return compare(value, wanted) == 0 || value.lowercased() == wanted.lowercased()
        case "<": return compare(value, wanted) < 0
        case ">": return compare(value, wanted) > 0
        case "<=": return compare(value, wanted) <= 0
        case ">=": return compare(value, wanted) >= 0
        case "IN": return condition.values.contains { compare(value, $0) == 0 }
        case "LIKE":
            let pattern = "^" + NSRegularExpression.escapedPattern(for: wanted).replacingOccurrences(of: "%", with: ".*") + "$"
            return value.range(of: pattern, options: [.regularExpression, .caseInsensitive]) != nil
        default: return false
        }
    }
}
