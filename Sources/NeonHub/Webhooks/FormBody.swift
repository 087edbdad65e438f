/// `application/x-www-form-urlencoded` bodies (Twilio, Mailchimp), every pair kept in order
/// (a repeated name appears once per value, as Twilio signs it).
enum FormBody {
    /// The decoded pairs of `body`; empty when it is not UTF-8.
    static func pairs(_ body: [UInt8]) -> [(name: String, value: String)] {
        guard let text = String(validating: body, as: UTF8.self), !text.isEmpty else { return [] }
        return text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (QueryString.formDecoded(parts[0]), parts.count > 1 ? QueryString.formDecoded(parts[1]) : "")
        }
    }

    /// The pairs as an object (the first value of a repeated name wins).
    static func object(_ body: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in pairs(body) where out[name] == nil { out[name] = value }
        return out
    }
}
