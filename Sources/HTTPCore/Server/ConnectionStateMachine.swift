/// The decisions of one HTTP/1.1 connection as a value without I/O: where the connection is
/// in its request/response cycle, which deadline guards it, and what `Connection` must do
/// next. Each event (bytes read, a request parsed, a response ready, output written, a
/// deadline passed, shutdown…) updates the state and returns one `Action`; `Connection`
/// owns the socket and the buffers and carries the action out.
///
/// An event that makes no sense in the current state (a response nobody awaits, a stream
/// chunk after the stream ended, anything after close) changes nothing and returns `.none`.
/// The state's types are in `+State`, the actions in `+Action`.
struct ConnectionStateMachine {
    /// Most unparsed input buffered while a response is pending or the output is stuck.
    static let backPressureInputLimit = 64 * 1024
    /// Most bytes a streamed response may have waiting for a client that does not read.
    static let maxStreamBacklog = 1 << 20
    /// Most requests one parse pass answers, and most output it lets pile up, before it stops
    /// to write: a client pipelining a megabyte of requests without reading the answers must
    /// not grow the output without bound, nor hold the loop's other connections meanwhile.
    static let passRequestLimit = 64
    static let passOutputLimit = 256 * 1024
    /// The answer when a request head or body does not arrive in time.
    static let requestTimeout = HTTPParseError(status: 408, reason: "request not received in time")

    let settings: Settings
    private(set) var state: State = .reading
    private(set) var timer: Timer = .none
    /// Monotonic time (ns) at which `timer` expires; 0 when no timer runs.
    private(set) var deadline: UInt64 = 0
    /// The client has sent EOF (it may still read our responses).
    private(set) var inputClosed = false
    /// The socket may hold unread bytes (edge-triggered epoll reported it and no read came up short).
    private(set) var readPending = false
    /// The socket refused output: wait for writability before writing again.
    private(set) var writeBlocked = false
    /// A parse pass is running (a response delivered inside it must not start another).
    private(set) var parsing = false
    /// A parse pass stopped at its budget with requests still buffered: parse again once the
    /// output is written.
    private(set) var parseDeferred = false
    /// The server is shutting down: every response closes, nobody lingers.
    private(set) var shuttingDown: Bool
    /// The sequence number given to the latest request.
    private(set) var lastSequence: UInt64 = 0

    /// A fresh connection; `shuttingDown` when the server already is.
    init(settings: Settings, shuttingDown: Bool = false) {
        self.settings = settings
        self.shuttingDown = shuttingDown
    }

    // MARK: Queries

    /// The socket is closed.
    var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// The parser may produce the next request.
    var isReadingRequests: Bool {
        if case .reading = state { return true }
        return false
    }

    /// Waiting for the next request on a kept-alive connection, with no read pending, no parse
    /// pass running and no output stuck.
    var isIdleKeepAlive: Bool {
        state == .reading && timer == .idle && !readPending && !parsing && !parseDeferred && !writeBlocked
    }

    /// A streamed response is being written.
    var isStreaming: Bool {
        if case .streaming = state { return true }
        return false
    }

    /// How much unparsed input may be buffered: little while a response is pending or the
    /// output is stuck (back-pressure), enough for a maximal request otherwise.
    var inputLimit: Int {
        switch state {
        case .awaitingResponse, .streaming: return Self.backPressureInputLimit
        case .reading, .closingAfterFlush, .lingering, .closed:
            return writeBlocked ? Self.backPressureInputLimit : settings.inputLimit
        }
    }

    // MARK: Input: readiness, reads, and the parser's findings

    /// The connection was accepted: guard the first head and read.
    mutating func start(now: UInt64) -> Action {
        guard state == .reading, timer == .none else { return .none }
        arm(.header, now: now)
        readPending = true
        return .read
    }

    /// epoll reported input, EOF, a hang-up or an error (a read tells which).
    mutating func readable() -> Action {
        switch state {
        case .closed:
            return .none
        case .lingering:
            readPending = true
            return .discardInput
        case .reading, .awaitingResponse, .streaming, .closingAfterFlush:
            readPending = true
            return .read
        }
    }

    /// One `read(2)` finished. While reading: `.read` for more, `.parse` when the socket is
    /// drained (or at EOF), `.close` on an error. While lingering: `.discardInput` to throw
    /// the bytes away and read again, `.none` when drained, `.close` at EOF.
    mutating func readCompleted(_ result: ReadBuffer.ReadResult, now: UInt64) -> Action {
        switch state {
        case .closed:
            return .none
        case .lingering:
            switch result {
            case .bytes: return .discardInput
            case .wouldBlock:
                readPending = false
                return .none
            case .endOfFile, .failed:
                return enterClosed()
            }
        case .reading, .awaitingResponse, .streaming, .closingAfterFlush:
            switch result {
            case .bytes(let count, let filled):
                if timer == .body && state == .reading {
                    deadline = min(now + settings.idleTimeout, deadline + UInt64(count) * settings.bodyTimePerByte)
                }
                if filled { return .read }
                readPending = false
                return .parse
            case .wouldBlock:
                readPending = false
                return .parse
            case .endOfFile:
                readPending = false
                inputClosed = true
                return .parse
            case .failed:
                return enterClosed()
            }
        }
    }

