import Foundation

/// Fills a definition's `{{…}}` placeholders from the call: `{{input.x}}` (the validated
/// input, dot paths allowed), `{{vars.x}}` (the connection's variables), `{{account.id}}`
/// (the account the call acts as) and `{{app.x}}` (app-level settings).
///
/// In strings every placeholder is replaced by its text (a missing value is empty). In a
/// JSON body template a string that is exactly one placeholder becomes the value itself,
/// keeping its type, and is left out of its object or array when the value is missing, so
/// optional input fields stay optional on the wire. A nested object whose placeholders are all
/// missing is left out too, literals and all: an optional reference such as PagerDuty's
/// `{"id": "{{input.policyId}}", "type": "escalation_policy_reference"}` is not sent as a
/// half-empty object the provider refuses. A nested list whose items are all left out is left
/// out as well (no `"parents": []` for an optional parent).
struct TemplateRenderer: Sendable {
    /// The values placeholders name, by root (`input`, `vars`, `account`, `app`).
    var scope: [String: JSONValue]

    /// The value a placeholder expression names (`input.message`), or nil.
    func resolve(_ expression: String) -> JSONValue? {
        let trimmed = expression.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ".", maxSplits: 1).map(String.init)
        guard let root = scope[parts[0]] else { return nil }
        let value = parts.count == 2 ? JSONPath.value(at: parts[1], in: root) : root
        if case .null? = value { return nil }
        return value
    }

    /// `text` with every placeholder replaced by its value's text; `encode` transforms each
    /// value (percent-encoding for path segments).
    func render(_ text: String, encode: (String) -> String = { $0 }) -> String {
        guard text.contains("{{") else { return text }
        return render(text, literal: { $0 }, value: encode)
    }

    /// `text` with its literal parts passed through `literal` and each placeholder's value
    /// through `value` (Rest.li query values: structural characters raw, values encoded).
    func render(_ text: String, literal: (String) -> String, value: (String) -> String) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            output += literal(String(rest[..<open.lowerBound]))
            output += value(Self.text(resolve(String(rest[open.upperBound..<close.lowerBound]))))
            rest = rest[close.upperBound...]
        }
        return output + literal(String(rest))
    }

    /// Whether every placeholder in `text` has a value (an optional query parameter or header
    /// whose placeholders are all empty is not sent).
    func isComplete(_ text: String) -> Bool {
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            if resolve(String(rest[open.upperBound..<close.lowerBound])) == nil { return false }
            rest = rest[close.upperBound...]
        }
        return true
    }

    /// A JSON template rendered; nil when the whole template is a missing placeholder. The
    /// template's own top-level object is always rendered (an empty body stays `{}`).
    func render(json template: JSONValue) -> JSONValue? { render(json: template, nested: false) }

    private func render(json template: JSONValue, nested: Bool) -> JSONValue? {
        switch template {
        case .string(let text):
            if let expression = Self.soleExpression(text) { return resolve(expression) }
            return .string(render(text))
        case .array(let items):
            let rendered = items.compactMap { render(json: $0, nested: true) }
            // A list of optional references that are all missing is left out like one reference
            // (Drive's `parents: ["{{input.parentId}}"]` without a parent: no `parents`).
            if nested, rendered.isEmpty, !items.isEmpty { return nil }
            return .array(rendered)
        case .object(let members):
            var expressions: [String] = []
            Self.collectExpressions(in: template, into: &expressions)
            if nested, !expressions.isEmpty, expressions.allSatisfy({ resolve($0) == nil }) { return nil }
            var rendered: [String: JSONValue] = [:]
            for (key, value) in members { if let v = render(json: value, nested: true) { rendered[key] = v } }
            return .object(rendered)
        default:
            return template
        }
    }

    /// Every placeholder expression in a JSON template, in strings at any depth.
    private static func collectExpressions(in template: JSONValue, into expressions: inout [String]) {
        switch template {
        case .string(var rest):
            while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
                expressions.append(String(rest[open.upperBound..<close.lowerBound]))
                rest = String(rest[close.upperBound...])
            }
        case .array(let items):
            for item in items { collectExpressions(in: item, into: &expressions) }
        case .object(let members):
            for value in members.values { collectExpressions(in: value, into: &expressions) }
        default:
            break
        }
    }

    /// `input.x` when `text` is exactly `{{input.x}}`.
    static func soleExpression(_ text: String) -> String? {
        guard text.hasPrefix("{{"), text.hasSuffix("}}"), text.count > 4 else { return nil }
        let inner = text.dropFirst(2).dropLast(2)
        return inner.contains("{{") || inner.contains("}}") ? nil : String(inner)
    }

    /// A value's text in a URL, header or form field (objects and arrays as compact JSON).
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: ""
        case .string(let s)?: s
        case let other?: other.jsonText
        }
    }

    /// Percent-encodes a path segment (RFC 3986 unreserved characters stay as they are), so a
    /// LinkedIn URN or a site URL stays one segment.
    static func encodePathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// Percent-encodes a query or form component.
    static func encodeQueryComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// Percent-encodes the literal part of a Rest.li 2.0 query value: its structural
    /// characters `( ) , :` (and `*` of projections) stay raw, as the protocol requires
    /// (https://linkedin.github.io/rest.li/spec/protocol#restli-protocol-20-object-and-listarray-representation);
    /// values substituted into it are encoded whole by `encodeQueryComponent`, so a URN's `:`
    /// inside `List(…)` becomes `%3A`.
    static func encodeRestliLiteral(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: restliStructural) ?? text
    }

    /// Encodes a value substituted into a Rest.li query: a value that is itself a Rest.li
    /// expression (`(timeRange:(…))`, `List(urn%3Ali%3Ashare%3A1)`, written by the caller with
    /// its URNs already encoded) keeps its structure and escapes; anything else (a URN, a
    /// word) is encoded whole, so `urn:li:organization:1` goes out as `urn%3Ali%3Aorganization%3A1`.
    static func encodeRestliValue(_ text: String) -> String {
        guard text.hasPrefix("(") || text.hasPrefix("List(") else { return encodeQueryComponent(text) }
        return text.addingPercentEncoding(withAllowedCharacters: restliStructural.union(CharacterSet(charactersIn: "%"))) ?? text
    }

    private static let restliStructural = unreserved.union(CharacterSet(charactersIn: "(),:*"))

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
