// A strict reader of Internet messages for the Gmail fake, written from the RFCs (not from
// our builder): RFC 5322 (CRLF lines, header fields `name: value`, folding by CRLF + WSP,
// ASCII-only headers, lines of at most 998 octets), RFC 2045 (Content-Type, parameters,
// Content-Transfer-Encoding 7bit/8bit/base64/quoted-printable, base64 lines of at most 76
// characters), RFC 2046 (multipart bodies: `--boundary` delimiters, the closing
// `--boundary--`), RFC 2047 (encoded-words in headers) and RFC 2231 (`name*=charset''value`).
//
// https://www.rfc-editor.org/rfc/rfc5322 · https://www.rfc-editor.org/rfc/rfc2045
// https://www.rfc-editor.org/rfc/rfc2046 · https://www.rfc-editor.org/rfc/rfc2047
// https://www.rfc-editor.org/rfc/rfc2231

public import Foundation

/// One MIME entity (a whole message or a part): its header fields, media type, parameters,
/// decoded body, and for multiparts its parts. `parse` throws `MIMEReader.Violation` naming
/// the first rule a message breaks.
public struct MIMEEntity: Sendable {
    /// Header fields in order, values unfolded (CRLF before WSP removed), still encoded.
    public var headers: [(name: String, value: String)]
    /// `type/subtype`, lower-cased (`text/plain` when absent, as RFC 2045 §5.2 says).
    public var mediaType: String
    /// Content-Type parameters (names lower-cased; RFC 2231 values decoded).
    public var parameters: [String: String]
    /// The body after its transfer encoding is undone (empty for multiparts).
    public var body: Data
    /// The parts of a multipart.
    public var parts: [MIMEEntity]

    /// The first header field named `name` (case-insensitive), unfolded.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// A header's value with RFC 2047 encoded-words decoded.
    public func decodedHeader(_ name: String) -> String? { header(name).map(MIMEReader.decodeWords) }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// Content-Disposition parameters (RFC 2231 decoded), e.g. `filename`.
    public var dispositionParameters: [String: String] {
        header("Content-Disposition").map { MIMEReader.parameters(of: $0).1 } ?? [:]
    }

    /// Every leaf part, depth first (the entity itself when it is not a multipart).
    public var leaves: [MIMEEntity] { parts.isEmpty ? [self] : parts.flatMap(\.leaves) }

    /// The addresses of an address header (`To`, `Cc`, `Bcc`…), without display names.
    public func addresses(_ name: String) -> [String] {
        guard let value = header(name) else { return [] }
        return MIMEReader.splitAddresses(value).map { item in
            if let open = item.lastIndex(of: "<"), let close = item.lastIndex(of: ">"), open < close {
                return String(item[item.index(after: open)..<close])
            }
            return item.trimmingCharacters(in: .whitespaces)
        }
    }
}

/// Parses and checks Internet messages; see `MIMEEntity`.
public enum MIMEReader {
    /// A rule of the RFCs the message breaks.
    public struct Violation: Error, CustomStringConvertible, Sendable {
        /// What is wrong.
        public var description: String
    }

    /// Parses `data` as a message, checking CRLF line endings and the rules named above.
    public static func parse(_ data: Data) throws -> MIMEEntity {
        let bytes = [UInt8](data)
        for (index, byte) in bytes.enumerated() where byte == 0x0A && (index == 0 || bytes[index - 1] != 0x0D) {
            throw Violation(description: "bare LF at byte \(index): lines must end with CRLF")
        }
        return try entity(String(decoding: bytes, as: UTF8.self), isMessage: true)
    }

