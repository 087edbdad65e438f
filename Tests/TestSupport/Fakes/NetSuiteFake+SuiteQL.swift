// SuiteQL through REST web services in `NetSuiteFake`, as NetSuiteFake.swift cites it
// (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157909186990.html,
// https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158394344595.html): `POST
// /query/v1/suiteql` with `Prefer: transient`, the query in the body's `q`, paged by `limit` and
// `offset` like a record collection. The fake understands `SELECT <columns> FROM transaction
// [alias] [WHERE <a> <op> <b> AND …] [ORDER BY <column> [ASC|DESC]]` over its invoices
// (`type` CustInvc); anything else is refused the way NetSuite refuses a query it cannot run.

import Foundation
import HTTPFields
import Synchronization

extension NetSuiteFake {
    /// The `transaction` columns this fake can select and compare.
    public static let transactionColumns: Set<String> = [
        "id", "tranid", "trandate", "entity", "foreigntotal", "status", "type", "duedate", "memo",
    ]

    /// One comparison of a WHERE clause.
    struct Comparison: Sendable {
        var left: String
        var op: String
        var right: String
    }

    /// A parsed query.
    struct SuiteQLQuery: Sendable {
        var columns: [String]
        var conditions: [Comparison]
        var order: (column: String, descending: Bool)?
    }

    func suiteQL(_ request: Request) -> Reply {
        guard request.header("Prefer")?.lowercased().contains("transient") == true else {
            return Self.error(
                400, "INVALID_HEADER", "Invalid value for the Prefer header. SuiteQL queries require Prefer: transient.",
                extra: ["o:errorHeader": "Prefer"])
        }
        let (limit, offset, refusal) = paging(request)
        if let refusal { return refusal }
        guard let body = request.json as? [String: Any], let q = body["q"] as? String, !q.isEmpty else {
            return Self.error(400, "INVALID_CONTENT", "The request body must be a JSON object with the query in q.", extra: ["o:errorPath": "q"])
        }
        let query: SuiteQLQuery
        switch Self.parseSuiteQL(q) {
        case .failure(let refusal):
            return Self.error(
                400, "INVALID_PARAMETER", "Invalid search query. Detailed unprocessed description follows. Search error occurred: \(refusal.message)")
        case .success(let parsed): query = parsed
        }
        var rows = invoices.map(Self.row)
        rows = rows.filter { row in query.conditions.allSatisfy { Self.holds($0, row: row) } }
        let order = query.order ?? (column: "id", descending: false)
        rows.sort { a, b in
            let ordered = Self.less(a[order.column] ?? nil, b[order.column] ?? nil)
            let reverse = Self.less(b[order.column] ?? nil, a[order.column] ?? nil)
            if !ordered && !reverse { return Self.less(a["id"] ?? nil, b["id"] ?? nil) }
            return order.descending ? reverse : ordered
        }
        let items: [[String: Any]] = rows.map { row in
            var item: [String: Any] = ["links": [[String: String]]()]
            for column in query.columns {
                guard let value = row[column] ?? nil else { continue }  // null columns are left out
                item[column] = column == "trandate" || column == "duedate" ? Self.userDate(value) : value
            }
            return item
        }
        return page(items, limit: limit, offset: offset, request: request)
    }

    /// An invoice as a `transaction` row, dates as `YYYY-MM-DD`, every value a string.
    static func row(_ invoice: Invoice) -> [String: String?] {
        let total = invoice.total
        return [
            "id": invoice.id, "tranid": invoice.tranId, "trandate": invoice.tranDate, "entity": invoice.entity,
            "foreigntotal": total.rounded() == total ? String(Int(total)) : String(total), "status": invoice.status, "type": "CustInvc",
            "duedate": invoice.dueDate, "memo": invoice.memo,
        ]
    }

