// Queries of `SuccessFactorsFake`: `$format=json`, `$select`, `$filter`, `$expand=jobReqLocale`,
// `$orderby`, `$top`/`$skip`, `$inlinecount`, and server paging — at most 1,000 per page,
// `customPageSize`, `paging=snapshot`, `__next` carrying a `$skiptoken` (Base64 of
// `{"startRow":…,"endRow":…}` as SAP KBA 2489065's example decodes). Sources in
// SuccessFactorsFake.swift's header (KBAs 2489065, 3308165, 2723468, 2675265, 2736579, 3575859,
// 2546923, 2584770) and OData v2's JSON format
// (https://www.odata.org/documentation/odata-version-2-0/json-format/).

import Foundation
import Synchronization

extension SuccessFactorsFake {
    static func badRequest(_ message: String) -> Reply { odataError(400, "COE_GENERAL_BAD_REQUEST", message) }

    static func unknownProperty(_ entity: String, _ name: String) -> Reply {
        odataError(400, "COE_PROPERTY_NOT_FOUND", "[COE0021]Invalid property names: \(entity)/\(name).")
    }

    /// `GET /odata/v2/<Entity>`.
    func query(_ entity: Entity, _ request: Request) -> Reply {
        let items = request.queryItems.compactMapValues(\.last)
        let acceptsJSON = request.header("Accept")?.lowercased().contains("application/json") == true
        guard items["$format"]?.lowercased() == "json" || (items["$format"] == nil && acceptsJSON) else {
            // SuccessFactors answers Atom XML unless JSON is asked for; the fake only speaks JSON.
            return Self.odataError(406, "COE_GENERAL_BAD_REQUEST", "The fake serves JSON only: send $format=json or Accept: application/json.")
        }
        // $expand
        var expand: Set<String> = []
        for name in (items["$expand"] ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            if entity.navigation[name] != nil {
                expand.insert(name)
            } else if entity.properties[name] != nil {
                return Self.odataError(
                    400, "COE_BAD_PROPERTY_EXPRESSION",
                    "[COE0003]Bad property expression: \(name); cannot expand non-navigation property: \(entity.rawValue)/\(name)")
            } else {
                return Self.unknownProperty(entity.rawValue, name)
            }
        }
        // $select
        var select: [String]?
        var navigationSelect: [String: [String]] = [:]
        if let text = items["$select"] {
            var own: [String] = []
            for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
                if parts.count == 2 {
                    guard entity.navigation[parts[0]] != nil else { return Self.unknownProperty(entity.rawValue, name) }
                    guard Self.localeProperties[parts[1]] != nil else { return Self.unknownProperty("JobRequisitionLocale", parts[1]) }
                    guard expand.contains(parts[0]) else {
                        return Self.odataError(
                            400, "COE_BAD_PROPERTY_EXPRESSION", "[COE0003]Bad property expression: \(name); \(parts[0]) is not expanded")
                    }
                    navigationSelect[parts[0], default: []].append(parts[1])
                } else if name == "*" || entity.properties[name] != nil || entity.navigation[name] != nil {
                    own.append(name)
                } else {
                    return Self.unknownProperty(entity.rawValue, name)
                }
            }
            select = own.contains("*") ? nil : own
        }
        // $filter, with the User rule: no status condition (and no `or`) means status in 't','T'.
        var all = rows(entity)
        var implicitStatus = entity == .user
        if let text = items["$filter"], !text.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                let filter = try Self.parseFilter(text, entity)
                all = all.filter { filter.matches($0.row) }
                implicitStatus = implicitStatus && !filter.mentionsStatus && !filter.hasOr
            } catch {
                switch error {
                case .unknownProperty(let name): return Self.unknownProperty(entity.rawValue, name)
                case .syntax(let why): return Self.badRequest("Invalid $filter '\(text)': \(why).")
                case .unsupported(let what): return Self.badRequest("Invalid $filter '\(text)': the fake does not implement \(what).")
                }
            }
        }
        if implicitStatus { all = all.filter { [.text("t"), .text("T")].contains($0.row["status"] ?? .null) } }
        // $orderby (default: the key, ascending)
        var orders: [(name: String, descending: Bool)] = [(entity.key, false)]
        if let text = items["$orderby"] {
            orders = []
            for part in text.split(separator: ",") {
                let words = part.split(separator: " ").map(String.init)
                guard let name = words.first, words.count <= 2, words.count == 1 || ["asc", "desc"].contains(words[1].lowercased()) else {
                    return Self.badRequest("Invalid $orderby '\(text)'.")
                }
                guard entity.properties[name] != nil else { return Self.unknownProperty(entity.rawValue, name) }
                orders.append((name, words.count == 2 && words[1].lowercased() == "desc"))
            }
        }
        all.sort { a, b in
            for order in orders {
                let (x, y) = (a.row[order.name] ?? .null, b.row[order.name] ?? .null)
                if x == y { continue }
                return Self.compare(x, y, "lt") != order.descending
            }
            return false
        }
        return page(entity, request, items, all, select: select, expand: expand, navigationSelect: navigationSelect)
    }

    /// One page of `all` and the `__next` link to the rest.
    private func page(
        _ entity: Entity, _ request: Request, _ items: [String: String], _ all: [(key: String, row: Row, locales: [Row])],
        select: [String]?, expand: Set<String>, navigationSelect: [String: [String]]
    ) -> Reply {
        func count(_ name: String) -> Result<Int?, Refusal> {
            guard let text = items[name] else { return .success(nil) }
            guard let value = Int(text), value >= 0 else { return .failure(Refusal(reply: Self.badRequest("Invalid value '\(text)' for \(name)."))) }
            return .success(value)
        }
        let top: Int?
        let skip: Int?
        let custom: Int?
        switch (count("$top"), count("$skip"), count("customPageSize")) {
        case (.success(let t), .success(let s), .success(let c)): (top, skip, custom) = (t, s, c)
        case (.failure(let refusal), _, _), (_, .failure(let refusal), _), (_, _, .failure(let refusal)): return refusal.reply
        }
        let snapshot = items["paging"]?.lowercased() == "snapshot"
        if snapshot, top != nil || skip != nil { return Self.badRequest("$top and $skip cannot be used with snapshot-based pagination.") }
        let pageSize = min(Self.maxPageSize, max(1, custom ?? top ?? Self.maxPageSize))
        var start = 0
        var keys = all.map(\.key)
        var snapshotID: String?
        if let token = items["$skiptoken"] {
            guard let cursor = Self.decodeSkipToken(token) else { return Self.badRequest("Invalid $skiptoken value '\(token)'.") }
            start = cursor.startRow
            if snapshot {
                guard let id = cursor.snapshot, let saved = state.withLock({ $0.snapshots[id] }) else {
                    return Self.badRequest("The snapshot of this $skiptoken has expired or does not exist.")
                }
                (keys, snapshotID) = (saved, id)
            }
        } else if snapshot {
            snapshotID = state.withLock { state in
                state.sequence += 1
                let id = "snap\(state.sequence)"
                state.snapshots[id] = keys
                return id
            }
        }
        let byKey = Dictionary(all.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let offset = skip ?? 0
        let total = min(max(0, keys.count - offset), top ?? Int.max)
        let end = min(total, start + pageSize)
        let window = start < end ? Array(keys[(offset + start)..<(offset + end)]) : []
        let records = window.compactMap { byKey[$0] }.map { render(entity, $0, select: select, expand: expand, navigationSelect: navigationSelect) }
        var body: [String: Any] = ["results": records]
        if items["$inlinecount"] == "allpages" { body["__count"] = String(total) }
        if end < total {
            body["__next"] = nextLink(entity, request, startRow: end, endRow: end + pageSize, snapshot: snapshotID)
        }
        return .json(200, object: ["d": body])
    }

    /// A record as OData v2 JSON shows it: `__metadata`, the selected properties (all without
    /// `$select`), and each navigation property expanded (`{"results": […]}`) or deferred.
    private func render(
        _ entity: Entity, _ record: (key: String, row: Row, locales: [Row]), select: [String]?, expand: Set<String>,
        navigationSelect: [String: [String]]
    ) -> [String: Any] {
        let uri = "\(apiBaseURL)/\(entity.rawValue)(\(record.key))"
        var out: [String: Any] = ["__metadata": ["uri": uri, "type": "SFOData.\(entity.rawValue)"]]
        let names = select?.filter { entity.properties[$0] != nil } ?? entity.properties.keys.sorted()
        for name in names { out[name] = Self.json(record.row[name] ?? .null, entity.properties[name] ?? .string) }
        for (navigation, type) in entity.navigation where select == nil || select?.contains(navigation) == true || navigationSelect[navigation] != nil
        {
            guard expand.contains(navigation) else {
                out[navigation] = ["__deferred": ["uri": "\(uri)/\(navigation)"]]
                continue
            }
            let fields = navigationSelect[navigation] ?? Self.localeProperties.keys.sorted()
            out[navigation] = [
                "results": record.locales.map { locale -> [String: Any] in
                    var item: [String: Any] = [
                        "__metadata": [
                            "uri": "\(apiBaseURL)/\(type)(\(Self.json(locale["jobReqLocalId"] ?? .null, .int64))L)", "type": "SFOData.\(type)",
                        ]
                    ]
                    for field in fields { item[field] = Self.json(locale[field] ?? .null, Self.localeProperties[field] ?? .string) }
                    return item
                }
            ]
        }
        return out
    }

    /// The same query from `startRow`: the request's options (decoded, re-encoded), and a new
    /// `$skiptoken`; `+` and `/` of the Base64 percent-encoded so that form decoding keeps them.
    private func nextLink(_ entity: Entity, _ request: Request, startRow: Int, endRow: Int, snapshot: String?) -> String {
        var options = ODataNextLink.carriedOptions(of: request, allowed: Self.linkAllowed)
        var cursor = "{\"startRow\":\(startRow),\"endRow\":\(endRow)"
        if let snapshot { cursor += ",\"snapshot\":\"\(snapshot)\"" }
        let token = Data((cursor + "}").utf8).base64EncodedString()
        options.append("$skiptoken=" + token.replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: "/", with: "%2F"))
        return "\(apiBaseURL)/\(entity.rawValue)?" + options.joined(separator: "&")
    }

    /// The characters a query value keeps as they are in a next link.
    static let linkAllowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~$,'():*/")

    /// A `$skiptoken` the fake issued: its start row and snapshot id.
    static func decodeSkipToken(_ token: String) -> (startRow: Int, snapshot: String?)? {
        let standard = token.replacingOccurrences(of: " ", with: "+")
        guard let data = Data(base64Encoded: standard),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let start = object["startRow"] as? Int, start >= 0
        else { return nil }
        return (start, object["snapshot"] as? String)
    }
}
