/// Why a JSON text was rejected: the byte offset where parsing stopped and a short reason.
public struct JSONParseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Offset (from the first byte of the input) of the offending byte.
    public let offset: Int
    /// What was wrong there.
    public let reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "Invalid JSON at byte \(offset): \(reason)" }
}

/// A strict RFC 8259 parser from UTF-8 bytes to `JSONValue`.
///
/// Only space, tab, LF and CR count as whitespace; numbers follow the JSON grammar exactly;
/// strings must be valid UTF-8 without raw control characters; surrogate escapes must pair up;
/// duplicate object keys keep the last value. Nesting is limited to `maxDepth` containers and
/// handled with explicit stacks, so hostile input can never overflow the call stack.
enum JSONParser {
    /// The deepest accepted nesting of arrays and objects.
    static let maxDepth = 512

    /// Parses one JSON text (surrounding whitespace allowed, nothing else).
    static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let contiguous = bytes.withContiguousStorageIfAvailable { buffer -> Result<JSONValue, JSONParseError> in
            var reader = Reader(buffer)
            do throws(JSONParseError) { return .success(try reader.parseDocument()) } catch { return .failure(error) }
        }
        if let contiguous { return try contiguous.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer throws(JSONParseError) -> JSONValue in
            var reader = Reader(buffer)
            return try reader.parseDocument()
        }
    }

    private enum Container { case array, object }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func fail(_ reason: String, at offset: Int? = nil) -> JSONParseError {
            JSONParseError(offset: offset ?? index, reason: reason)
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        /// The next non-whitespace byte (not consumed).
        mutating func peekToken() throws(JSONParseError) -> UInt8 {
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input") }
            return bytes[index]
        }

        mutating func parseDocument() throws(JSONParseError) -> JSONValue {
            let value = try parseValue()
            skipWhitespace()
            guard index == bytes.count else { throw fail("unexpected content after the value") }
            return value
        }

        /// Parses one value, nested containers included, without recursion.
        mutating func parseValue() throws(JSONParseError) -> JSONValue {
            var open: [Container] = []
            var arrays: [[JSONValue]] = []
            var objects: [[String: JSONValue]] = []
            var keys: [String] = []

            nextValue: while true {
                var value: JSONValue
                switch try peekToken() {
                case UInt8(ascii: "["):
                    guard open.count < JSONParser.maxDepth else { throw fail("nesting deeper than \(JSONParser.maxDepth)") }
                    index += 1
                    if try peekToken() == UInt8(ascii: "]") {
                        index += 1
                        value = .array([])
                    } else {
                        open.append(.array)
                        arrays.append([])
                        continue nextValue
                    }
                case UInt8(ascii: "{"):
                    guard open.count < JSONParser.maxDepth else { throw fail("nesting deeper than \(JSONParser.maxDepth)") }
                    index += 1
                    if try peekToken() == UInt8(ascii: "}") {
                        index += 1
                        value = .object([:])
                    } else {
                        keys.append(try parseKey())
                        open.append(.object)
                        objects.append([:])
                        continue nextValue
                    }
                case UInt8(ascii: "\""): value = .string(try parseString())
                case UInt8(ascii: "t"): try expectLiteral("true"); value = .bool(true)
                case UInt8(ascii: "f"): try expectLiteral("false"); value = .bool(false)
                case UInt8(ascii: "n"): try expectLiteral("null"); value = .null
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): value = .number(try parseNumber())
                default: throw fail("unexpected character")
                }

                // A value is complete: store it in its container, closing containers as they end.
                while let container = open.last {
                    switch container {
                    case .array:
                        arrays[arrays.count - 1].append(value)
                        switch try peekToken() {
                        case UInt8(ascii: ","):
                            index += 1
                            continue nextValue
                        case UInt8(ascii: "]"):
                            index += 1
                            open.removeLast()
                            value = .array(arrays.removeLast())
                        default: throw fail("expected ',' or ']'")
                        }
                    case .object:
                        objects[objects.count - 1][keys.removeLast()] = value
                        switch try peekToken() {
                        case UInt8(ascii: ","):
                            index += 1
                            keys.append(try parseKey())
                            continue nextValue
                        case UInt8(ascii: "}"):
                            index += 1
                            open.removeLast()
                            value = .object(objects.removeLast())
                        default: throw fail("expected ',' or '}'")
                        }
                    }
                }
                return value
            }
        }

        /// A member name and its colon.
        mutating func parseKey() throws(JSONParseError) -> String {
            guard try peekToken() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let key = try parseString()
            guard try peekToken() == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            return key
        }

        mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
            let start = index
            let count = literal.utf8CodeUnitCount
            guard bytes.count - index >= count else { throw fail("invalid literal", at: start) }
            let text = literal.utf8Start
            for offset in 0..<count where bytes[index + offset] != text[offset] {
                throw fail("invalid literal", at: start)
            }
            index += count
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        /// Consumes one or more digits.
        mutating func digits() throws(JSONParseError) {
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("expected a digit") }
            repeat { index += 1 } while index < bytes.count && isDigit(bytes[index])
        }

        mutating func parseNumber() throws(JSONParseError) -> Double {
            let start = index
            let negative = bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            let integerStart = index
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("expected a digit") }
            if bytes[index] == UInt8(ascii: "0") { index += 1 } else { try digits() }
            let integerEnd = index
            var integral = true
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                try digits()
                integral = false
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                try digits()
                integral = false
            }
            // Up to 18 digits fit an Int64, whose conversion to Double is correctly rounded.
            if integral, integerEnd - integerStart <= 18 {
                var magnitude: Int64 = 0
                for i in integerStart..<integerEnd { magnitude = magnitude &* 10 &+ Int64(bytes[i] &- UInt8(ascii: "0")) }
                let value = Double(magnitude)
                return negative ? -value : value
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else { throw fail("number out of range", at: start) }
            return value
        }

        func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        /// Reads the four hex digits after `\u` (index is on the `u`).
        mutating func hexQuad() throws(JSONParseError) -> UInt32 {
            let start = index - 1
            index += 1
            guard bytes.count - index >= 4 else { throw fail("invalid \\u escape", at: start) }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = hexValue(bytes[index]) else { throw fail("invalid \\u escape", at: start) }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        func makeString(_ utf8: UnsafeBufferPointer<UInt8>, at offset: Int) throws(JSONParseError) -> String {
            guard let string = String(validating: utf8, as: UTF8.self) else { throw fail("invalid UTF-8 in string", at: offset) }
            return string
        }

        /// Parses a string (index is on the opening quote).
        mutating func parseString() throws(JSONParseError) -> String {
            let quote = index
            index += 1
            let start = index
            // Fast path: no escapes.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let string = try makeString(UnsafeBufferPointer(rebasing: bytes[start..<index]), at: quote)
                    index += 1
                    return string
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw fail("control character in string") }
                index += 1
            }
            guard index < bytes.count else { throw fail("unterminated string", at: quote) }

            var buffer: [UInt8] = []
            buffer.reserveCapacity(index - start + 16)
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return try buffer.withUnsafeBufferPointer { utf8 throws(JSONParseError) in try makeString(utf8, at: quote) }
                case UInt8(ascii: "\\"):
                    let escape = index
                    index += 1
                    guard index < bytes.count else { break }
                    switch bytes[index] {
                    case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\"")); index += 1
                    case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\")); index += 1
                    case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/")); index += 1
                    case UInt8(ascii: "b"): buffer.append(0x08); index += 1
                    case UInt8(ascii: "f"): buffer.append(0x0C); index += 1
                    case UInt8(ascii: "n"): buffer.append(0x0A); index += 1
                    case UInt8(ascii: "r"): buffer.append(0x0D); index += 1
                    case UInt8(ascii: "t"): buffer.append(0x09); index += 1
                    case UInt8(ascii: "u"):
                        var scalar = try hexQuad()
                        if scalar >= 0xD800, scalar <= 0xDBFF {
                            guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                                throw fail("unpaired surrogate", at: escape)
                            }
                            index += 1
                            let low = try hexQuad()
                            guard low >= 0xDC00, low <= 0xDFFF else { throw fail("unpaired surrogate", at: escape) }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if scalar >= 0xDC00, scalar <= 0xDFFF {
                            throw fail("unpaired surrogate", at: escape)
                        }
                        // Checked above: never a surrogate, never above 0x10FFFF.
                        buffer.append(contentsOf: Unicode.UTF8.encode(Unicode.Scalar(scalar)!)!)
                    default:
                        throw fail("invalid escape", at: escape)
                    }
                default:
                    if byte < 0x20 { throw fail("control character in string") }
                    buffer.append(byte)
                    index += 1
                }
            }
            throw fail("unterminated string", at: quote)
        }
    }
}
