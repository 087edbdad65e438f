// Paging, filtering and sorting of TableauFake's list endpoints, and Query View Data, as
// TableauFake.swift cites them (https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_concepts_paging.htm,
// https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_concepts_filtering_and_sorting.htm,
// https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_ref_workbooks_and_views.htm#query_view_data):
// `pageSize` 1–1000 (default 100), `pageNumber` from 1 and never past the last page;
// `filter=field:operator:value[,…]` ANDed, the last expression on a field winning, values
// case-sensitive, `eq` with `*` wildcards, `in:[a,b]`, `gt`/`gte`/`lt`/`lte` on dates; the fields
// and operators of each resource as documented (the tables Tableau's own client encodes in
// github.com/tableau/tableau-mcp src/tools/web/*/*FilterUtils.ts); `sort=field:asc|desc[,…]`;
// view data as CSV with exact-match `vf_<field>=value` filters and `maxAge` of at least a minute.

import Foundation
import HTTPFields
import Synchronization

extension TableauFake {
    private static let text: Set<String> = ["eq", "in"]
    private static let ordered: Set<String> = ["eq", "gt", "gte", "lt", "lte"]
    private static let flag: Set<String> = ["eq"]

    /// The documented filter fields of each resource and the operators each takes.
    static let filterFields: [Kind: [String: Set<String>]] = [
        .view: [
            "caption": text, "contentUrl": text, "createdAt": ordered, "favoritesTotal": ordered, "fields": text, "hitsTotal": ordered,
            "name": text, "ownerDomain": text, "ownerEmail": text, "ownerName": text, "projectName": text, "sheetNumber": ordered,
            "sheetType": text, "tags": text, "title": text, "updatedAt": ordered, "viewUrlName": text, "workbookDescription": text,
            "workbookName": text,
        ],
        .workbook: [
            "createdAt": ordered, "contentUrl": text, "displayTabs": flag, "favoritesTotal": ordered, "hasAlerts": flag, "hasExtracts": flag,
            "name": text, "ownerDomain": text, "ownerEmail": text, "ownerName": text, "projectName": text, "sheetCount": ordered,
            "size": ordered, "subscriptionsTotal": ordered, "tags": text, "updatedAt": ordered,
        ],
        .datasource: [
            "authenticationType": text, "connectedWorkbookType": ordered, "connectionTo": text, "connectionType": text, "contentUrl": text,
            "createdAt": ordered, "databaseName": text, "databaseUserName": text, "description": text, "favoritesTotal": ordered,
            "hasAlert": flag, "hasEmbeddedPassword": flag, "hasExtracts": flag, "isCertified": flag, "isConnectable": flag,
            "isDefaultPort": flag, "isHierarchical": flag, "isPublished": flag, "name": text, "ownerDomain": text, "ownerEmail": flag,
            "ownerName": text, "projectName": text, "serverName": text, "serverPort": flag, "size": ordered, "tableName": text,
            "tags": text, "type": flag, "updatedAt": ordered,
        ],
    ]

    /// One filter expression, its values split when the operator is `in`.
    struct Condition {
        var field: String
        var op: String
        var values: [String]
    }

