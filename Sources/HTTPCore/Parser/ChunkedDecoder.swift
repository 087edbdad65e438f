/// Incremental decoder for the `chunked` transfer coding (RFC 9112 §7.1): chunk sizes,
/// extensions (validated and ignored), data and trailers (validated and ignored).
///
/// Feed it any slice of the stream; it consumes what it can and resumes where it stopped.
struct ChunkedDecoder {
    enum Outcome: Equatable {
        case needMore
        case done
        case failed(HTTPParseError)
    }

    private enum State {
        case size(value: Int, digits: Int)
        case extensionBytes(count: Int)
        case sizeLF
        case data(remaining: Int)
        case dataCR
        case dataLF
        case trailerLineStart
        case trailerLine(count: Int)
        case trailerLF(emptyLine: Bool)
        case done
    }

    private var state: State = .size(value: 0, digits: 0)
    private var lastSize = 0
    private var trailerBytes = 0

    /// Longest chunk extension accepted on one size line.
    static let maxExtensionBytes = 4096
    /// Largest trailer section accepted.
    static let maxTrailerBytes = 16 * 1024

    /// Consumes bytes from `input`, appending chunk data to `body`.
    /// - Returns: the outcome and how many bytes of `input` were consumed.
    mutating func decode(_ input: UnsafeBufferPointer<UInt8>, into body: inout [UInt8], maxBody: Int) -> (Outcome, Int) {
        var i = 0
        let n = input.count
        while i < n {
            let c = input[i]
            switch state {
            case .size(let value, let digits):
                if let h = ByteClass.hexValue(c) {
                    guard digits < 15 else { return (.failed(.bad("chunk size too long")), i) }
                    state = .size(value: value * 16 + h, digits: digits + 1)
                    i += 1
                } else if digits == 0 {
                    return (.failed(.bad("invalid chunk size")), i)
                } else if c == ByteClass.cr {
                    lastSize = value
                    state = .sizeLF
                    i += 1
                } else if c == UInt8(ascii: ";") || c == ByteClass.sp || c == ByteClass.ht {
                    lastSize = value
                    state = .extensionBytes(count: 1)
                    i += 1
                } else {
                    return (.failed(.bad("invalid chunk size")), i)
                }
            case .extensionBytes(let count):
                if c == ByteClass.cr {
                    state = .sizeLF
                } else if c == ByteClass.lf || !ByteClass.isFieldValueByte(c) {
                    return (.failed(.bad("invalid chunk extension")), i)
                } else {
                    guard count < Self.maxExtensionBytes else { return (.failed(.bad("chunk extension too long")), i) }
                    state = .extensionBytes(count: count + 1)
                }
                i += 1
            case .sizeLF:
                guard c == ByteClass.lf else { return (.failed(.bad("bare CR in chunk size line")), i) }
                i += 1
                if lastSize == 0 {
                    state = .trailerLineStart
                } else {
                    if body.count + lastSize > maxBody {
                        return (.failed(.init(status: 413, reason: "request body too large")), i)
                    }
                    state = .data(remaining: lastSize)
                }
            case .data(let remaining):
                let take = min(remaining, n - i)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: input[i..<(i + take)]))
                i += take
                state = take == remaining ? .dataCR : .data(remaining: remaining - take)
            case .dataCR:
                guard c == ByteClass.cr else { return (.failed(.bad("chunk data not followed by CRLF")), i) }
                state = .dataLF
                i += 1
            case .dataLF:
                guard c == ByteClass.lf else { return (.failed(.bad("chunk data not followed by CRLF")), i) }
                state = .size(value: 0, digits: 0)
                i += 1
            case .trailerLineStart:
                if c == ByteClass.cr {
                    state = .trailerLF(emptyLine: true)
                } else if c == ByteClass.sp || c == ByteClass.ht {
                    return (.failed(.bad("obsolete line folding in trailer")), i)
                } else if !ByteClass.isToken(c) {
                    return (.failed(.bad("invalid trailer field")), i)
                } else {
                    state = .trailerLine(count: 1)
                }
                trailerBytes += 1
                i += 1
            case .trailerLine(let count):
                if c == ByteClass.cr {
                    state = .trailerLF(emptyLine: false)
                } else if !ByteClass.isFieldValueByte(c) {
                    return (.failed(.bad("invalid trailer field")), i)
                } else {
                    state = .trailerLine(count: count + 1)
                }
                trailerBytes += 1
                guard trailerBytes <= Self.maxTrailerBytes else {
                    return (.failed(.init(status: 431, reason: "trailer section too large")), i)
                }
                i += 1
            case .trailerLF(let emptyLine):
                guard c == ByteClass.lf else { return (.failed(.bad("bare CR in trailer")), i) }
                i += 1
                if emptyLine {
                    state = .done
                    return (.done, i)
                }
                state = .trailerLineStart
            case .done:
                return (.done, i)
            }
        }
        if case .done = state { return (.done, i) }
        return (.needMore, i)
    }
}
