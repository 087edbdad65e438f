// The search syntax of Dropbox Sign's list endpoints, as DropboxSignFake.swift cites it
// (https://developers.hellosign.com/api/reference/search/): `field:value` terms for to, from
// (`me` is the caller), title, subject, message, complete, declined, test_mode and created
// (`{min TO max}` exclusive, `[min TO max]` inclusive, dates `YYYY-MM-DD`); bare terms match to,
// from, title, subject, message and metadata; `AND` and `OR` (case-sensitive) combine them; a
// leading wildcard is not a valid query. Assumed: `AND` binds tighter than `OR`, a value runs to
// the next operator, matching is a case-insensitive substring, a trailing `*` a prefix.

import Foundation

/// A parsed `query` of `/signature_request/list`.
struct DropboxSignSearch {
    /// One `field:value` or bare term.
    struct Term {
        var field: String?
        var value: String
    }

    static let fields: Set<String> = ["to", "from", "title", "subject", "message", "complete", "declined", "test_mode", "created", "metadata"]

    /// Alternatives (`OR`), each a conjunction (`AND`) of terms.
    var alternatives: [[Term]]

    /// Nil when the query is not valid (a leading wildcard, an empty operand, an unknown field).
    init?(_ text: String) {
        var alternatives: [[Term]] = [[]]
        var words: [String] = []
        func flush() -> Bool {
            guard !words.isEmpty else { return false }
            let phrase = words.joined(separator: " ")
            words = []
            var term = Term(field: nil, value: phrase)
            if let colon = phrase.firstIndex(of: ":"), !phrase.hasPrefix("http") {
                let field = String(phrase[..<colon])
                guard Self.fields.contains(field) else { return false }
                term = Term(field: field, value: String(phrase[phrase.index(after: colon)...]))
            }
            guard !term.value.isEmpty, !term.value.hasPrefix("*") else { return false }
            alternatives[alternatives.count - 1].append(term)
            return true
        }
        for word in text.split(separator: " ").map(String.init) {
            switch word {
            case "AND":
                guard flush() else { return nil }
            case "OR":
                guard flush() else { return nil }
                alternatives.append([])
            default:
                words.append(word)
            }
        }
        guard flush() else { return nil }
        self.alternatives = alternatives
    }

    /// Whether `request` matches, `me` being the caller's email address.
    func matches(_ request: DropboxSignFake.SignatureRequest, me: String) -> Bool {
        alternatives.contains { terms in terms.allSatisfy { Self.matches($0, request, me: me) } }
    }

    static func contains(_ haystack: [String], _ value: String) -> Bool {
        let needle = value.lowercased()
        if needle.hasSuffix("*") {
            let prefix = needle.dropLast()
            return haystack.contains { text in
                text.lowercased().split(separator: " ").contains { $0.hasPrefix(prefix) } || text.lowercased().hasPrefix(prefix)
            }
        }
        return haystack.contains { $0.lowercased().contains(needle) }
    }

    static func matches(_ term: Term, _ request: DropboxSignFake.SignatureRequest, me: String) -> Bool {
        let value = term.value
        let signers = request.signers.flatMap { [$0.email, $0.name] }
        switch term.field {
        case "to": return value == "me" ? request.signers.contains { $0.email == me } : contains(signers, value)
        case "from": return value == "me" ? request.requesterEmail == me : contains([request.requesterEmail], value)
        case "title": return contains([request.title], value)
        case "subject": return contains([request.subject], value)
        case "message": return contains([request.message], value)
        case "metadata": return contains([request.metadataJSON], value)
        case "complete": return request.isComplete == (value == "true")
        case "declined": return request.isDeclined == (value == "true")
        case "test_mode": return request.testMode == (value == "true")
        case "created": return created(value, request.createdAt)
        default:
            return contains(signers + [request.requesterEmail, request.title, request.subject, request.message, request.metadataJSON], value)
        }
    }

    /// A `{min TO max}` or `[min TO max]` range of `YYYY-MM-DD` dates (`*` for open ends).
    static func created(_ range: String, _ createdAt: Int) -> Bool {
        guard let open = range.first, let close = range.last, "[{".contains(open), "]}".contains(close) else { return false }
        let bounds = range.dropFirst().dropLast().components(separatedBy: " TO ")
        guard bounds.count == 2 else { return false }
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyy-MM-dd"
        let date = Date(timeIntervalSince1970: TimeInterval(createdAt))
        let inclusive = open == "["
        if bounds[0] != "*", let low = format.date(from: bounds[0]) {
            guard inclusive ? date >= low : date > low else { return false }
        }
        if bounds[1] != "*", let high = format.date(from: bounds[1]) {
            guard inclusive ? date <= high : date < high else { return false }
        }
        return true
    }
}
