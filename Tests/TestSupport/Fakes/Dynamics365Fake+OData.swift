// Queries and creates of `Dynamics365Fake`, as Dynamics365Fake.swift cites them: `$select`,
// `$filter`, `$orderby`, `$top` and server paging with `Prefer: odata.maxpagesize` and
// `@odata.nextLink`/`$skiptoken`
// (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/overview,
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/filter-rows,
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/page-results),
// and `POST` to an entity set with `@odata.bind` and `Prefer: return=representation`
// (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/create-entity-web-api).

import Foundation
import HTTPFields
import Synchronization

extension Dynamics365Fake {
    /// The largest page, and the page size without `odata.maxpagesize`.
    public static let maxPageSize = 5000

    /// The preferences of a `Prefer` header (RFC 7240), by name.
    static func preferences(_ header: String?) -> [String: String] {
        var found: [String: String] = [:]
        for part in (header ?? "").split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let name = pair.first, !name.isEmpty else { continue }
            found[name.lowercased()] = pair.count > 1 ? pair[1] : ""
        }
        return found
    }

    static func queryError(_ message: String) -> Reply { error(400, "0x80060888", message) }

    static func unknownProperty(_ name: String, _ table: Table) -> String {
        "Could not find a property named '\(name)' on type 'Microsoft.Dynamics.CRM.\(table.logicalName)'."
    }

    /// `$select`'s columns, or an error naming the first unknown one; nil without `$select`.
    static func selection(_ text: String?, _ table: Table) -> Result<[String]?, ReplyError> {
        guard let text else { return .success(nil) }
        let columns = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if let unknown = columns.first(where: { table.columns[$0] == nil }) {
            return .failure(ReplyError(reply: queryError(unknownProperty(unknown, table))))
        }
        return .success(columns)
    }

    /// A reply carried as an error.
    struct ReplyError: Error {
        var reply: Reply
    }

    /// A row as an answer shows it: its etag, the selected columns (all without `$select`) and
    /// always the primary key.
    static func render(_ row: Row, _ table: Table, select: [String]?) -> [String: Any] {
        var out: [String: Any] = ["@odata.etag": "W/\"\(row["versionnumber"].map { "\($0.json)" } ?? "0")\""]
        for column in select ?? table.columns.keys.sorted() { out[column] = (row[column] ?? .null).json }
        out[table.key] = (row[table.key] ?? .null).json
        return out
    }

    func query(_ table: Table, _ request: Request) -> Reply {
        let items = request.queryItems
        if items["$skip"] != nil { return Self.queryError("The query parameter $skip is not supported.") }
        let select: [String]?
        switch Self.selection(items["$select"]?.last, table) {
        case .success(let columns): select = columns
        case .failure(let failure): return failure.reply
        }
        var rows = state.withLock { $0.tables[table.entitySet] ?? [] }
        if let text = items["$filter"]?.last {
            do {
                var filter = ODataFilter(text, table: table)
                let predicate = try filter.parse()
                rows = rows.filter(predicate)
            } catch let failure as ReplyError {
                return failure.reply
            } catch {
                return Self.queryError("Syntax error in '\(text)'.")
            }
        }
        var orders: [(column: String, descending: Bool)] = [(table.key, false)]
        if let text = items["$orderby"]?.last {
            orders = []
            for part in text.split(separator: ",") {
                let words = part.split(separator: " ").map(String.init)
                guard let column = words.first, words.count <= 2, words.count == 1 || ["asc", "desc"].contains(words[1].lowercased()) else {
                    return Self.queryError("Syntax error at position \(text.count) in '\(text)'.")
                }
                guard table.columns[column] != nil else { return Self.queryError(Self.unknownProperty(column, table)) }
                orders.append((column, words.count == 2 && words[1].lowercased() == "desc"))
            }
        }
        rows.sort { a, b in
            for order in orders {
                let (x, y) = (a[order.column] ?? .null, b[order.column] ?? .null)
                if x == y { continue }
                return Self.less(x, y) != order.descending
            }
            return false
        }
        // Page size: the preference when it is 1…5,000 (larger ones are ignored); `$top` only without it.
        let preferred = Self.preferences(request.header("Prefer"))["odata.maxpagesize"].flatMap(Int.init)
        let maxPageSize = preferred.flatMap { (1...Self.maxPageSize).contains($0) ? $0 : nil }
        if maxPageSize == nil, let top = items["$top"]?.last {
            guard let count = Int(top), count >= 0 else { return Self.queryError("Invalid value '\(top)' for $top query option.") }
            rows = Array(rows.prefix(count))
        }
        let size = maxPageSize ?? Self.maxPageSize
        var page = 1
        if let token = items["$skiptoken"]?.last {
            guard let number = Self.pageNumber(token) else {
                return Self.error(400, "0x80040203", "Invalid $skiptoken value: the paging cookie is not valid.")
            }
            page = number
        }
        let start = min(rows.count, (page - 1) * size)
        let slice = Array(rows[start..<min(rows.count, start + size)])
        let context = "https://\(Self.orgHost)\(Self.apiPath)/$metadata#\(table.entitySet)" + (select.map { "(\($0.joined(separator: ",")))" } ?? "")
        var body: [String: Any] = ["@odata.context": context, "value": slice.map { Self.render($0, table, select: select) }]
        if start + size < rows.count, let last = slice.last, let first = slice.first {
            body["@odata.nextLink"] = nextLink(request, table, page: page + 1, first: first, last: last)
        }
        var headers = HTTPHeaders()
        if let maxPageSize { headers.replaceOrAdd(name: "Preference-Applied", value: "odata.maxpagesize=\(maxPageSize)") }
        headers.replaceOrAdd(name: "Content-Type", value: "application/json; odata.metadata=minimal")
        return .json(200, object: body, headers: headers)
    }

    static func less(_ a: Cell, _ b: Cell) -> Bool {
        switch (a, b) {
        case (.null, _): true
        case (_, .null): false
        case (.int(let x), .int(let y)): x < y
        case (.number(let x), .number(let y)): x < y
        case (.text(let x), .text(let y)): x.lowercased() < y.lowercased()
        default: "\(a.json)" < "\(b.json)"
        }
    }

    /// The characters a query value keeps as they are in a next link.
    static let linkAllowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~$,'():*")

    /// The same query on the next page: the request's options (decoded, then written the way
    /// Dataverse writes them) and a `$skiptoken` with the paging cookie, its inner cookie
    /// encoded twice like the documented example.
    func nextLink(_ request: Request, _ table: Table, page: Int, first: Row, last: Row) -> String {
        var options = ODataNextLink.carriedOptions(of: request, allowed: Self.linkAllowed)
        func id(_ row: Row) -> String {
            if case .text(let id)? = row[table.key] { return id.uppercased() }
            return ""
        }
        let inner = "<cookie page=\"\(page - 1)\"><\(table.key) last=\"{\(id(last))}\" first=\"{\(id(first))}\" /></cookie>"
        let innerEncoded = (inner.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? inner).lowercased()
        let cookie = "<cookie pagenumber=\"\(page)\" pagingcookie=\"\(innerEncoded)\" istracking=\"False\" />"
        options.append("$skiptoken=" + (cookie.addingPercentEncoding(withAllowedCharacters: Self.cookieAllowed) ?? cookie))
        return "\(apiBaseURL)/\(table.entitySet)?" + options.joined(separator: "&")
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    static let cookieAllowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~=/")

    /// The page number of a decoded `$skiptoken`; nil unless it is a paging cookie as the fake writes it.
    static func pageNumber(_ token: String) -> Int? {
        let prefix = "<cookie pagenumber=\""
        guard token.hasPrefix(prefix), token.hasSuffix(" istracking=\"False\" />"), token.contains(" pagingcookie=\"%3ccookie%20page%3d") else {
            return nil
        }
        return Int(token.dropFirst(prefix.count).prefix { $0.isNumber }).flatMap { $0 >= 2 ? $0 : nil }
    }

    // MARK: Create

    func create(_ table: Table, _ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true else {
            return Self.error(415, "0x80048d19", "The content type '\(request.header("Content-Type") ?? "")' is not supported; use application/json.")
        }
        let payloadError =
            "Error identified in Payload provided by the user for Entity :'\(table.entitySet)'  ---->  InnerException : Microsoft.OData.ODataException: "
        guard let object = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] else {
            return Self.error(400, "0x80048d19", payloadError + "The payload is not a JSON object.")
        }
        let select: [String]?
        switch Self.selection(request.queryItems["$select"]?.last, table) {
        case .success(let columns): select = columns
        case .failure(let failure): return failure.reply
        }
        var row: Row = [:]
        for column in table.columns.keys { row[column] = .null }
        var binds: [(Navigation, String)] = []
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            if name.hasSuffix("@odata.bind") {
                let navigation = String(name.dropLast("@odata.bind".count))
                guard let target = table.navigation[navigation] else {
                    return Self.error(
                        400, "0x80048d19",
                        payloadError
                            + "An undeclared property '\(navigation)' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values."
                    )
                }
                let reference = (value as? String ?? "").split(separator: "/").last.map(String.init) ?? ""
                guard reference.hasPrefix(target.entitySet + "("), reference.hasSuffix(")"),
                    let id = UUID(uuidString: String(reference.dropFirst(target.entitySet.count + 1).dropLast()))
                else {
                    return Self.error(
                        400, "0x80048d19", payloadError + "The value '\(value)' of '\(name)' is not a reference to \(target.entitySet).")
                }
                binds.append((target, id.uuidString.lowercased()))
                continue
            }
            if name.contains("@") { continue }  // an instance annotation
            guard let kind = table.columns[name], !table.readOnly.contains(name) else {
                return Self.error(
                    400, "0x80048d19",
                    payloadError
                        + "The property '\(name)' does not exist on type 'Microsoft.Dynamics.CRM.\(table.logicalName)'. Make sure to only use property names that are defined by the type or mark the type as open type."
                )
            }
            switch Self.cell(value, kind) {
            case .some(let cell):
                if case .text(let max) = kind, case .text(let text) = cell, text.count > max {
                    return Self.error(
                        400, "0x80044331",
                        "A validation error occurred. The length of the '\(name)' attribute of the '\(table.logicalName)' entity exceeded the maximum allowed length of '\(max)'."
                    )
                }
                row[name] = cell
            case .none:
                return Self.error(400, "0x80048d19", payloadError + "Cannot convert the literal '\(value)' to the expected type of '\(name)'.")
            }
        }
        for (target, id) in binds {
            let exists = state.withLock { state in
                target.entitySet == "accounts"
                    ? state.accounts.contains(id) : (state.tables[target.entitySet] ?? []).contains { $0["contactid"] == .text(id) }
            }
            guard exists else { return Self.error(404, "0x80040217", "\(target.entitySet.dropLast()) With Id = \(id) Does Not Exist") }
            row[target.lookup] = .text(id)
        }
        let now = Self.timestamp(Date())
        row["createdon"] = .text(now)
        row["modifiedon"] = .text(now)
        if row["statecode"] == .null { row["statecode"] = .int(0) }
        if table.columns["statuscode"] != nil, row["statuscode"] == .null { row["statuscode"] = .int(1) }
        if table.composesFullName {
            let parts = [row["firstname"], row["lastname"]].compactMap { cell -> String? in
                if case .text(let text)? = cell { return text }
                return nil
            }
            row["fullname"] = parts.isEmpty ? .null : .text(parts.joined(separator: " "))
        }
        let created: Row? = state.withLock { state in
            state.sequence += 1
            if row[table.key] == .null { row[table.key] = .text(UUID().uuidString.lowercased()) }
            if (state.tables[table.entitySet] ?? []).contains(where: { $0[table.key] == row[table.key] }) { return nil }
            row["versionnumber"] = .int(90_000_000 + state.sequence)
            state.tables[table.entitySet, default: []].append(row)
            return row
        }
        guard let created, case .text(let id)? = created[table.key] else {
            return Self.error(412, "0x80040237", "A record with matching key values already exists.")
        }
        guard Self.preferences(request.header("Prefer"))["return"] == "representation" else {
            return Reply(status: 204, headers: HTTPHeaders([("OData-EntityId", "\(apiBaseURL)/\(table.entitySet)(\(id))")]))
        }
        var body = Self.render(created, table, select: select)
        body["@odata.context"] = "https://\(Self.orgHost)\(Self.apiPath)/$metadata#\(table.entitySet)/$entity"
        return .json(201, object: body, headers: HTTPHeaders([("Preference-Applied", "return=representation")]))
    }

    /// A JSON value as a column of `kind` takes it; nil when it does not convert.
    static func cell(_ value: Any, _ kind: Kind) -> Cell? {
        if value is NSNull { return .null }
        switch kind {
        case .text, .date, .dateTime:
            return (value as? String).map(Cell.text)
        case .guid:
            return (value as? String).flatMap { UUID(uuidString: $0) }.map { Cell.text($0.uuidString.lowercased()) }
        case .int:
            guard let number = value as? NSNumber, number.doubleValue == number.doubleValue.rounded() else { return nil }
            return .int(number.intValue)
        case .money:
            guard let number = value as? NSNumber else { return nil }
            return .number(number.doubleValue)
        }
    }
}
