import Testing

@testable import HTTPCore

/// `ConnectionStateMachine` without sockets: lingering close, EOF, deadlines, graceful
/// shutdown and forced close. Each test asserts the exact actions and the state left behind.
@Suite struct ConnectionStateMachineClosingTests {
    typealias Machine = ConnectionStateMachine

    // MARK: Lingering close

    @Test func theLastResponseWrittenStartsALingeringClose() {
        var m = Fixture.closingAfterError()
        #expect(m.outputWritten(.wouldBlock, bufferedInput: 0, now: 150) == .none)
        #expect(m.state == .closingAfterFlush)
        #expect(m.writable() == .flush)
        #expect(m.outputWritten(.done, bufferedInput: 0, now: 200) == .startLingering)
        #expect(m.state == .lingering)
        #expect(m.timer == .linger)
        #expect(m.deadline == 202)
        #expect(m.readPending)
    }

    @Test func lingeringDiscardsLateInputUntilTheClientsEOF() {
        var m = Fixture.lingering()
        let actions = [
            m.readable(),
            m.readCompleted(.bytes(100, filled: true), now: 200),
            m.readCompleted(.wouldBlock, now: 200),
            m.outputWritten(.done, bufferedInput: 0, now: 200),
            m.parsingStarted(),
            m.parsingStopped(at: .head, now: 201),
            m.readable(),
            m.readCompleted(.endOfFile, now: 201),
        ]
        #expect(actions == [.discardInput, .discardInput, .none, .none, .parse, .flush, .discardInput, .close])
        #expect(m.state == .closed)
        #expect(m.deadline == 0)
    }

    @Test func aReadErrorWhileLingeringCloses() {
        var m = Fixture.lingering()
        #expect(m.readCompleted(.failed, now: 200) == .close)
        #expect(m.state == .closed)
    }

    @Test func theLingerDeadlineCloses() {
        var m = Fixture.lingering()
        #expect(m.deadlinePassed() == .close)
        #expect(m.state == .closed)
    }

    // MARK: The client's EOF

    @Test func anEOFBetweenRequestsClosesWithoutLingering() {
        var m = Fixture.idleAfterOneResponse()
        let actions = [
            m.readable(),
            m.readCompleted(.endOfFile, now: 130),
            m.parsingStarted(),
            m.parsingStopped(at: .idle, now: 130),
            m.outputWritten(.done, bufferedInput: 0, now: 130),
        ]
        #expect(actions == [.read, .parse, .parse, .flush, .close])
        #expect(m.state == .closed)
    }

    @Test func anEOFAfterTheLastBodyByteClosesWithoutAnAnswer() {
        var m = Fixture.started()
        let actions = [
            m.readCompleted(.bytes(60, filled: true), now: 100),
            m.readCompleted(.endOfFile, now: 100),
            m.parsingStarted(),
            m.parsingStopped(at: .body(buffered: false), now: 100),
        ]
        #expect(actions == [.read, .parse, .parse, .flush])
        #expect(m.state == .closingAfterFlush)
        #expect(m.outputWritten(.done, bufferedInput: 0, now: 100) == .close)
    }

    @Test func anEOFInsideAHeadWaitsForTheHeaderDeadlineAndGets408() {
        var m = Fixture.started()
        let actions = [
            m.readCompleted(.endOfFile, now: 105),
            m.parsingStarted(),
            m.parsingStopped(at: .head, now: 105),
        ]
        #expect(actions == [.parse, .parse, .flush])
        #expect(m.state == .reading)
        #expect(m.timer == .header)
        #expect(m.deadline == 110)
        #expect(m.deadlinePassed() == .sendError(Machine.requestTimeout))
        #expect(m.outputWritten(.done, bufferedInput: 3, now: 110) == .close)  // the client has gone: no lingering
    }

    @Test func anEOFWithBodyBytesBufferedWaitsForTheBodyDeadline() {
        var m = Fixture.started()
        let actions = [
            m.readCompleted(.endOfFile, now: 105),
            m.parsingStarted(),
            m.parsingStopped(at: .body(buffered: true), now: 105),
        ]
        #expect(actions == [.parse, .parse, .flush])
        #expect(m.state == .reading)
        #expect(m.timer == .body)
        #expect(m.deadline == 165)
        #expect(m.deadlinePassed() == .sendError(Machine.requestTimeout))
        #expect(m.state == .closingAfterFlush)
    }

