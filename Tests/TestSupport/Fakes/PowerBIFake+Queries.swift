// Power BI's Execute Queries endpoint, as PowerBIFake.swift cites it
// (https://learn.microsoft.com/en-us/rest/api/power-bi/datasets/execute-queries-in-group; the
// `DatasetExecuteQueries*` models of github.com/microsoft/PowerBI-CSharp sdk/swaggers/swagger.json):
// one DAX query per call, rows keyed `Table[Column]`, blanks left out unless
// `serializerSettings.includeNulls` is true, a DAX error as a 400, too many rows as a 200 with
// limited rows and an error, and 120 query requests a minute.

import Foundation
import HTTPFields
import Synchronization

extension PowerBIFake {
    /// `count` refreshes of `dataset` ran earlier today (scheduled ones count against the
    /// shared-capacity limit too).
    public func recordScheduledRefreshes(dataset: String, count: Int) {
        state.withLock { state in
            guard let model = state.datasets.first(where: { $0.id == dataset }) else { return }
            for index in 0..<count {
                state.refreshes.append(
                    Refresh(
                        workspace: model.workspace, dataset: dataset, notifyOption: nil, enhanced: false, requestID: UUID().uuidString.lowercased(),
                        at: Date(timeIntervalSinceNow: -Double(count - index) * 600)))
            }
        }
    }

    /// Adds `count` rows to the `Campaigns` table (`Campaign 000`…, channel `Search`).
    public func addCampaignRows(_ count: Int) {
        state.withLock { state in
            for index in 0..<count {
                state.tables["Campaigns"]?.rows.append([
                    .text(String(format: "Campaign %03d", index)), .text("Search"), .number(Double(index)), .number(Double(index * 10)),
                ])
            }
        }
    }

    func executeQueries(_ request: Request, _ dataset: Dataset) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true, let body = request.json as? [String: Any]
        else { return Self.error(400, "InvalidRequest", "The request body is not valid JSON.") }
        guard let queries = body["queries"] as? [[String: Any]], !queries.isEmpty else {
            return Self.error(400, "InvalidRequest", "The queries field is required.")
        }
        guard queries.count == 1 else { return Self.error(400, "InvalidRequest", "Only one query per request is supported.") }
        guard let query = queries[0]["query"] as? String else { return Self.error(400, "InvalidRequest", "The query field is required.") }
        var includeNulls = false
        if let settings = body["serializerSettings"] {
            guard let settings = settings as? [String: Any] else { return Self.error(400, "InvalidRequest", "Invalid serializerSettings.") }
            if let value = settings["includeNulls"] {
                guard let flag = value as? Bool else { return Self.error(400, "InvalidRequest", "includeNulls must be a boolean.") }
                includeNulls = flag
            }
        }
        // 120 query requests a minute per user, whichever model is queried.
        let wait: Int? = state.withLock { state in
            let now = Date()
            state.queryTimes.removeAll { now.timeIntervalSince($0) >= 60 }
            guard state.queryTimes.count < Self.queriesPerMinute else {
                return max(1, Int((60 - now.timeIntervalSince(state.queryTimes[0])).rounded(.up)))
            }
            state.queryTimes.append(now)
            return nil
        }
        if let wait {
            var reply = Self.error(429, "TooManyRequests", "Rate limit of \(Self.queriesPerMinute) query requests per minute exceeded.")
            reply.headers.replaceOrAdd(name: "Retry-After", value: String(wait))
            return reply
        }
        let (tables, limit) = state.withLock { ($0.tables, $0.rowLimit) }
        let evaluated = Self.evaluate(query, tables: tables, allowed: dataset.table)
        guard case .success(let (tableName, rows)) = evaluated, let table = tables[tableName] else {
            let reason: String
            if case .failure(let failure) = evaluated { reason = failure.reason } else { reason = "The query could not be evaluated." }
            return Self.pbiError(
                400, "DatasetExecuteQueriesError", details: [("DetailsMessage", reason), ("AnalysisServicesErrorCode", "3238002695")])
        }
        let records: [[String: Any]] = rows.prefix(limit).map { row in
            var record: [String: Any] = [:]
            for (column, cell) in zip(table.columns, row) {
                if case .null = cell, !includeNulls { continue }
                record["\(tableName)[\(column)]"] = cell.json
            }
            return record
        }
        var result: [String: Any] = ["rows": records]
        if rows.count > limit {
            result["error"] = ["code": "DatasetExecuteQueriesError", "message": "More than \(limit) rows in a query result"]
        }
        return .json(200, object: ["results": [["tables": [result]]]])
    }

    /// Why a DAX query failed, as `DetailsMessage` says it.
    struct DAXFailure: Error {
        var reason: String
    }

    /// The rows `EVALUATE <table>` or `EVALUATE TOPN(n, <table>[, <table>[<column>][, ASC|DESC]])` gives.
    static func evaluate(_ query: String, tables: [String: Table], allowed: String?) -> Result<(String, [[Cell]]), DAXFailure> {
        let text = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.uppercased().hasPrefix("EVALUATE") else {
            return .failure(DAXFailure(reason: "Query (1, 1) The syntax for '\(text.prefix(12))' is incorrect."))
        }
        let expression = text.dropFirst("EVALUATE".count).trimmingCharacters(in: .whitespacesAndNewlines)
        func tableName(_ s: String) -> String {
            let t = s.trimmingCharacters(in: .whitespaces)
            return t.hasPrefix("'") && t.hasSuffix("'") && t.count >= 2 ? String(t.dropFirst().dropLast()) : t
        }
        func lookup(_ name: String) -> Result<[[Cell]], DAXFailure> {
            guard let table = tables[name], name == allowed else {
                return .failure(
                    DAXFailure(reason: "Query (1, 10) Failed to resolve name '\(name)'. It is not a valid table, variable, or function name."))
            }
            return .success(table.rows)
        }
        guard expression.uppercased().hasPrefix("TOPN("), expression.hasSuffix(")") else {
            let name = tableName(expression)
            return lookup(name).map { (name, $0) }
        }
        let arguments = expression.dropFirst(5).dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard arguments.count >= 2, let count = Int(arguments[0]), count >= 0 else {
            return .failure(DAXFailure(reason: "Query (1, 10) Too few arguments were passed to the TOPN function."))
        }
        let name = tableName(arguments[1])
        guard case .success(var rows) = lookup(name), let table = tables[name] else { return lookup(name).map { (name, $0) } }
        if arguments.count >= 3 {
            let order = arguments[2]
            guard let open = order.firstIndex(of: "["), order.hasSuffix("]"), tableName(String(order[..<open])) == name,
                let column = table.columns.firstIndex(of: String(order[order.index(after: open)..<order.index(before: order.endIndex)]))
            else { return .failure(DAXFailure(reason: "Query (1, 10) Column '\(order)' cannot be found.")) }
            let ascending = arguments.count >= 4 && arguments[3].uppercased() == "ASC"
            rows.sort { a, b in
                let (x, y) = (Self.sortKey(a[column]), Self.sortKey(b[column]))
                return ascending ? x < y : x > y
            }
        }
        return .success((name, Array(rows.prefix(count))))
    }

    static func sortKey(_ cell: Cell) -> Double {
        if case .number(let value) = cell { return value }
        return -.infinity
    }
}
