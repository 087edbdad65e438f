import CSystemShims
import Glibc

/// One client connection: read buffer, parser, in-order responses, timers and closing.
/// Confined to its event loop's thread; other threads reach it only through `loop.execute`.
final class Connection: @unchecked Sendable {
    enum TimerKind { case none, header, idle, body, linger }

    let fd: Int32
    let loop: EventLoop  // strong: a late responder may outlive the server; the loop drops closed connections
    let remoteAddress: String
    private var parser: HTTPRequestParser
    private var input: ReadBuffer
    private var output = OutputQueue()
    /// Sequence number of the request whose response is awaited (0: none).
    private var awaiting: UInt64 = 0
    private var sequence: UInt64 = 0
    private var awaitingContext = ResponseContext(version: .http1_1, isHead: false, keepAlive: true, acceptsGzip: false)
    private var streaming = false
    private var streamChunked = false
    private var streamTerminationHandlers: [@Sendable () -> Void] = []
    private var processing = false
    private var closeAfterFlush = false
    private var peerClosedInput = false
    private var readPending = false
    private var writeBlocked = false
    private var lingering = false
    private(set) var closed = false
    private(set) var deadline: UInt64 = 0
    private var timerKind = TimerKind.none

    init(fd: Int32, loop: EventLoop, remoteAddress: String) {
        self.fd = fd
        self.loop = loop
        self.remoteAddress = remoteAddress
        self.parser = HTTPRequestParser(limits: loop.server.configuration.limits)
        self.input = ReadBuffer(initialCapacity: 4096)
    }

    private var configuration: HTTPServerConfiguration { loop.server.configuration }

    func start() {
        setTimer(.header)
        readPending = true
        readAndProcess()
    }

    // MARK: Events

    func handleEvents(_ events: UInt32) {
        if closed { return }
        if events & (nh_EPOLLERR | nh_EPOLLHUP) != 0 && events & nh_EPOLLIN == 0 {
            // Let a read decide (EOF or an error closes): the event may be stale, for an earlier
            // socket that had the same fd number.
            readPending = true
            readAndProcess()
            return
        }
        if events & nh_EPOLLOUT != 0 && writeBlocked {
            flush()
            if closed { return }
        }
        if events & (nh_EPOLLIN | nh_EPOLLRDHUP) != 0 {
            readPending = true
            readAndProcess()
        }
    }

    /// How much unparsed input may be buffered: little while a response is pending or
    /// output is stuck (back-pressure), enough for a maximal request otherwise.
    private var readCap: Int {
        if awaiting != 0 || streaming || writeBlocked { return 64 * 1024 }
        return max(256 * 1024, configuration.limits.maxBodyBytes + 64 * 1024)
    }

    /// Reads what the socket has (bounded), then parses and dispatches.
    private func readAndProcess() {
        guard readPending, !closed else { return }
        if lingering {
            drainWhileLingering()
            return
        }
        reading: while input.count < readCap {
            switch input.read(from: fd) {
            case .bytes(_, let filled):
                if timerKind == .body { setTimer(.body) }
                if filled { continue reading }
                readPending = false
            case .wouldBlock:
                readPending = false
            case .endOfFile:
                readPending = false
                peerClosedInput = true
            case .failed:
                close()
                return
            }
            break reading
        }
        process()
    }

    // MARK: Parsing and dispatch