    func list(_ request: Request, _ kind: Kind, siteID: String) -> Reply {
        let query = request.queryItems
        var pageSize = 100
        if let text = query["pageSize"]?.last {
            guard let size = Int(text), size >= 1 else {
                return Self.error(400, "400007", "Invalid page size", "The page size parameter is not an integer, or is less than one.")
            }
            guard size <= 1000 else {
                return Self.error(403, "403014", "Page size limit exceeded", "The specified page size is larger than the maximum page size.")
            }
            pageSize = size
        }
        var usage = false
        if kind == .view, let text = query["includeUsageStatistics"]?.last {
            guard text == "true" || text == "false" else {
                return Self.error(
                    400, "400008", "Invalid parameter value", "The includeUsageStatistics was provided with a value other than true or false.")
            }
            usage = text == "true"
        }
        let (site, all) = state.withLock { state in
            (state.sites.first { $0.id == siteID }, state.content.filter { $0.kind == kind && $0.siteID == siteID })
        }
        guard let site else { return Self.error(404, "404000", "Site not found", "The site ID in the URI doesn't correspond to an existing site.") }
        var items = all
        if let filter = query["filter"]?.last {
            switch Self.conditions(filter, kind) {
            case .failure(let refusal): return refusal.reply
            case .success(let conditions): items = items.filter { item in conditions.allSatisfy { Self.matches(item, $0) } }
            }
        }
        if let sort = query["sort"]?.last {
            switch Self.sorted(items, kind, by: sort) {
            case .failure(let refusal): return refusal.reply
            case .success(let sorted): items = sorted
            }
        }
        let lastPage = max(1, (items.count + pageSize - 1) / pageSize)
        var pageNumber = 1
        if let text = query["pageNumber"]?.last {
            guard let number = Int(text), number >= 1, number <= lastPage else {
                return Self.error(
                    400, "400006", "Invalid page number",
                    "The page number parameter is not an integer, is less than one, or is greater than the final page number for \(kind.plural) at the requested page size."
                )
            }
            pageNumber = number
        }
        let page = items.dropFirst((pageNumber - 1) * pageSize).prefix(pageSize).map { Self.json($0, site: site, host: baseURL, usage: usage) }
        return .json(
            200,
            object: [
                "pagination": ["pageNumber": String(pageNumber), "pageSize": String(pageSize), "totalAvailable": String(items.count)],
                kind.plural: page.isEmpty ? [String: Any]() : [kind.singular: page] as [String: Any],
            ])
    }

    /// A request Tableau refuses, with the reply that says why.
    struct Refusal: Error {
        var reply: Reply
    }

    static func conditions(_ filter: String, _ kind: Kind) -> Result<[Condition], Refusal> {
        let fields = filterFields[kind] ?? [:]
        var byField: [String: Condition] = [:]
        var order: [String] = []
        for expression in splitTopLevel(filter) where !expression.isEmpty {
            let parts = expression.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            let field = parts[0]
            guard let operators = fields[field] else {
                return .failure(
                    Refusal(
                        reply: error(400, "400065", "Bad Request", "The filter query contains a key which is not recognized for this api version.")))
            }
            guard parts.count == 3, !parts[2].isEmpty else {
                return .failure(Refusal(reply: error(400, "400065", "Bad Request", "The filter query is missing a value for key '\(field)'.")))
            }
            guard operators.contains(parts[1]) else {
                return .failure(
                    Refusal(
                        reply: error(
                            400, "400065", "Bad Request",
                            "The filter query contains an operator '\(parts[1])' which is not supported for key '\(field)'.")))
            }
            guard values(placeholder(kind), field) != nil else {
                return .failure(
                    Refusal(
                        reply: error(501, "501000", "Not Implemented", "fake: the documented filter field '\(field)' is not modelled by TableauFake.")
                    ))
            }
            var value = parts[2]
            if parts[1] == "in", value.hasPrefix("["), value.hasSuffix("]") { value = String(value.dropFirst().dropLast()) }
            let listed = parts[1] == "in" ? value.split(separator: ",").map(String.init) : [value]
            if byField[field] == nil { order.append(field) }
            byField[field] = Condition(field: field, op: parts[1], values: listed)  // the last one on a field wins
        }
        return .success(order.compactMap { byField[$0] })
    }

    /// An item of `kind` with every optional field set, to ask which fields the fake models.
    private static func placeholder(_ kind: Kind) -> Content {
        var item = Content(
            kind: kind, id: "", siteID: "", name: "", contentUrl: "", projectID: "", projectName: "", ownerID: "", ownerName: "", createdAt: "",
            updatedAt: "")
        item.workbookID = ""
        item.workbookName = ""
        item.viewUrlName = ""
        item.sheetType = ""
        item.type = ""
        return item
    }

