/// What the parser found in the bytes it was given.
public enum HTTPParseEvent: Sendable {
    /// No complete request yet: read more bytes and call again.
    case needMore
    /// The head is complete, a body is still to come and the client sent
    /// `Expect: 100-continue`: answer `100 Continue`, then keep feeding bytes.
    case expectContinue
    /// A complete request (head and body).
    case request(HTTPRequest)
    /// The request is malformed; answer `error.status` and close the connection.
    case error(HTTPParseError)
}

/// An incremental HTTP/1.x request parser over a buffer owned by the caller.
///
/// Call `next(_:)` with the unconsumed bytes; it reports an event and how many bytes it
/// consumed. The caller drops the consumed prefix and calls again with the rest plus
/// anything newly read. A head is consumed only once it is complete; the scan resumes
/// where the previous call stopped, so trickled bytes are not rescanned.
public struct HTTPRequestParser: Sendable {
    private enum Phase: Sendable {
        case head
        case fixedBody(remaining: Int)
        case chunkedBody
        case failed(HTTPParseError)
    }

    /// The limits in force.
    public let limits: HTTPParserLimits
    private var phase: Phase = .head
    // Head scanning state (offsets relative to the first unconsumed byte).
    private var scanned = 0
    private var lineStart = 0
    private var requestLineEnd = -1
    private var headerCount = 0
    // Request whose body is being read.
    private var pending: HTTPRequest?
    private var chunked = ChunkedDecoder()

    /// Creates a parser with the given limits.
    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// True when no request is partially parsed (between requests).
    public var isBetweenRequests: Bool {
        if case .head = phase { return scanned == 0 }
        return false
    }

    /// True while the body of a request is being read.
    public var isReadingBody: Bool {
        switch phase {
        case .fixedBody, .chunkedBody: return true
        case .head, .failed: return false
        }
    }

    /// Parses from `input`; see the type's documentation.
    public mutating func next(_ input: UnsafeBufferPointer<UInt8>) -> (event: HTTPParseEvent, consumed: Int) {
        switch phase {
        case .failed(let error):
            return (.error(error), 0)
        case .head:
            return parseHead(input)
        case .fixedBody, .chunkedBody:
            return continueBody(input, consumedSoFar: 0)
        }
    }

    // MARK: Head

    private mutating func parseHead(_ input: UnsafeBufferPointer<UInt8>) -> (event: HTTPParseEvent, consumed: Int) {
        var skipped = 0
        // RFC 9112 §2.2: ignore empty lines received before the request line.
        if scanned == 0 {
            while skipped + 1 < input.count, input[skipped] == ByteClass.cr, input[skipped + 1] == ByteClass.lf {
                skipped += 2
            }
            if skipped > 0 {
                let rest = UnsafeBufferPointer(rebasing: input[skipped...])
                let (event, consumed) = parseHead(rest)
                return (event, consumed + skipped)
            }
            if input.count == 1, input[0] == ByteClass.cr { return (.needMore, 0) }
        }
        let n = input.count
        var i = scanned
        var headEnd = -1
        while i < n {
            let c = input[i]
            if c == ByteClass.lf {
                guard i > 0, input[i - 1] == ByteClass.cr else { return fail(.bad("bare LF in request head")) }
                let lineLength = i - 1 - lineStart
                if requestLineEnd < 0 {
                    requestLineEnd = i - 1
                } else if lineLength == 0 {
                    headEnd = i + 1
                    break
                } else {
                    headerCount += 1
                    if headerCount > limits.maxHeaderCount {
                        return fail(.init(status: 431, reason: "too many header fields"))
                    }
                }
                lineStart = i + 1
            } else if c == ByteClass.cr {
                if i + 1 < n, input[i + 1] != ByteClass.lf { return fail(.bad("bare CR in request head")) }
            } else if c == 0 {
                return fail(.bad("NUL in request head"))
            }
            if requestLineEnd < 0 {
                if i >= limits.maxRequestLineBytes { return fail(.init(status: 414, reason: "request line too long")) }
            } else if i - requestLineEnd - 2 >= limits.maxHeaderBytes {
                return fail(.init(status: 431, reason: "header block too large"))
            }
            i += 1
        }
        guard headEnd >= 0 else {
            // A trailing CR is rescanned next time, when the byte after it is known.
            scanned = (i > 0 && input[i - 1] == ByteClass.cr) ? i - 1 : i
            return (.needMore, 0)
        }
        let result = buildRequest(input, headEnd: headEnd)
        resetHeadState()
        switch result {
        case .failure(let error):
            return fail(error)
        case .success(let (request, framing, expectsContinue)):
            switch framing {
            case .none:
                return (.request(request), headEnd)
            case .length(let length):
                pending = request
                // Up front only what a small body needs: a declared length is a claim, and a
                // client that sends little of it must not hold a megabyte per connection.
                pending?.body.reserveCapacity(min(length, 64 * 1024))
                phase = .fixedBody(remaining: length)
            case .chunked:
                pending = request
                chunked = ChunkedDecoder()
                phase = .chunkedBody
            }
            if expectsContinue && headEnd == n {
                return (.expectContinue, headEnd)
            }
            return continueBody(UnsafeBufferPointer(rebasing: input[headEnd...]), consumedSoFar: headEnd)
        }
    }

    private mutating func resetHeadState() {
        scanned = 0
        lineStart = 0
        requestLineEnd = -1
        headerCount = 0
    }

    private mutating func fail(_ error: HTTPParseError) -> (event: HTTPParseEvent, consumed: Int) {
        phase = .failed(error)
        pending = nil
        return (.error(error), 0)
    }

    // MARK: Body

    private mutating func continueBody(_ input: UnsafeBufferPointer<UInt8>, consumedSoFar: Int) -> (event: HTTPParseEvent, consumed: Int) {
        switch phase {
        case .fixedBody(let remaining):
            let take = min(remaining, input.count)
            pending!.body.append(contentsOf: UnsafeBufferPointer(rebasing: input[0..<take]))
            if take == remaining {
                return finishBody(consumed: consumedSoFar + take)
            }
            phase = .fixedBody(remaining: remaining - take)
            return (.needMore, consumedSoFar + take)
        case .chunkedBody:
            var body = pending!.body
            pending!.body = []
            let (outcome, used) = chunked.decode(input, into: &body, maxBody: limits.maxBodyBytes)
            pending!.body = body
            switch outcome {
            case .needMore:
                return (.needMore, consumedSoFar + used)
            case .done:
                return finishBody(consumed: consumedSoFar + used)
            case .failed(let error):
                return fail(error)
            }
        case .head, .failed:
            return (.needMore, consumedSoFar)
        }
    }

    private mutating func finishBody(consumed: Int) -> (event: HTTPParseEvent, consumed: Int) {
        let request = pending!
        pending = nil
        phase = .head
        return (.request(request), consumed)
    }
}