    /// `YYYY-MM-DD` as the default user date preference writes it, `M/D/YYYY`.
    static func userDate(_ iso: String) -> String {
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return iso }
        return "\(parts[1])/\(parts[2])/\(parts[0])"
    }

    /// Numbers by value, other text by text; a null sorts first.
    static func less(_ a: String?, _ b: String?) -> Bool {
        guard let a else { return b != nil }
        guard let b else { return false }
        if let x = Double(a), let y = Double(b) { return x < y }
        return a < b
    }

    /// An operand: a quoted literal, a number, or a column of `row` (nil: NULL).
    static func operand(_ text: String, row: [String: String?]) -> String? {
        if text.hasPrefix("'"), text.hasSuffix("'"), text.count >= 2 { return String(text.dropFirst().dropLast()) }
        if Double(text) != nil { return text }
        return row[column(text)] ?? nil
    }

    /// A column name without its table alias, lower-cased.
    static func column(_ text: String) -> String {
        String(text.split(separator: ".").last ?? Substring(text)).lowercased()
    }

    static func holds(_ comparison: Comparison, row: [String: String?]) -> Bool {
        guard let left = operand(comparison.left, row: row), let right = operand(comparison.right, row: row) else { return false }
        switch comparison.op {
        case "=": return left == right || Double(left).map { $0 == Double(right) } == true
        case "<>", "!=": return !(left == right || Double(left).map { $0 == Double(right) } == true)
        case ">": return less(right, left)
        case "<": return less(left, right)
        case ">=": return !less(left, right)
        case "<=": return !less(right, left)
        case "LIKE": return like(left.lowercased(), pattern: right.lowercased())
        default: return false
        }
    }

    /// `%` as any run of characters, `_` as one.
    static func like(_ text: String, pattern: String) -> Bool {
        let pattern =
            "^"
            + NSRegularExpression.escapedPattern(for: pattern).replacingOccurrences(of: "%", with: ".*")
            .replacingOccurrences(of: "_", with: ".") + "$"
        return text.range(of: pattern, options: .regularExpression) != nil
    }

    /// Why a query is refused.
    struct QueryError: Error, Sendable {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// Parses the subset of SuiteQL this fake runs.
    static func parseSuiteQL(_ q: String) -> Result<SuiteQLQuery, QueryError> {
        let text = q.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
        guard text.lowercased().hasPrefix("select "), let from = text.range(of: " FROM ", options: .caseInsensitive) else {
            return .failure(QueryError("Syntax error: only SELECT … FROM … statements can be run."))
        }
        let columns = text[text.index(text.startIndex, offsetBy: 7)..<from.lowerBound].split(separator: ",").map {
            column($0.trimmingCharacters(in: .whitespaces))
        }
        var rest = String(text[from.upperBound...])
        var order: (column: String, descending: Bool)?
        if let orderBy = rest.range(of: " ORDER BY ", options: .caseInsensitive) {
            let words = rest[orderBy.upperBound...].split(separator: " ").map(String.init)
            guard let first = words.first, words.count <= 2 else { return .failure(QueryError("Syntax error in ORDER BY.")) }
            guard transactionColumns.contains(column(first)) else {
                return .failure(QueryError("Field '\(column(first))' for record 'transaction' was not found."))
            }
            order = (column(first), words.count == 2 && words[1].uppercased() == "DESC")
            rest = String(rest[..<orderBy.lowerBound])
        }
        var conditions: [Comparison] = []
        if let whereRange = rest.range(of: " WHERE ", options: .caseInsensitive) {
            var clause = String(rest[whereRange.upperBound...])
            rest = String(rest[..<whereRange.lowerBound])
            var parts: [String] = []
            while let and = clause.range(of: " AND ", options: .caseInsensitive) {
                parts.append(String(clause[..<and.lowerBound]))
                clause = String(clause[and.upperBound...])
            }
            parts.append(clause)
            for part in parts {
                guard let comparison = comparison(part) else { return .failure(QueryError("Syntax error near '\(part)'.")) }
                for side in [comparison.left, comparison.right] where !side.hasPrefix("'") && Double(side) == nil {
                    guard transactionColumns.contains(column(side)) else {
                        return .failure(QueryError("Field '\(column(side))' for record 'transaction' was not found."))
                    }
                }
                conditions.append(comparison)
            }
        }
        let table = rest.split(separator: " ").first.map { $0.lowercased() } ?? ""
        guard table == "transaction" else { return .failure(QueryError("Record '\(table)' was not found.")) }
        if let unknown = columns.first(where: { !transactionColumns.contains($0) }) {
            return .failure(QueryError("Field '\(unknown)' for record 'transaction' was not found."))
        }
        return .success(SuiteQLQuery(columns: columns, conditions: conditions, order: order))
    }

    /// `a <op> b` with op one of LIKE, >=, <=, <>, !=, =, >, <.
    static func comparison(_ text: String) -> Comparison? {
        if let like = text.range(of: " LIKE ", options: .caseInsensitive) {
            return Comparison(
                left: text[..<like.lowerBound].trimmingCharacters(in: .whitespaces), op: "LIKE",
                right: text[like.upperBound...].trimmingCharacters(in: .whitespaces))
        }
        for op in [">=", "<=", "<>", "!=", "=", ">", "<"] {
            guard let range = text.range(of: op) else { continue }
            let left = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let right = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard !left.isEmpty, !right.isEmpty, !left.contains(" "), !right.contains(" ") || right.hasPrefix("'") else { return nil }
            return Comparison(left: left, op: op, right: right)
        }
        return nil
    }
}
