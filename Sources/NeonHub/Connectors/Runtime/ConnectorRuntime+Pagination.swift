import Foundation
import HTTPFields

/// Paging for `ConnectorRuntime.run`: whether a page says there is more, the next page's
/// state for each pagination style of the catalog, and `Link` headers.
extension ConnectorRuntime {
    struct Advance { var url: URL? }

    /// Items a paged read collects at most: the caller's `limit`; else the `limit` default the
    /// input schema documents ("default 200"), unless the request sends `{{input.limit}}` to the
    /// provider, where the default is the provider's page size (Meta's 25) and not a total; never
    /// more than `pagination.maxItems` (or `defaultMaxItems`).
    static func readBound(_ input: JSONValue, action: ConnectorDefinition.Action, pagination: ConnectorDefinition.Pagination?) -> Int {
        let most = pagination?.maxItems ?? defaultMaxItems
        // Compared as numbers before any conversion: `Int(1e19)` would stop the process.
        if case .number(let requested)? = input["limit"], requested >= 1 { return requested >= Double(most) ? most : Int(requested) }
        guard case .number(let documented)? = action.inputSchema["properties"]?["limit"]?["default"], documented >= 1 else { return most }
        guard action.request?.mentions("{{input.limit}}") != true else { return most }
        return documented >= Double(most) ? most : Int(documented)
    }

    func hasMore(_ pagination: ConnectorDefinition.Pagination, body: JSONValue, headers: HTTPHeaders, count: Int, seen: Int) -> Bool {
        if let path = pagination.totalPath, let total = JSONPath.text(JSONPath.value(at: path, in: body)).flatMap(Int.init) { return total > seen }
        if let path = pagination.hasMorePath { return JSONPath.value(at: path, in: body) == .bool(true) }
        if let path = pagination.nextUrlPath { return JSONPath.text(JSONPath.value(at: path, in: body)) != nil }
        if pagination.style == "link_header" { return Self.nextLink(headers["link"]) != nil }
        if pagination.style == "graphql", let path = pagination.pageInfoPath {
            return JSONPath.value(at: path + ".hasNextPage", in: body) == .bool(true)
        }
        if pagination.style == "cursor" || pagination.style == "graphql", let path = pagination.cursorPath {
            return JSONPath.text(JSONPath.value(at: path, in: body)).map { !$0.isEmpty } ?? false
        }
        return false
    }

    /// Moves the paging state on; nil when there is no next page.
    func advance(
        _ pagination: ConnectorDefinition.Pagination, body: JSONValue, headers: HTTPHeaders, count: Int,
        pageSize: Int?, scope: inout [String: JSONValue], base: URL
    ) -> Advance? {
        var page: [String: JSONValue] = [:]
        if case .object(let current)? = scope["page"] { page = current }
        switch pagination.style {
        case "cursor":
            if let path = pagination.hasMorePath, JSONPath.value(at: path, in: body) != .bool(true) { return nil }
            guard let path = pagination.cursorPath, let cursor = JSONPath.text(JSONPath.value(at: path, in: body)), !cursor.isEmpty else {
                return nil
            }
            // A numeric cursor keeps its type: sent back in a JSON body it stays a number (TikTok's int64).
            if case .number(let value)? = JSONPath.value(at: path, in: body) {
                page["cursor"] = .number(value)
            } else {
                page["cursor"] = .string(cursor)
            }
            scope["page"] = .object(page)
            return Advance(url: nil)
        case "graphql":
            guard let path = pagination.pageInfoPath, let info = JSONPath.value(at: path, in: body),
                info["hasNextPage"] == .bool(true), let cursor = JSONPath.text(info["endCursor"])
            else { return nil }
            page["cursor"] = .string(cursor)
            scope["page"] = .object(page)
            return Advance(url: nil)
        case "page":
            if let size = pageSize, count < size { return nil }
            let current = JSONPath.text(page["number"]).flatMap(Int.init) ?? 1
            if let size = pageSize, let path = pagination.totalPath,
                let total = JSONPath.text(JSONPath.value(at: path, in: body)).flatMap(Int.init), current * size >= total
            {
                return nil  // the last page was full: Tableau refuses a page past the end rather than answer it empty
            }
            let number = current + 1
            page["number"] = .number(Double(number))
            scope["page"] = .object(page)
            return Advance(url: nil)
        case "offset":
            let offset = (JSONPath.text(page["offset"]).flatMap(Int.init) ?? 0) + count
            if let path = pagination.totalPath, let total = JSONPath.text(JSONPath.value(at: path, in: body)).flatMap(Int.init) {
                if offset >= total { return nil }  // the provider said how many there are
            } else if let size = pageSize, count < size {
                return nil
            }
            page["offset"] = .number(Double(offset))
            scope["page"] = .object(page)
            return Advance(url: nil)
        case "link_header":
            guard let next = Self.nextLink(headers["link"]), let url = URL(string: next, relativeTo: base)?.absoluteURL else { return nil }
            return Advance(url: url)
        case "next_url":
            guard let path = pagination.nextUrlPath, let next = JSONPath.text(JSONPath.value(at: path, in: body)), !next.isEmpty,
                let url = URL(string: next, relativeTo: base)?.absoluteURL
            else { return nil }
            return Advance(url: url)
        default:
            return nil
        }
    }

    /// The `rel="next"` target of a `Link` header (RFC 8288).
    static func nextLink(_ header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            if pieces.dropFirst().contains(where: {
                $0.replacingOccurrences(of: " ", with: "").lowercased() == "rel=\"next\"" || $0.lowercased() == "rel=next"
            }) {
                return String(target.dropFirst().dropLast())
            }
        }
        return nil
    }
}
