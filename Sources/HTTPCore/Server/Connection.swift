import CSystemShims
import Glibc
import HTTPFields
import TimeUnits

/// One client connection: the socket, the read buffer, the parser and the output queue.
/// Every decision (when to read, parse, answer, time out, linger or close) is taken by its
/// `ConnectionStateMachine`; this class feeds it events and carries out the actions.
/// Confined to its event loop's thread; other threads reach it only through `loop.execute`.
final class Connection: @unchecked Sendable {
    typealias Action = ConnectionStateMachine.Action

    let fd: Int32
    let loop: EventLoop  // strong: a late responder may outlive the server; the loop drops closed connections
    let remoteAddress: String
    private var parser: HTTPRequestParser
    private var input: ReadBuffer
    private var output = OutputQueue()
    private var machine: ConnectionStateMachine
    private var streamTerminationHandlers: [@Sendable () -> Void] = []

    private static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    private static let lastChunk = Array("0\r\n\r\n".utf8)
    private static let optionsResponse = HTTPResponse(status: 200, headers: ["Allow": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"])

    init(fd: Int32, loop: EventLoop, remoteAddress: String) {
        self.fd = fd
        self.loop = loop
        self.remoteAddress = remoteAddress
        let configuration = loop.server.configuration
        self.parser = HTTPRequestParser(limits: configuration.limits)
        self.input = ReadBuffer(initialCapacity: 4096)
        let settings = ConnectionStateMachine.Settings(
            headerTimeout: configuration.headerTimeout.inNanoseconds, idleTimeout: configuration.idleTimeout.inNanoseconds,
            inputLimit: max(256 * 1024, configuration.limits.maxBodyBytes + 64 * 1024))
        self.machine = ConnectionStateMachine(settings: settings, shuttingDown: loop.shuttingDown)
    }

    private var configuration: HTTPServerConfiguration { loop.server.configuration }

    /// Monotonic time (ns) at which the connection's timer expires; 0 when none runs.
    var deadline: UInt64 { machine.deadline }

    /// A keep-alive connection waiting for its next request with nothing buffered, unread or
    /// unwritten: closing it loses nothing (RFC 9112 §9.6 lets a server close an idle one).
    var isIdleKeepAlive: Bool {
        machine.isIdleKeepAlive && input.count == 0 && output.isEmpty
    }

    /// The kernel holds bytes (or an EOF) that epoll has not reported yet: a request may be on
    /// its way, and closing now would answer it with a reset.
    var hasUnreadInput: Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) >= 0
    }

    func start() {
        perform(machine.start(now: loop.now))
    }

    /// Carries out an action that needs nothing but the connection itself. Actions that
    /// carry a request, response or stream piece are handled where their event is raised.
    private func perform(_ action: Action) {
        switch action {
        case .none: break
        case .read: readAndProcess()
        case .parse: process()
        case .parseLater: loop.executeNextTurn { [self] in if !machine.isClosed { process() } }
        case .flush: flush()
        case .sendContinue: output.append(Self.continueResponse)
        case .sendError(let error): writeError(error)
        case .discardInput: drainWhileLingering()
        case .startLingering:
            shutdown(fd, Int32(SHUT_WR))
            drainWhileLingering()
        case .close: closeSocket()
        case .dispatch, .writeResponse, .writeStreamHead, .writeStreamChunk, .writeStreamEnd:
            assertionFailure("\(action) is handled where its event is raised")
        }
    }

    // MARK: Events

    func handleEvents(_ events: UInt32) {
        if machine.isClosed { return }
        if events & (nh_EPOLLERR | nh_EPOLLHUP) != 0 && events & nh_EPOLLIN == 0 {
            // Let a read decide (EOF or an error closes): the event may be stale, for an earlier
            // socket that had the same fd number.
            perform(machine.readable())
            return
        }
        if events & nh_EPOLLOUT != 0 {
            perform(machine.writable())
            if machine.isClosed { return }
        }
        if events & (nh_EPOLLIN | nh_EPOLLRDHUP) != 0 {
            perform(machine.readable())
        }
    }

    /// Reads what the socket has (bounded by the machine's input limit), then parses.
    private func readAndProcess() {
        var action = Action.read
        while case .read = action, input.count < machine.inputLimit {
            action = machine.readCompleted(input.read(from: fd), now: loop.now)
        }
        if case .close = action {
            closeSocket()
            return
        }
        process()
    }

    /// Reads late input and drops it (a few reads at most per wake-up).
    private func drainWhileLingering() {
        for _ in 0..<16 {
            switch machine.readCompleted(input.read(from: fd), now: loop.now) {
            case .discardInput:
                input.consume(input.count)
            case .close:
                closeSocket()
                return
            default:
                return
            }
        }
    }

    // MARK: Parsing and dispatch