    private func process() {
        guard !processing, !closed else { return }
        processing = true
        while awaiting == 0 && !streaming && !closeAfterFlush {
            let (event, consumed) = input.withUnreadBytes { parser.next($0) }
            input.consume(consumed)
            switch event {
            case .needMore:
                break
            case .expectContinue:
                output.append(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                continue
            case .error(let error):
                respondWithError(status: error.status, reason: error.reason)
            case .request(var request):
                request.remoteAddress = remoteAddress
                dispatch(request)
                continue
            }
            break
        }
        processing = false
        if !closeAfterFlush && awaiting == 0 && !streaming {
            if peerClosedInput && input.count == 0 || peerClosedInput && parser.isBetweenRequests {
                closeAfterFlush = true
            }
        }
        updateTimer()
        flush()
    }

    private func dispatch(_ request: HTTPRequest) {
        sequence &+= 1
        awaiting = sequence
        var context = ResponseContext(request: request)
        if loop.shuttingDown || peerClosedInput { context.keepAlive = false }
        awaitingContext = context
        setTimer(.none)
        if request.target == "*" {
            deliver(sequence, HTTPResponse(status: 200, headers: ["Allow": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"]))
            return
        }
        loop.server.handler.handle(request, responder: HTTPResponder(connection: self, sequence: sequence))
    }

    /// A complete response for request `seq` (loop thread).
    func deliver(_ seq: UInt64, _ response: HTTPResponse) {
        guard !closed, awaiting == seq, !streaming else { return }
        awaiting = 0
        let close = response.closeConnection || !awaitingContext.keepAlive
        ResponseSerializer.write(response, context: awaitingContext, close: close, dateLine: loop.dateCache.headerLine,
                                 gzipMinimum: configuration.gzipMinimumBytes, into: &output)
        if close { closeAfterFlush = true }
        if !processing { process() }
    }

    private func respondWithError(status: Int, reason: String) {
        var response = configuration.errorResponse(status, reason)
        response.closeConnection = true
        let context = ResponseContext(version: .http1_1, isHead: false, keepAlive: false, acceptsGzip: false)
        ResponseSerializer.write(response, context: context, close: true, dateLine: loop.dateCache.headerLine,
                                 gzipMinimum: Int.max, into: &output)
        closeAfterFlush = true
    }

    // MARK: Streaming

    func startStream(_ seq: UInt64, status: Int, headers: HTTPHeaders) -> Bool {
        guard !closed, awaiting == seq, !streaming else { return false }
        awaiting = 0
        streaming = true
        streamChunked = awaitingContext.version == .http1_1
        if !streamChunked { awaitingContext.keepAlive = false }
        ResponseSerializer.writeStreamHead(status: status, headers: headers, context: awaitingContext,
                                           dateLine: loop.dateCache.headerLine, into: &output)
        flush()
        return true
    }

    /// Most bytes a streamed response may have waiting for a client that does not read.
    static let maxStreamBacklog = 1 << 20

    func streamWrite(_ bytes: [UInt8]) {
        guard !closed, streaming else { return }
        if writeBlocked && output.byteCount > Self.maxStreamBacklog {
            close()  // the client stopped reading: drop it (fires the stream's termination handlers)
            return
        }
        if streamChunked { ResponseSerializer.chunk(bytes, into: &output) } else { output.append(bytes) }
        flush()
    }

    func streamFinish() {
        guard !closed, streaming else { return }
        streaming = false
        if streamChunked { output.append(Array("0\r\n\r\n".utf8)) }
        if !awaitingContext.keepAlive || !streamChunked { closeAfterFlush = true }
        fireStreamTermination()
        process()
    }

    func onStreamTermination(_ handler: @escaping @Sendable () -> Void) {
        if closed || !streaming { handler(); return }
        streamTerminationHandlers.append(handler)
    }

    private func fireStreamTermination() {
        let handlers = streamTerminationHandlers
        streamTerminationHandlers = []
        for h in handlers { h() }
    }

    // MARK: Writing and closing

    private func flush() {
        guard !closed else { return }
        if !output.isEmpty {
            switch output.flush(to: fd) {
            case .done:
                writeBlocked = false
            case .wouldBlock:
                writeBlocked = true
                return
            case .failed:
                close()
                return
            }
        }
        if closeAfterFlush {
            beginLingeringClose()
        } else if readPending && input.count < readCap {
            readAndProcess()
        }
    }

    /// Half-closes and discards late input briefly so the client reads our last response
    /// instead of a reset (RFC 9112 §9.6).
    private func beginLingeringClose() {
        guard !lingering else { return }
        // During shutdown nobody waits for stragglers: close at once.
        if peerClosedInput || loop.shuttingDown {
            close()
            return
        }
        lingering = true
        shutdown(fd, Int32(SHUT_WR))
        setTimer(.linger)
        readPending = true
        drainWhileLingering()
    }

    private func drainWhileLingering() {
        for _ in 0..<16 {
            switch input.read(from: fd) {
            case .bytes:
                input.consume(input.count)
            case .wouldBlock:
                readPending = false
                return
            case .endOfFile, .failed:
                close()
                return
            }
        }
    }

    /// Closes the socket now.
    func close() {
        guard !closed else { return }
        closed = true
        deadline = 0
        Glibc.close(fd)
        input.release()
        fireStreamTermination()
        loop.unregister(self)
    }

    // MARK: Timers

    private func setTimer(_ kind: TimerKind) {
        timerKind = kind
        let c = configuration
        switch kind {
        case .none: deadline = 0
        case .header: deadline = loop.now + c.headerTimeout.nanoseconds
        case .idle: deadline = loop.now + c.idleTimeout.nanoseconds
        case .body: deadline = loop.now + c.idleTimeout.nanoseconds
        case .linger: deadline = loop.now + 2_000_000_000
        }
    }

    private func updateTimer() {
        guard awaiting == 0, !streaming, !lingering else { return }
        if parser.isBetweenRequests && input.count == 0 {
            if timerKind != .idle { setTimer(.idle) }
        } else if parser.isReadingBody {
            if timerKind != .body { setTimer(.body) }
        } else if timerKind != .header {
            setTimer(.header)
        }
    }

    func deadlinePassed() {
        if closeAfterFlush || lingering {
            close()
            return
        }
        switch timerKind {
        case .header, .body:
            respondWithError(status: 408, reason: "request not received in time")
            flush()
        case .idle, .linger, .none:
            close()
        }
    }

    /// Graceful shutdown: idle connections close now, busy ones after their response.
    func shutdownRequested() {
        if awaiting == 0 && !streaming && parser.isBetweenRequests && input.count == 0 && output.isEmpty {
            close()
        } else if awaiting == 0 && !streaming && parser.isBetweenRequests && input.count == 0 {
            closeAfterFlush = true  // a response is still being written: finish it, then close
        } else {
            awaitingContext.keepAlive = false
        }
    }
}

extension Duration {
    /// Whole nanoseconds (negative durations count as zero).
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
