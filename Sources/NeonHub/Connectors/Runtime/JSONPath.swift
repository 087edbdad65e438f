/// Dot paths into JSON as connector definitions write them: `data`, `paging.next`,
/// `error.code`, `data.-1.id` (a negative index counts from the end), and `error..tag`
/// (an empty segment joins the next one with a dot: the key `.tag`), `@odata\.nextLink` (a
/// backslash before a dot keeps it in the key — Dataverse's top-level `@odata.nextLink`; a JSON
/// definition writes it `"@odata\\.nextLink"`), and `*.results` (`*` on a list: the rest of the
/// path in every element, lists joined into one — Google Ads' `searchStream` answers a list of
/// batches, each with its `results`).
enum JSONPath {
    /// The value at `path` in `value`, or nil.
    static func value(at path: String, in value: JSONValue) -> JSONValue? {
        Self.value(at: segments(path)[...], in: value)
    }

    private static func value(at keys: ArraySlice<String>, in value: JSONValue) -> JSONValue? {
        var current: JSONValue? = value
        for (offset, key) in zip(keys.indices, keys) {
            if key == "*", case .array(let items)? = current {
                let rest = keys[(offset + 1)...]
                var joined: [JSONValue] = []
                for item in items {
                    switch rest.isEmpty ? item : Self.value(at: rest, in: item) {
                    case .array(let inner)?: joined += inner
                    case nil, .null?: continue
                    case let single?: joined.append(single)
                    }
                }
                return .array(joined)
            }
            switch current {
            case .object(let members)?: current = members[key]
            case .array(let items)?:
                guard let index = Int(key) else { return nil }
                let position = index < 0 ? items.count + index : index
                current = items.indices.contains(position) ? items[position] : nil
            default: return nil
            }
        }
        return current
    }

    /// The segments of `path`; `a..b` is `["a", ".b"]` and `a\.b.c` is `["a.b", "c"]`.
    static func segments(_ path: String) -> [String] {
        var parts = [""]
        var escaping = false
        for character in path {
            if escaping {
                if character != "." { parts[parts.endIndex - 1].append("\\") }
                parts[parts.endIndex - 1].append(character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else if character == "." {
                parts.append("")
            } else {
                parts[parts.endIndex - 1].append(character)
            }
        }
        if escaping { parts[parts.endIndex - 1].append("\\") }
        var result: [String] = []
        var pendingDot = false
        for part in parts {
            if part.isEmpty { pendingDot = true; continue }
            result.append(pendingDot ? "." + part : part)
            pendingDot = false
        }
        return result
    }

    /// A scalar as text (numbers without a trailing `.0`), or nil for containers and null.
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: s
        case .number?, .bool?: value?.jsonText
        default: nil
        }
    }
}