    static func entity(_ text: String, isMessage: Bool) throws -> MIMEEntity {
        let head: Substring, body: Substring
        if let gap = text.range(of: "\r\n\r\n") {
            head = text[..<gap.lowerBound]
            body = text[gap.upperBound...]
        } else if text.hasPrefix("\r\n") {
            head = ""; body = Substring(text.unicodeScalars.dropFirst(2))  // CRLF is one Character: drop its two scalars
        } else {
            throw Violation(description: "no empty line between the header and the body")
        }
        var headers: [(name: String, value: String)] = []
        for line in head.components(separatedBy: "\r\n") where !line.isEmpty {
            guard line.utf8.count <= 998 else { throw Violation(description: "a header line is longer than 998 octets") }
            guard line.unicodeScalars.allSatisfy({ $0.isASCII }) else {
                throw Violation(description: "non-ASCII text in a header line (encode it per RFC 2047): \(line.prefix(60))")
            }
            if line.first == " " || line.first == "\t" {
                guard !headers.isEmpty else { throw Violation(description: "a continuation line before any header field") }
                headers[headers.count - 1].value += line
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { throw Violation(description: "a header line without a colon: \(line.prefix(60))") }
            let name = String(line[..<colon])
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                throw Violation(description: "an invalid header field name: \(name.prefix(60))")
            }
            headers.append((name, String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
        }
        if isMessage, !headers.contains(where: { $0.name.lowercased() == "mime-version" }),
            headers.contains(where: { $0.name.lowercased() == "content-type" })
        {
            throw Violation(description: "a MIME message without MIME-Version")
        }
        let typeHeader = headers.first { $0.name.lowercased() == "content-type" }?.value ?? "text/plain; charset=us-ascii"
        let (mediaType, parameters) = Self.parameters(of: typeHeader)
        guard mediaType.split(separator: "/").count == 2 else { throw Violation(description: "Content-Type \(mediaType) is not type/subtype") }
        if mediaType.hasPrefix("multipart/") {
            guard let boundary = parameters["boundary"], !boundary.isEmpty, boundary.count <= 70 else {
                throw Violation(description: "\(mediaType) without a boundary of 1 to 70 characters")
            }
            return MIMEEntity(
                headers: headers, mediaType: mediaType, parameters: parameters, body: Data(),
                parts: try multipart(String(body), boundary: boundary))
        }
        let encoding = headers.first { $0.name.lowercased() == "content-transfer-encoding" }?.value.lowercased() ?? "7bit"
        return MIMEEntity(
            headers: headers, mediaType: mediaType, parameters: parameters, body: try decode(String(body), encoding: encoding), parts: [])
    }

    static func multipart(_ body: String, boundary: String) throws -> [MIMEEntity] {
        let text = "\r\n" + body
        let delimiter = "\r\n--" + boundary
        var pieces = text.components(separatedBy: delimiter)
        guard pieces.count >= 3 else { throw Violation(description: "a multipart with no part or no closing delimiter (--\(boundary)--)") }
        pieces.removeFirst()  // the preamble
        guard let last = pieces.last, last.hasPrefix("--") else { throw Violation(description: "no closing delimiter --\(boundary)--") }
        pieces.removeLast()
        return try pieces.map { piece in
            guard piece.hasPrefix("\r\n") else { throw Violation(description: "a boundary delimiter not followed by CRLF") }
            return try entity(String(piece.unicodeScalars.dropFirst(2)), isMessage: false)  // CRLF is one Character
        }
    }

    static func decode(_ body: String, encoding: String) throws -> Data {
        let lines = body.components(separatedBy: "\r\n")
        switch encoding {
        case "base64":
            guard lines.allSatisfy({ $0.count <= 76 }) else { throw Violation(description: "a base64 line longer than 76 characters") }
            guard let data = Data(base64Encoded: lines.joined()) else { throw Violation(description: "a base64 body that does not decode") }
            return data
        case "7bit":
            guard body.unicodeScalars.allSatisfy({ $0.isASCII && $0 != "\0" }) else { throw Violation(description: "8-bit text in a 7bit part") }
            guard lines.allSatisfy({ $0.utf8.count <= 998 }) else { throw Violation(description: "a line longer than 998 octets") }
            return Data(body.utf8)
        case "8bit", "binary":
            return Data(body.utf8)
        case "quoted-printable":
            var out: [UInt8] = []
            for (index, line) in lines.enumerated() {
                var bytes = Array(line.utf8)[...]
                var soft = false
                if bytes.last == UInt8(ascii: "=") { soft = true; bytes = bytes.dropLast() }
                var i = bytes.startIndex
                while i < bytes.endIndex {
                    if bytes[i] == UInt8(ascii: "="), i + 2 < bytes.endIndex + 0,
                        let value = UInt8(String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
                    {
                        out.append(value); i += 3
                    } else {
                        out.append(bytes[i]); i += 1
                    }
                }
                if !soft && index < lines.count - 1 { out += [0x0D, 0x0A] }
            }
            return Data(out)
        default:
            throw Violation(description: "unknown Content-Transfer-Encoding \(encoding)")
        }
    }

    /// `type/subtype` and the parameters of a Content-Type or Content-Disposition value.
    static func parameters(of value: String) -> (String, [String: String]) {
        var items: [String] = []
        var current = "", quoted = false, escaped = false
        for ch in value {
            if escaped { current.append(ch); escaped = false; continue }
            if ch == "\\" && quoted { escaped = true; continue }
            if ch == "\"" { quoted.toggle(); continue }
            if ch == ";" && !quoted { items.append(current); current = ""; continue }
            current.append(ch)
        }
        items.append(current)
        let first = items.removeFirst().trimmingCharacters(in: .whitespaces).lowercased()
        var parameters: [String: String] = [:]
        for item in items {
            guard let equals = item.firstIndex(of: "=") else { continue }
            var name = item[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = item[item.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if name.hasSuffix("*") {
                name.removeLast()
                let pieces = value.components(separatedBy: "'")
                if pieces.count >= 3 { value = pieces[2...].joined(separator: "'").removingPercentEncoding ?? value }
            }
            parameters[name] = value
        }
        return (first, parameters)
    }

    /// `value` with RFC 2047 encoded-words (`=?charset?B|Q?text?=`) decoded; whitespace
    /// between two adjacent encoded-words is dropped.
    public static func decodeWords(_ value: String) -> String {
        guard let regex = try? NSRegularExpression(pattern: "=\\?([^?]+)\\?([BbQq])\\?([^?]*)\\?=(\\s+(?==\\?))?") else { return value }
        let ns = value as NSString
        var output = ""
        var last = 0
        for match in regex.matches(in: value, range: NSRange(location: 0, length: ns.length)) {
            output += ns.substring(with: NSRange(location: last, length: match.range.location - last))
            let kind = ns.substring(with: match.range(at: 2)).uppercased()
            let text = ns.substring(with: match.range(at: 3))
            if kind == "B", let data = Data(base64Encoded: text) {
                output += String(decoding: data, as: UTF8.self)
            } else {
                var bytes: [UInt8] = []
                var chars = Array(text.utf8)[...]
                while let c = chars.first {
                    chars = chars.dropFirst()
                    if c == UInt8(ascii: "_") {
                        bytes.append(0x20)
                    } else if c == UInt8(ascii: "="), chars.count >= 2,
                        let v = UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16)
                    {
                        bytes.append(v); chars = chars.dropFirst(2)
                    } else {
                        bytes.append(c)
                    }
                }
                output += String(decoding: bytes, as: UTF8.self)
            }
            last = match.range.location + match.range.length
        }
        return output + ns.substring(from: last)
    }

    /// The comma-separated items of an address list (commas inside quotes or angle brackets kept).
    static func splitAddresses(_ value: String) -> [String] {
        var items: [String] = [], current = "", quoted = false, angle = false
        for ch in value {
            if ch == "\"" { quoted.toggle() }
            if ch == "<" && !quoted { angle = true }
            if ch == ">" && !quoted { angle = false }
            if ch == "," && !quoted && !angle { items.append(current); current = ""; continue }
            current.append(ch)
        }
        items.append(current)
        return items.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
