import Foundation

/// Header-field encodings for the messages `MIMEMessage` builds:
/// RFC 2047 encoded-words (`=?UTF-8?B?…?=`, at most 75 characters each, never splitting a
/// UTF-8 sequence) for non-ASCII subjects and display names, RFC 5322 quoted strings,
/// RFC 2231 parameter values (`filename*=UTF-8''…`) for non-ASCII file names, and base64
/// bodies in lines of 76 characters (RFC 2045 §6.8). Every value that reaches a header is
/// first checked for CR, LF and NUL, which would let it end the header and start another.
enum MIMEHeader {
    static let crlf = "\r\n"

    /// Throws `invalidInput` when `value` holds CR, LF or NUL (header injection).
    static func refuseLineBreaks(_ value: String, field: String) throws {
        if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
            throw ConnectorError(.invalidInput, "\(field) may not contain line breaks (CR or LF): a header value cannot span lines")
        }
    }

    /// At most 60 characters of `text`, control characters shown as `?`, for error messages.
    static func preview(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(60).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
    }

    /// Printable ASCII (space to `~`) only.
    static func isPrintableASCII(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
    }

    /// An unstructured header value (`Subject`): as is when it is printable ASCII without
    /// `=?` and fits a line; otherwise RFC 2047 encoded-words folded onto continuation lines.
    static func unstructured(_ text: String) -> String {
        if isPrintableASCII(text), !text.contains("=?"), text.utf8.count <= 900 { return text }
        return encodedWords(text).joined(separator: crlf + " ")
    }

    /// A display name (`phrase`): atoms as is, other printable ASCII as a quoted string,
    /// anything else as encoded-words.
    static func phrase(_ text: String) -> String {
        guard isPrintableASCII(text), !text.contains("=?") else { return encodedWords(text).joined(separator: " ") }
        let atext = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ")
        if text.unicodeScalars.allSatisfy(atext.contains) { return text }
        return quoted(text)
    }

    /// An RFC 5322 quoted string (`\` and `"` escaped).
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `text` as RFC 2047 B-encoded UTF-8 words of at most 75 characters (45 bytes of text each).
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 45 {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }

    /// A `name="value"` parameter, or `name*=UTF-8''percent-encoded` (RFC 2231) when the value is not printable ASCII.
    static func parameter(_ name: String, _ value: String) -> String {
        if isPrintableASCII(value) { return "\(name)=\(quoted(value))" }
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        let encoded = value.utf8.map { byte -> String in
            let scalar = Unicode.Scalar(byte)
            return byte < 0x80 && unreserved.contains(scalar) ? String(Character(scalar)) : String(format: "%%%02X", byte)
        }.joined()
        return "\(name)*=UTF-8''\(encoded)"
    }

    /// `data` in base64, in lines of 76 characters separated by CRLF.
    static func base64Lines(_ data: Data) -> String {
        let text = data.base64EncodedString()
        var lines: [Substring] = []
        var start = text.startIndex
        while start < text.endIndex {
            let end = text.index(start, offsetBy: 76, limitedBy: text.endIndex) ?? text.endIndex
            lines.append(text[start..<end])
            start = end
        }
        return lines.joined(separator: crlf)
    }

    /// `text` with every line break (CRLF, CR or LF) as CRLF.
    static func crlfLines(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n").replacingOccurrences(of: "\n", with: crlf)
    }
}