    /// Splits on commas outside `[…]`, so that `name:in:[A,B]` stays one expression.
    static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "[" { depth += 1 } else if character == "]" { depth -= 1 }
            if character == ",", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }

    static func matches(_ item: Content, _ condition: Condition) -> Bool {
        let have = values(item, condition.field) ?? []
        switch condition.op {
        case "eq": return have.contains { wildcard(condition.values[0], matches: $0) }
        case "in": return have.contains { condition.values.contains($0) }
        case "gt": return have.contains { $0 > condition.values[0] }
        case "gte": return have.contains { $0 >= condition.values[0] }
        case "lt": return have.contains { $0 < condition.values[0] }
        case "lte": return have.contains { $0 <= condition.values[0] }
        default: return false
        }
    }

    /// Case-sensitive equality where `*` in the pattern stands for any run of characters.
    static func wildcard(_ pattern: String, matches value: String) -> Bool {
        let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard pieces.count > 1 else { return pattern == value }
        guard value.hasPrefix(pieces[0]) else { return false }
        var rest = Substring(value.dropFirst(pieces[0].count))
        for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let range = rest.range(of: piece) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.hasSuffix(pieces[pieces.count - 1])
    }

    static func sorted(_ items: [Content], _ kind: Kind, by sort: String) -> Result<[Content], Refusal> {
        var keys: [(field: String, descending: Bool)] = []
        for expression in sort.split(separator: ",") {
            let parts = expression.split(separator: ":").map(String.init)
            guard parts.count == 2, parts[1] == "asc" || parts[1] == "desc", values(placeholder(kind), parts[0]) != nil else {
                return .failure(Refusal(reply: error(400, "400000", "Bad Request", "The sort expression '\(expression)' is not valid.")))
            }
            keys.append((parts[0], parts[1] == "desc"))
        }
        let ordered = items.enumerated().sorted { left, right in
            for key in keys {
                let a = values(left.element, key.field)?.first ?? ""
                let b = values(right.element, key.field)?.first ?? ""
                if a != b { return key.descending ? a > b : a < b }
            }
            return left.offset < right.offset
        }
        return .success(ordered.map(\.element))
    }

    // MARK: Query View Data

    func viewData(_ request: Request, viewID: String, siteID: String) -> Reply {
        let (view, table) = state.withLock { state in
            (state.content.first { $0.kind == .view && $0.id == viewID && $0.siteID == siteID }, state.tables[viewID])
        }
        guard let view else {
            return Self.error(400, "400080", "Bad Request", "The view ID in the URI doesn't correspond to a view available on the specified site.")
        }
        let query = request.queryItems
        if let text = query["maxAge"]?.last {
            guard let minutes = Int(text), minutes >= 1 else {
                return Self.error(400, "400000", "Bad Request", "The maxAge parameter must be a whole number of minutes, at least 1.")
            }
        }
        var data = table ?? DataTable(columns: ["Month", view.name], rows: [["January", "12"], ["February", "15"], ["March", "9"]])
        for (key, values) in query.sorted(by: { $0.key < $1.key }) where key.hasPrefix("vf_") {
            let field = String(key.dropFirst(3))
            guard let column = data.columns.firstIndex(of: field) else { continue }  // unknown fields are ignored
            let allowed = Set(values.flatMap { $0.split(separator: ",").map(String.init) })
            data.rows = data.rows.filter { allowed.contains($0[column]) }
        }
        let lines = ([data.columns] + data.rows).map { $0.map(Self.csvField).joined(separator: ",") }
        return Reply(
            status: 200, headers: HTTPHeaders([("Content-Type", "text/csv; charset=utf-8")]), body: Array((lines.joined(separator: "\n") + "\n").utf8)
        )
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
    static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