    /// A parse pass wants to begin: `.parse`, or `.none` if one is already running (a
    /// response delivered from inside the handler) or the socket is closed.
    mutating func parsingStarted() -> Action {
        guard !parsing, state != .closed else { return .none }
        parsing = true
        return .parse
    }

    /// The parser completed a head with `Expect: 100-continue` and a body still to come.
    mutating func continueExpected() -> Action {
        state == .reading ? .sendContinue : .none
    }

    /// The parser produced a complete request; `context` is what its response must honour.
    /// The response closes the connection when the client has sent EOF or the server is
    /// shutting down. No timer runs while the handler works.
    mutating func requestReceived(_ context: ResponseContext) -> Action {
        guard state == .reading else { return .none }
        var context = context
        if shuttingDown || inputClosed { context.keepAlive = false }
        lastSequence &+= 1
        state = .awaitingResponse(sequence: lastSequence, context: context)
        arm(.none, now: 0)
        return .dispatch(sequence: lastSequence)
    }

    /// The request is malformed: answer the parser's status and close.
    mutating func requestFailed(_ error: HTTPParseError) -> Action {
        guard state == .reading else { return .none }
        state = .closingAfterFlush
        return .sendError(error)
    }

    /// The parse pass ended with the parser at `position` (`deferred`: at its budget, with
    /// input left to parse once the output is written). An EOF between requests (or after
    /// all of a body's bytes) closes once the output is written; a partial head waits for its
    /// deadline. Unless a response or stream is pending, the timer follows the position
    /// (re-armed only when its kind changes, so trickled head bytes do not extend it). Empty
    /// lines that leave the parser where it was before a head (`\r\n` sent alone) keep the
    /// head's deadline: only a response earns a fresh idle one.
    mutating func parsingStopped(at position: InputPosition, deferred: Bool = false, now: UInt64) -> Action {
        parsing = false
        parseDeferred = deferred && state == .reading
        switch state {
        case .closed:
            return .none
        case .awaitingResponse, .streaming, .lingering:
            return .flush
        case .reading, .closingAfterFlush:
            if state == .reading && inputClosed && position.endsOnEOF { state = .closingAfterFlush }
            // Requests held back at the pass's budget are not a head that is late: the idle
            // timer guards the connection while its answers are written.
            let wanted = parseDeferred ? Timer.idle : position.timer
            if timer != wanted && (parseDeferred || !(timer == .header && wanted == .idle)) { arm(wanted, now: now) }
            return .flush
        }
    }

    // MARK: Responses: complete, or streamed (head, pieces, end)

    /// The handler answered request `sequence`; `closeRequested` when the response itself
    /// asks to close. A response for a request that is not awaited is ignored (a second
    /// answer, a stale responder, one that arrives after close or after a stream started).
    mutating func responseReady(sequence: UInt64, closeRequested: Bool) -> Action {
        guard case .awaitingResponse(let awaited, let context) = state, awaited == sequence else { return .none }
        let close = closeRequested || !context.keepAlive
        state = close ? .closingAfterFlush : .reading
        return .writeResponse(context: context, close: close, thenParse: !parsing)
    }

    /// The handler starts a streamed response to request `sequence`: chunked for HTTP/1.1;
    /// for HTTP/1.0 the body runs to EOF, so the connection closes after it.
    mutating func streamStarted(sequence: UInt64) -> Action {
        guard case .awaitingResponse(let awaited, var context) = state, awaited == sequence else { return .none }
        let chunked = context.version == .http1_1
        if !chunked { context.keepAlive = false }
        state = .streaming(context: context, chunked: chunked)
        return .writeStreamHead(context: context)
    }

    /// The handler wrote a piece of the stream. A client that stopped reading while more than
    /// `maxStreamBacklog` bytes wait (`backlog`, evaluated only then) is dropped.
    mutating func streamChunkReady(backlog: @autoclosure () -> Int) -> Action {
        guard case .streaming(_, let chunked) = state else { return .none }
        if writeBlocked && backlog() > Self.maxStreamBacklog { return enterClosed() }
        return .writeStreamChunk(chunked: chunked)
    }

