/// JSON scalars written into bytes: the one place that escapes strings and formats numbers,
/// for the stream encoder and for `JSONValue` (responses and `jsonb` binds alike).
enum JSONBytes {
    private static let hex = Array("0123456789abcdef".utf8)

    /// Appends `s` as a quoted JSON string (escaping `"`, `\` and control characters). With
    /// `replacingNUL`, U+0000 is written as U+FFFD: Postgres refuses `\u0000` in `jsonb`, and a
    /// provider's answer carrying one must not make a row impossible to write.
    static func writeString(_ s: String, into out: inout [UInt8], replacingNUL: Bool = false) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var plainStart = 0
            for (i, b) in bytes.enumerated() where b < 0x20 || b == 0x22 || b == 0x5C {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart..<i]))
                switch b {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0x00 where replacingNUL: out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                default: out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                }
                plainStart = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends a number: integral values below 2^53 without a fraction, others in Swift's
    /// shortest round-trip form; a non-finite value (which JSON cannot hold) as `null`.
    static func writeNumber(_ n: Double, into out: inout [UInt8]) {
        if n == n.rounded(), abs(n) < 9e15 {
            out.append(contentsOf: String(Int64(n)).utf8)
        } else if n.isFinite {
            out.append(contentsOf: String(n).utf8)
        } else {
            out.append(contentsOf: "null".utf8)
        }
    }
}
