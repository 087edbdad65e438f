import Foundation

/// What a polling trigger's read answered, as items it can compare with the last poll: each
/// with a key (its id, or id@version when the trigger names a version; the SHA-256 of its JSON
/// when it has no id) and its version. Pure: `TriggerPoller` does the reading and storing.
struct PolledItems: Sendable, Equatable {
    /// One item of the output.
    struct Item: Sendable, Equatable {
        /// What identifies this state of the item among the polls (`42`, `42@2026-12-03T10:00:00Z`).
        var key: String
        /// The item's version value, if the trigger names one and the item has it.
        var version: String?
        /// The item as the action's output mapped it: the event's payload.
        var payload: JSONValue
        /// The account of the connection it was read as, for a trigger polled per account.
        var accountID: String?
    }

    /// The items in output order, without repeated keys.
    var items: [Item]

    /// Items already read (the accounts of a per-account poll, one after another).
    init(items: [Item]) { self.items = items }

    /// The items of `output` under `spec` (the trigger's `poll`, or the defaults); read as
    /// `account`, each key starts with `<account>/` (one record seen in two calendars is two items).
    init(_ output: JSONValue, spec: ConnectorDefinition.Trigger.Poll?, account: String? = nil) {
        let list: [JSONValue]
        switch spec?.items.flatMap({ JSONPath.value(at: $0, in: output) }) ?? Self.defaultItems(output) {
        case .array(let values): list = values
        case .null, nil: list = []
        case let single?: list = [single]
        }
        var keys = Set<String>()
        items = list.compactMap { payload in
            let version = spec?.version.flatMap { path in
                path == "*" ? SHA256Digest.hex(payload.jsonBytes) : JSONPath.text(JSONPath.value(at: path, in: payload))
            }
            let id = JSONPath.text(JSONPath.value(at: spec?.id ?? "id", in: payload))
            let own = id.map { id in version.map { "\(id)@\($0)" } ?? id } ?? "sha256:" + SHA256Digest.hex(payload.jsonBytes)
            let key = account.map { "\($0)/\(own)" } ?? own
            guard keys.insert(key).inserted else { return nil }
            return Item(key: key, version: version, payload: payload, accountID: account)
        }
    }

    /// Without an `items` path: the output when it is a list, else its `items` (a paged read's
    /// `{items, pages, truncated}`), else the whole output as one item.
    static func defaultItems(_ output: JSONValue) -> JSONValue? {
        if case .array = output { return output }
        if case .array? = output["items"] { return output["items"] }
        return output
    }

    /// The items whose key is not among `seen` (the keys the earlier polls remembered).
    func fresh(after seen: [String]) -> [Item] {
        let known = Set(seen)
        return items.filter { !known.contains($0.key) }
    }

    /// What to remember after this poll: this poll's keys, then the earlier ones not among
    /// them, at most `limit` (so an item that drops out of one answer and returns in the next
    /// is not new again, while the memory stays bounded).
    func remembered(after seen: [String], limit: Int = 2_000) -> [String] {
        var keys = items.map(\.key)
        var known = Set(keys)
        for key in seen where keys.count < limit && known.insert(key).inserted { keys.append(key) }
        return Array(keys.prefix(limit))
    }

    /// The newest of `watermark` and this poll's versions (meaningless for `*` versions, which
    /// no trigger passes as `since`): numbers compare as numbers, other
    /// values as text (ISO 8601 timestamps of one format sort as text).
    func watermark(after watermark: String?) -> String? {
        items.compactMap(\.version).reduce(watermark) { newest, version in
            guard let newest else { return version }
            return Self.isNewer(version, than: newest) ? version : newest
        }
    }

    static func isNewer(_ a: String, than b: String) -> Bool {
        if let x = Double(a), let y = Double(b) { return x > y }
        return a > b
    }
}