    /// Parses the complete requests buffered, until one must wait for its response or the
    /// pass reaches its budget (then it goes on once its output is written).
    private func process() {
        guard case .parse = machine.parsingStarted() else { return }
        var answered = 0
        var deferred = false
        parsing: while machine.isReadingRequests {
            if answered >= ConnectionStateMachine.passRequestLimit || output.byteCount >= ConnectionStateMachine.passOutputLimit {
                deferred = input.count > 0
                break parsing
            }
            let (event, consumed) = input.withUnreadBytes { parser.next($0) }
            input.consume(consumed)
            switch event {
            case .needMore:
                break parsing
            case .expectContinue:
                perform(machine.continueExpected())
            case .error(let error):
                perform(machine.requestFailed(error))
            case .request(var request):
                answered += 1
                request.remoteAddress = remoteAddress
                if case .dispatch(let sequence) = machine.requestReceived(ResponseContext(request: request)) {
                    dispatch(request, sequence: sequence)
                }
            }
        }
        let position = inputPosition
        if position == .idle { input.releaseIfLarge() }
        perform(machine.parsingStopped(at: position, deferred: deferred, now: loop.now))
    }

    /// Where the parser stands in the buffered input.
    private var inputPosition: ConnectionStateMachine.InputPosition {
        if parser.isBetweenRequests { return input.count == 0 ? .idle : .betweenRequests }
        if parser.isReadingBody { return .body(buffered: input.count > 0) }
        return .head
    }

    private func dispatch(_ request: HTTPRequest, sequence: UInt64) {
        if request.target == "*" {
            deliver(sequence, Self.optionsResponse)
            return
        }
        loop.server.handler.handle(request, responder: HTTPResponder(connection: self, sequence: sequence))
    }

    /// A complete response for request `sequence` (loop thread).
    func deliver(_ sequence: UInt64, _ response: HTTPResponse) {
        let action = machine.responseReady(sequence: sequence, closeRequested: response.closeConnection)
        guard case .writeResponse(let context, let close, let thenParse) = action else { return }
        ResponseSerializer.write(
            response, context: context, close: close, dateLine: loop.dateCache.headerLine,
            gzipMinimum: configuration.gzipMinimumBytes, into: &output)
        if thenParse { process() }
    }

    private func writeError(_ error: HTTPParseError) {
        var response = configuration.errorResponse(error.status, error.reason)
        response.closeConnection = true
        let context = ResponseContext(version: .http1_1, isHead: false, keepAlive: false, acceptsGzip: false)
        ResponseSerializer.write(
            response, context: context, close: true, dateLine: loop.dateCache.headerLine,
            gzipMinimum: Int.max, into: &output)
    }

    // MARK: Streaming

    func startStream(_ sequence: UInt64, status: Int, headers: HTTPHeaders) -> Bool {
        guard case .writeStreamHead(let context) = machine.streamStarted(sequence: sequence) else { return false }
        ResponseSerializer.writeStreamHead(
            status: status, headers: headers, context: context,
            dateLine: loop.dateCache.headerLine, into: &output)
        flush()
        return true
    }

    func streamWrite(_ bytes: [UInt8]) {
        switch machine.streamChunkReady(backlog: output.byteCount) {
        case .writeStreamChunk(let chunked):
            if chunked { ResponseSerializer.chunk(bytes, into: &output) } else { output.append(bytes) }
            flush()
        case let action:
            perform(action)  // dropped: the client stopped reading (fires the termination handlers)
        }
    }

    func streamFinish() {
        guard case .writeStreamEnd(let chunked) = machine.streamFinished() else { return }
        if chunked { output.append(Self.lastChunk) }
        fireStreamTermination()
        process()
    }

    func onStreamTermination(_ handler: @escaping @Sendable () -> Void) {
        if !machine.isStreaming { handler(); return }
        streamTerminationHandlers.append(handler)
    }

    private func fireStreamTermination() {
        let handlers = streamTerminationHandlers
        streamTerminationHandlers = []
        for h in handlers { h() }
    }

    // MARK: Writing and closing

    private func flush() {
        if machine.isClosed { return }
        let before = output.bytesWritten
        let result: OutputQueue.FlushResult = output.isEmpty ? .done : output.flush(to: fd)
        let action = machine.outputWritten(result, progressed: output.bytesWritten != before, bufferedInput: input.count, now: loop.now)
        if case .read = action {
            // On the loop's next turn, not from inside this flush: a client that keeps the
            // buffer full would otherwise nest read → parse → flush → read on this stack.
            loop.executeNextTurn { [self] in perform(machine.readable()) }
        } else {
            perform(action)
        }
    }

    /// Closes the socket now (grace period over, or the loop is exiting).
    func close() {
        perform(machine.closeRequested())
    }

    /// Releases the socket and the buffers; the machine has already moved to `.closed`.
    private func closeSocket() {
        Glibc.close(fd)
        input.release()
        fireStreamTermination()
        loop.unregister(self)
    }

    // MARK: Timers and shutdown

    func deadlinePassed() {
        let action = machine.deadlinePassed()
        perform(action)
        if case .sendError = action { flush() }
    }

    /// Graceful shutdown: idle connections close now, busy ones after their response.
    func shutdownRequested() {
        perform(machine.shutdownRequested(position: inputPosition, outputEmpty: output.isEmpty))
    }
}
