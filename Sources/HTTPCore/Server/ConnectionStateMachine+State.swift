extension ConnectionStateMachine {
    /// Where the connection is in its request/response cycle.
    enum State: Equatable {
        /// Parsing requests from the input; no response is pending.
        case reading
        /// Request `sequence` went to the handler; parsing pauses until its response.
        case awaitingResponse(sequence: UInt64, context: ResponseContext)
        /// A streamed response is being written (in chunks when `chunked`).
        case streaming(context: ResponseContext, chunked: Bool)
        /// The last response is queued: close (or linger) once the output is written.
        case closingAfterFlush
        /// Our side is shut (`SHUT_WR`); late input is discarded until EOF or the linger deadline.
        case lingering
        /// The socket is closed.
        case closed
    }

    /// Which deadline guards the connection.
    enum Timer: Equatable {
        /// None: the handler is working, or a stream is being written as fast as it is read.
        case none
        /// The request head must arrive (`HEADER_TIMEOUT`, not extended by trickled bytes).
        case header
        /// A keep-alive connection waits for its next request, or output waits for a client
        /// that does not read it (`IDLE_TIMEOUT`, moved on by every write that progresses).
        case idle
        /// The body must keep arriving (`IDLE_TIMEOUT` at first, then 2 ms more per byte read,
        /// never beyond `IDLE_TIMEOUT` ahead).
        case body
        /// A lingering close waits for the client's EOF.
        case linger
    }

    /// Where the parser stands in the buffered input once it has consumed what it could.
    enum InputPosition: Equatable {
        /// No request started and nothing buffered.
        case idle
        /// No request started, but bytes are buffered (a stray CR, or requests not parsed yet).
        case betweenRequests
        /// Part of a request head is buffered (or the parser has failed).
        case head
        /// A body is being read; `buffered` when unconsumed bytes remain.
        case body(buffered: Bool)
    }

    /// Timeouts in nanoseconds and the input limit, taken from the server configuration.
    struct Settings: Equatable {
        /// `HEADER_TIMEOUT`.
        var headerTimeout: UInt64
        /// `IDLE_TIMEOUT`, also the longest pause in a body upload or in a client's reading.
        var idleTimeout: UInt64
        /// How long a lingering close waits for the client's EOF.
        var lingerTimeout: UInt64 = 2_000_000_000
        /// What each byte of a body buys: the body deadline moves this much later per byte
        /// received (2 ms), never beyond `IDLE_TIMEOUT` from now. A body must arrive at 500
        /// bytes a second on average, with pauses of at most `IDLE_TIMEOUT`: a client
        /// trickling a byte a minute cannot hold its connection for good.
        var bodyTimePerByte: UInt64 = 2_000_000
        /// Most unparsed input buffered while nothing holds the connection back.
        var inputLimit: Int
    }
}

extension ConnectionStateMachine.InputPosition {
    /// The timer that guards the connection while the parser stands here.
    var timer: ConnectionStateMachine.Timer {
        switch self {
        case .idle: .idle
        case .betweenRequests, .head: .header
        case .body: .body
        }
    }

    /// Whether the client's EOF leaves nothing to wait for.
    var endsOnEOF: Bool {
        switch self {
        case .idle, .betweenRequests: true
        case .head: false
        case .body(let buffered): !buffered
        }
    }
}