    /// The handler ended the stream: keep alive when it was chunked and may keep alive.
    mutating func streamFinished() -> Action {
        guard case .streaming(let context, let chunked) = state else { return .none }
        state = context.keepAlive && chunked ? .reading : .closingAfterFlush
        return .writeStreamEnd(chunked: chunked)
    }

    // MARK: Output: writability and the outcome of a write, where closing begins

    /// epoll reported the socket writable: flush if output was stuck.
    mutating func writable() -> Action {
        writeBlocked && state != .closed ? .flush : .none
    }

    /// A flush finished (`.done` also when there was nothing to write; `progressed` when it
    /// wrote something). Output the socket will not take is guarded by the idle timer, which
    /// every write that makes progress moves on: a slow reader gets a large response whole,
    /// a reader that stopped (a zero window) is closed after `IDLE_TIMEOUT`, a stream too.
    /// Once everything is written, a connection that is closing lingers (RFC 9112 §9.6) — or
    /// closes at once when the client has sent EOF or the server is shutting down; any other
    /// connection reads on if the socket may hold more and the buffer has room
    /// (`bufferedInput` bytes unparsed).
    mutating func outputWritten(_ result: OutputQueue.FlushResult, progressed: Bool = false, bufferedInput: Int, now: UInt64) -> Action {
        guard state != .closed else { return .none }
        switch result {
        case .wouldBlock:
            writeBlocked = true
            switch state {
            case .streaming:
                if progressed || timer == .none { arm(.idle, now: now) }
            case .reading, .closingAfterFlush:
                if progressed && timer == .idle { arm(.idle, now: now) }
            case .awaitingResponse, .lingering, .closed:
                break
            }
            return .none
        case .failed:
            return enterClosed()
        case .done:
            writeBlocked = false
            if case .streaming = state, timer != .none { arm(.none, now: now) }
        }
        switch state {
        case .closingAfterFlush:
            if inputClosed || shuttingDown { return enterClosed() }
            state = .lingering
            arm(.linger, now: now)
            readPending = true
            return .startLingering
        case .lingering, .closed:
            return .none
        case .reading where parseDeferred:
            parseDeferred = false
            return .parseLater
        case .reading, .awaitingResponse, .streaming:
            return readPending && bufferedInput < inputLimit ? .read : .none
        }
    }

    /// The connection must close now (grace period over, or the loop is exiting).
    mutating func closeRequested() -> Action {
        state == .closed ? .none : enterClosed()
    }

    // MARK: Deadlines and shutdown

    /// `deadline` has passed. A connection that is already closing (its last response stuck
    /// in the socket, or lingering) closes; a head or body that did not arrive in time gets
    /// 408 and the connection closes after it (the deadline stays, so a 408 that cannot be
    /// written closes at the next sweep); an idle keep-alive connection closes.
    mutating func deadlinePassed() -> Action {
        switch state {
        case .closed:
            return .none
        case .closingAfterFlush, .lingering:
            return enterClosed()
        case .reading, .awaitingResponse, .streaming:
            switch timer {
            case .none:
                return .none  // no timer runs while the handler works: a stale sweep
            case .header, .body:
                state = .closingAfterFlush
                return .sendError(Self.requestTimeout)
            case .idle, .linger:
                return enterClosed()
            }
        }
    }

    /// Graceful shutdown. An idle connection (no request pending, nothing buffered at
    /// `position`) closes now, or once `outputEmpty` becomes true; a pending response or
    /// stream closes the connection after it; a partial request is answered with close.
    mutating func shutdownRequested(position: InputPosition, outputEmpty: Bool) -> Action {
        shuttingDown = true
        switch state {
        case .closed:
            return .none
        case .awaitingResponse(let sequence, var context):
            context.keepAlive = false
            state = .awaitingResponse(sequence: sequence, context: context)
            return .none
        case .streaming(var context, let chunked):
            context.keepAlive = false
            state = .streaming(context: context, chunked: chunked)
            return .none
        case .reading, .closingAfterFlush, .lingering:
            guard position == .idle else { return .none }
            if outputEmpty { return enterClosed() }
            if state == .reading { state = .closingAfterFlush }
            return .none
        }
    }

    // MARK: Helpers

    private mutating func arm(_ kind: Timer, now: UInt64) {
        timer = kind
        switch kind {
        case .none: deadline = 0
        case .header: deadline = now + settings.headerTimeout
        case .idle, .body: deadline = now + settings.idleTimeout
        case .linger: deadline = now + settings.lingerTimeout
        }
    }

    /// Moves to `.closed` and returns the action that closes the socket.
    private mutating func enterClosed() -> Action {
        state = .closed
        timer = .none
        deadline = 0
        return .close
    }
}
