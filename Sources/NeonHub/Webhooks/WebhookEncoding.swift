import Foundation

/// The byte encodings signatures arrive in: lower/upper-case hex and standard base64.
enum WebhookEncoding {
    /// Bytes as lower-case hex.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Hex (either case) to bytes; nil for an odd length or a non-hex character.
    static func unhex(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// Standard (padded) base64 to bytes; nil when it is not base64.
    static func unbase64(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)).map { [UInt8]($0) }
    }

    /// Whether `provided` (decoded) equals `expected`, in constant time over the bytes.
    static func matches(_ provided: [UInt8]?, _ expected: [UInt8]) -> Bool {
        guard let provided else { return false }
        return constantTimeEquals(provided, expected)
    }

    /// `a=1,b=2,b=3` → `[("a","1"), ("b","2"), ("b","3")]` (whitespace around items trimmed).
    static func keyValueList(_ header: String, separator: Character = ",") -> [(key: String, value: String)] {
        header.split(separator: separator).compactMap { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            return (parts[0].trimmingCharacters(in: .whitespaces), parts[1].trimmingCharacters(in: .whitespaces))
        }
    }
}
