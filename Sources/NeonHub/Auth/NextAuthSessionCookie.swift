import Foundation

/// Finds the NextAuth v4 session token in a request's `Cookie` header fields.
///
/// NextAuth names the cookie `next-auth.session-token`, or `__Secure-next-auth.session-token`
/// when the app runs over HTTPS. A token too big for one cookie is split into `<name>.0`,
/// `<name>.1`, … which are concatenated in index order (NextAuth's `SessionStore`; it clears
/// the unchunked cookie when it writes chunks and the other way round). The result is only a
/// candidate: it still goes through `TokenVerifier.verify`.
public enum NextAuthSessionCookie {
    /// The cookie names, most specific first: a secure cookie wins over a plain one.
    public static let names = ["__Secure-next-auth.session-token", "next-auth.session-token"]
    /// Most chunks read; NextAuth writes one per ~3.9 KiB, and a request head is at most 16 KiB.
    static let maximumChunks = 16

    /// The session token carried by `cookieHeaders` (each the value of one `Cookie` field), or
    /// nil when there is none, its chunks have a gap, or it is longer than a token may be.
    public static func token(fromCookieHeaders cookieHeaders: [String]) -> String? {
        let cookies = parse(cookieHeaders)
        guard !cookies.isEmpty else { return nil }
        for name in names {
            if let whole = cookies[name], !whole.isEmpty { return bounded(whole) }
            var chunks: [String] = []
            while chunks.count < maximumChunks, let chunk = cookies["\(name).\(chunks.count)"], !chunk.isEmpty {
                chunks.append(chunk)
            }
            guard !chunks.isEmpty else { continue }
            // A chunk past the last contiguous index means a torn cookie set: refuse it whole.
            let count = chunks.count
            if cookies.keys.contains(where: { chunkIndex(of: $0, name: name).map { $0 >= count } ?? false }) { return nil }
            return bounded(chunks.joined())
        }
        return nil
    }

    /// `name=value` pairs of RFC 6265 §5.4 `Cookie` headers; the first of a repeated name wins
    /// (browsers put the most specific path first). Quoted values are unquoted and
    /// percent-escapes decoded, as NextAuth's `cookie` parser does.
    static func parse(_ headers: [String]) -> [String: String] {
        var cookies: [String: String] = [:]
        for header in headers {
            for pair in header.split(separator: ";") {
                guard let equals = pair.firstIndex(of: "=") else { continue }
                let name = pair[..<equals].trimmingCharacters(in: .whitespaces)
                var value = pair[pair.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
                if value.contains("%") { value = value.removingPercentEncoding ?? value }
                if !name.isEmpty, cookies[name] == nil { cookies[name] = value }
            }
        }
        return cookies
    }

    /// `n` when `cookieName` is `<name>.<n>`.
    private static func chunkIndex(of cookieName: String, name: String) -> Int? {
        guard cookieName.hasPrefix(name + ".") else { return nil }
        return Int(cookieName.dropFirst(name.count + 1))
    }

    private static func bounded(_ token: String) -> String? {
        token.utf8.count <= TokenVerifier.maximumTokenLength ? token : nil
    }
}