    // MARK: Deadlines

    @Test func aSlowHeadGets408AndTheConnectionCloses() {
        var m = Fixture.started()
        #expect([m.parsingStarted(), m.parsingStopped(at: .head, now: 101)] == [.parse, .flush])
        #expect(m.deadlinePassed() == .sendError(Machine.requestTimeout))
        #expect(Machine.requestTimeout.status == 408)
        #expect(m.state == .closingAfterFlush)
        #expect(m.deadline == 110)  // unchanged until the 408 is written
        #expect(m.outputWritten(.done, bufferedInput: 0, now: 111) == .startLingering)
        #expect(m.deadline == 113)
    }

    @Test func aSlowBodyGets408() {
        var m = Fixture.started()
        #expect([m.parsingStarted(), m.parsingStopped(at: .body(buffered: false), now: 101)] == [.parse, .flush])
        #expect(m.deadlinePassed() == .sendError(Machine.requestTimeout))
        #expect(m.state == .closingAfterFlush)
    }

    @Test func a408ThatCannotBeWrittenClosesAtTheNextSweep() {
        var m = Fixture.started()
        #expect([m.parsingStarted(), m.parsingStopped(at: .head, now: 101)] == [.parse, .flush])
        #expect(m.deadlinePassed() == .sendError(Machine.requestTimeout))
        #expect(m.outputWritten(.wouldBlock, bufferedInput: 0, now: 111) == .none)
        #expect(m.deadline == 110)
        #expect(m.deadlinePassed() == .close)
        #expect(m.state == .closed)
    }

    @Test func anIdleKeepAliveConnectionClosesAtItsDeadline() {
        var m = Fixture.idleAfterOneResponse()
        #expect(m.deadlinePassed() == .close)
        #expect(m.state == .closed)
        #expect(m.deadline == 0)
    }

    @Test func aTimeoutWhileAKeepAliveResponseIsStuckInTheSocketCloses() {
        var m = Fixture.dispatched()
        let actions = [
            m.responseReady(sequence: 1, closeRequested: false),
            m.parsingStopped(at: .idle, now: 120),
            m.outputWritten(.wouldBlock, bufferedInput: 0, now: 120),
        ]
        #expect(actions == [.writeResponse(context: Fixture.keepAlive, close: false, thenParse: false), .flush, .none])
        #expect(m.timer == .idle)
        #expect(m.deadlinePassed() == .close)
        #expect(m.state == .closed)
    }

    @Test func aTimeoutWhileTheLastResponseIsStuckInTheSocketCloses() {
        var m = Fixture.dispatched(Fixture.closing)
        let actions = [
            m.responseReady(sequence: 1, closeRequested: false),
            m.parsingStopped(at: .head, now: 120),  // a pipelined head waits behind it, never parsed
            m.outputWritten(.wouldBlock, bufferedInput: 10, now: 120),
        ]
        #expect(actions == [.writeResponse(context: Fixture.closing, close: true, thenParse: false), .flush, .none])
        #expect(m.timer == .header)
        #expect(m.deadlinePassed() == .close)  // not a 408: a response is already on its way
        #expect(m.state == .closed)
    }

    @Test func noDeadlineFiresWhileTheHandlerWorksOrAStreamRuns() {
        var waiting = Fixture.awaiting()
        #expect(waiting.deadlinePassed() == .none)
        #expect(waiting.state == .awaitingResponse(sequence: 1, context: Fixture.keepAlive))
        var streaming = Fixture.awaiting()
        _ = streaming.streamStarted(sequence: 1)
        #expect(streaming.deadlinePassed() == .none)
        #expect(streaming.isStreaming)
    }

    // MARK: Graceful shutdown

    @Test func shutdownClosesAnIdleConnectionAtOnce() {
        var m = Fixture.idleAfterOneResponse()
        #expect(m.shutdownRequested(position: .idle, outputEmpty: true) == .close)
        #expect(m.state == .closed)
    }

