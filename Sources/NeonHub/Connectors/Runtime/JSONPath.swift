/// Dot paths into JSON as connector definitions write them: `data`, `paging.next`,
/// `error.code`, `data.-1.id` (a negative index counts from the end), and `error..tag`
/// (an empty segment joins the next one with a dot: the key `.tag`).
enum JSONPath {
    /// The value at `path` in `value`, or nil.
    static func value(at path: String, in value: JSONValue) -> JSONValue? {
        var current: JSONValue? = value
        for key in segments(path) {
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

    /// The segments of `path`; `a..b` is `["a", ".b"]`.
    static func segments(_ path: String) -> [String] {
        var result: [String] = []
        var pendingDot = false
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            if part.isEmpty { pendingDot = true; continue }
            result.append(pendingDot ? "." + part : String(part))
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