    @Test func shutdownLetsAnIdleConnectionFinishWritingThenCloses() {
        var m = Fixture.idleAfterOneResponse()
        #expect(m.shutdownRequested(position: .idle, outputEmpty: false) == .none)
        #expect(m.state == .closingAfterFlush)
        #expect(m.outputWritten(.done, bufferedInput: 0, now: 130) == .close)  // nobody lingers during shutdown
    }

    @Test func shutdownMakesThePendingResponseClose() {
        var m = Fixture.awaiting()
        #expect(m.shutdownRequested(position: .idle, outputEmpty: true) == .none)
        #expect(m.state == .awaitingResponse(sequence: 1, context: Fixture.closing))
        #expect(
            m.responseReady(sequence: 1, closeRequested: false)
                == .writeResponse(context: Fixture.closing, close: true, thenParse: true))
        #expect(m.outputWritten(.done, bufferedInput: 0, now: 130) == .close)
    }

    @Test func shutdownWithPipelinedRequestsQueuedAnswersOnlyThePendingOne() {
        var m = Fixture.awaiting()
        let actions = [
            m.shutdownRequested(position: .betweenRequests, outputEmpty: true),
            m.responseReady(sequence: 1, closeRequested: false),
            m.parsingStarted(),
            m.parsingStopped(at: .betweenRequests, now: 130),
            m.outputWritten(.done, bufferedInput: 200, now: 130),
        ]
        #expect(actions == [.none, .writeResponse(context: Fixture.closing, close: true, thenParse: true), .parse, .flush, .close])
        #expect(m.lastSequence == 1)
    }

    @Test func shutdownDuringAPartialRequestAnswersItWithClose() {
        var m = Fixture.started()
        #expect(m.shutdownRequested(position: .head, outputEmpty: true) == .none)
        #expect(m.state == .reading)
        #expect([m.parsingStarted(), m.requestReceived(Fixture.keepAlive)] == [.parse, .dispatch(sequence: 1)])
        #expect(m.state == .awaitingResponse(sequence: 1, context: Fixture.closing))
    }

    @Test func shutdownDuringAStreamClosesAfterIt() {
        var m = Fixture.awaiting()
        _ = m.streamStarted(sequence: 1)
        #expect(m.shutdownRequested(position: .idle, outputEmpty: false) == .none)
        #expect(m.state == .streaming(context: Fixture.closing, chunked: true))
        #expect(m.streamFinished() == .writeStreamEnd(chunked: true))
        #expect(m.state == .closingAfterFlush)
    }

    @Test func shutdownClosesALingeringConnectionAtOnce() {
        var idle = Fixture.lingering()
        #expect(idle.shutdownRequested(position: .idle, outputEmpty: true) == .close)
        #expect(idle.state == .closed)
        var midRequest = Fixture.lingering()
        #expect(midRequest.shutdownRequested(position: .head, outputEmpty: true) == .none)
        #expect(midRequest.state == .lingering)
    }

    @Test func aConnectionAcceptedDuringShutdownAnswersWithClose() {
        var m = Fixture.dispatched(shuttingDown: true)
        #expect(m.state == .awaitingResponse(sequence: 1, context: Fixture.closing))
        #expect(
            m.responseReady(sequence: 1, closeRequested: false)
                == .writeResponse(context: Fixture.closing, close: true, thenParse: false))
    }

    // MARK: Forced close

    @Test func aClosedConnectionIgnoresEveryEvent() {
        var m = Fixture.awaiting()
        #expect(m.closeRequested() == .close)
        #expect(m.state == .closed)
        #expect(m.isClosed)
        let actions = [
            m.closeRequested(),
            m.readable(),
            m.writable(),
            m.readCompleted(.bytes(10, filled: false), now: 200),
            m.parsingStarted(),
            m.parsingStopped(at: .idle, now: 200),
            m.continueExpected(),
            m.requestReceived(Fixture.keepAlive),
            m.requestFailed(Fixture.badRequest),
            m.responseReady(sequence: 1, closeRequested: false),
            m.streamStarted(sequence: 1),
            m.streamChunkReady(backlog: 0),
            m.streamFinished(),
            m.outputWritten(.done, bufferedInput: 0, now: 200),
            m.deadlinePassed(),
            m.shutdownRequested(position: .idle, outputEmpty: true),
        ]
        #expect(actions == Array(repeating: .none, count: 16))
        #expect(m.state == .closed)
        #expect(m.deadline == 0)
    }
}
