import Testing

@testable import HTTPCore

/// `ConnectionStateMachine` without sockets: reading, parsing, responses and streams. Each test
/// feeds events in the order `Connection` raises them and asserts the exact actions returned
/// and the state left behind. Timeouts, closing and shutdown: `ConnectionStateMachineClosingTests`.
@Suite struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine

    // MARK: Reading

    @Test func startArmsTheHeaderTimerAndReads() {
        var m = Machine(settings: Fixture.settings)
        #expect(m.start(now: 100) == .read)
        #expect(m.state == .reading)
        #expect(m.timer == .header)
        #expect(m.deadline == 110)
        #expect(m.readPending)
        #expect(m.start(now: 200) == .none)
        #expect(m.deadline == 110)
    }

    @Test func readsGoOnWhileTheyFillTheBuffer() {
        var m = Fixture.started()
        let actions = [
            m.readCompleted(.bytes(4096, filled: true), now: 100),
            m.readCompleted(.bytes(10, filled: false), now: 100),
        ]
        #expect(actions == [.read, .parse])
        #expect(!m.readPending)
        #expect(m.readable() == .read)
        #expect(m.readPending)
        #expect(m.readCompleted(.wouldBlock, now: 100) == .parse)
        #expect(!m.readPending)
        #expect(!m.inputClosed)
    }

    @Test func trickledHeadBytesDoNotExtendTheHeaderDeadline() {
        var m = Fixture.started()
        let actions = [
            m.readCompleted(.bytes(5, filled: false), now: 105),
            m.parsingStarted(),
            m.parsingStopped(at: .head, now: 105),
            m.readable(),
            m.readCompleted(.bytes(5, filled: false), now: 108),
            m.parsingStarted(),
            m.parsingStopped(at: .head, now: 108),
        ]
        #expect(actions == [.parse, .parse, .flush, .read, .parse, .parse, .flush])
        #expect(m.timer == .header)
        #expect(m.deadline == 110)
    }

    @Test func everyReadExtendsTheBodyDeadline() {
        var m = Fixture.started()
        #expect([m.parsingStarted(), m.parsingStopped(at: .body(buffered: false), now: 101)] == [.parse, .flush])
        #expect(m.timer == .body)
        #expect(m.deadline == 161)
        #expect(m.readCompleted(.bytes(100, filled: false), now: 150) == .parse)
        #expect(m.deadline == 210)
        #expect(m.readCompleted(.wouldBlock, now: 170) == .parse)
        #expect(m.deadline == 210)
    }

    @Test(arguments: [
        // Nothing received yet on a fresh connection: still the head's deadline (only a
        // response earns the idle one).
        (Machine.InputPosition.idle, Machine.Timer.header, UInt64(110)),
        (.betweenRequests, .header, 110),
        (.head, .header, 110),
        (.body(buffered: true), .body, 190),
        (.body(buffered: false), .body, 190),
    ])
    func theTimerFollowsTheParserPosition(position: Machine.InputPosition, timer: Machine.Timer, deadline: UInt64) {
        var m = Fixture.started()
        #expect([m.parsingStarted(), m.parsingStopped(at: position, now: 130)] == [.parse, .flush])
        #expect(m.state == .reading)
        #expect(m.timer == timer)
        #expect(m.deadline == deadline)
    }

    @Test func parsePassesDoNotNest() {
        var m = Fixture.started()
        #expect(m.parsingStarted() == .parse)
        #expect(m.parsingStarted() == .none)
        #expect(m.parsingStopped(at: .idle, now: 100) == .flush)
        #expect(m.parsingStarted() == .parse)
    }

    /// A pass that stopped at its budget parses again once its output is written, and only
    /// then (a blocked write waits for writability), on the loop's next turn.
    @Test func aPassStoppedAtItsBudgetParsesAgainOnceItsOutputIsWritten() {
        var m = Fixture.dispatched()
        _ = m.responseReady(sequence: 1, closeRequested: false)
        #expect(m.parsingStopped(at: .betweenRequests, deferred: true, now: 110) == .flush)
        #expect(m.timer == .idle && m.deadline == 170)  // not the head's deadline: the requests are here
        #expect(m.outputWritten(.wouldBlock, bufferedInput: 500, now: 110) == .none)
        #expect(m.writable() == .flush)
        #expect(m.outputWritten(.done, bufferedInput: 500, now: 111) == .parseLater)
        #expect(m.outputWritten(.done, bufferedInput: 500, now: 112) == .none)  // once
        #expect(m.parsingStarted() == .parse)
        #expect(m.parsingStopped(at: .idle, now: 113) == .flush)
        #expect(m.outputWritten(.done, bufferedInput: 0, now: 113) == .none)
    }

    @Test func expectContinueIsAnsweredOnlyWhileReading() {
        var m = Fixture.started()
        #expect(m.continueExpected() == .sendContinue)
        #expect(m.state == .reading)
        var waiting = Fixture.awaiting()
        #expect(waiting.continueExpected() == .none)
    }

    // MARK: Requests and responses

    @Test func aCompleteRequestIsDispatchedAndNoTimerRuns() {
        let m = Fixture.dispatched()
        #expect(m.state == .awaitingResponse(sequence: 1, context: Fixture.keepAlive))
        #expect(m.timer == .none)
        #expect(m.deadline == 0)
        #expect(!m.isReadingRequests)
        #expect(m.inputLimit == Machine.backPressureInputLimit)
    }

    @Test func aResponseFromInsideTheParsePassLetsThatPassGoOn() {
        var m = Fixture.dispatched()
        #expect(
            m.responseReady(sequence: 1, closeRequested: false)
                == .writeResponse(context: Fixture.keepAlive, close: false, thenParse: false))
        #expect(m.state == .reading)
        #expect(m.isReadingRequests)
        #expect(m.inputLimit == Fixture.settings.inputLimit)
        #expect(m.parsingStopped(at: .idle, now: 120) == .flush)
        #expect(m.timer == .idle)
        #expect(m.deadline == 180)
    }

    @Test func aLaterResponseResumesParsing() {
        var m = Fixture.awaiting()
        #expect(
            m.responseReady(sequence: 1, closeRequested: false)
                == .writeResponse(context: Fixture.keepAlive, close: false, thenParse: true))
        #expect(m.state == .reading)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() {
        var m = Fixture.dispatched()
        let actions = [
            m.responseReady(sequence: 1, closeRequested: false),
            m.requestReceived(Fixture.keepAlive),
            m.responseReady(sequence: 1, closeRequested: false),
            m.requestReceived(Fixture.keepAlive),
            m.responseReady(sequence: 2, closeRequested: false),
        ]
        #expect(
            actions == [
                .writeResponse(context: Fixture.keepAlive, close: false, thenParse: false),
                .dispatch(sequence: 2),
                .none,  // a second answer to request 1
                .none,  // request 3 must wait for request 2
                .writeResponse(context: Fixture.keepAlive, close: false, thenParse: false),
            ])
        #expect(m.lastSequence == 2)
        #expect(m.state == .reading)
    }

    @Test func aResponseThatNobodyAwaitsIsIgnored() {
        var reading = Fixture.started()
        #expect(reading.responseReady(sequence: 1, closeRequested: false) == .none)
        #expect(reading.state == .reading)
        var waiting = Fixture.awaiting()
        #expect(waiting.responseReady(sequence: 7, closeRequested: true) == .none)
        #expect(waiting.state == .awaitingResponse(sequence: 1, context: Fixture.keepAlive))
    }

    @Test func aResponseThatAsksToCloseClosesAfterIt() {
        var m = Fixture.dispatched()
        #expect(
            m.responseReady(sequence: 1, closeRequested: true)
                == .writeResponse(context: Fixture.keepAlive, close: true, thenParse: false))
        #expect(m.state == .closingAfterFlush)
        #expect(!m.isReadingRequests)
        #expect(m.requestReceived(Fixture.keepAlive) == .none)
    }

    @Test func aRequestWithoutKeepAliveClosesAfterItsResponse() {
        var m = Fixture.dispatched(Fixture.http10)
        #expect(
            m.responseReady(sequence: 1, closeRequested: false)
                == .writeResponse(context: Fixture.http10, close: true, thenParse: false))
        #expect(m.state == .closingAfterFlush)
    }

    @Test func aMalformedRequestIsAnsweredAndTheConnectionCloses() {
        var m = Fixture.started()
        let error = HTTPParseError(status: 431, reason: "too many header fields")
        let actions = [
            m.readCompleted(.bytes(9000, filled: false), now: 100),
            m.parsingStarted(),
            m.requestFailed(error),
            m.requestFailed(error),
            m.requestReceived(Fixture.keepAlive),
        ]
        #expect(actions == [.parse, .parse, .sendError(error), .none, .none])
        #expect(m.state == .closingAfterFlush)
        #expect(m.lastSequence == 0)
    }

    @Test func aRequestReadAfterTheClientsEOFIsAnsweredWithClose() {
        var m = Fixture.started()
        let actions = [
            m.readCompleted(.bytes(40, filled: false), now: 100),
            m.readCompleted(.endOfFile, now: 100),
            m.parsingStarted(),
            m.requestReceived(Fixture.keepAlive),
        ]
        #expect(actions == [.parse, .parse, .parse, .dispatch(sequence: 1)])
        #expect(m.inputClosed)
        #expect(m.state == .awaitingResponse(sequence: 1, context: Fixture.closing))
        #expect(
            m.responseReady(sequence: 1, closeRequested: false)
                == .writeResponse(context: Fixture.closing, close: true, thenParse: false))
    }

    @Test func anEOFWhileTheHandlerWorksStillGetsTheResponseThenCloses() {
        var m = Fixture.awaiting()
        let actions = [
            m.readable(),
            m.readCompleted(.endOfFile, now: 110),
            m.parsingStarted(),
            m.parsingStopped(at: .idle, now: 110),
            m.responseReady(sequence: 1, closeRequested: false),
            m.parsingStarted(),
            m.parsingStopped(at: .idle, now: 120),
            m.outputWritten(.done, bufferedInput: 0, now: 120),
        ]
        #expect(
            actions == [
                .read, .parse, .parse, .flush,
                .writeResponse(context: Fixture.keepAlive, close: false, thenParse: true),
                .parse, .flush, .close,
            ])
        #expect(m.state == .closed)
    }

    // MARK: Streams

    @Test func anHTTP11StreamIsChunkedAndKeepsTheConnection() {
        var m = Fixture.awaiting()
        #expect(m.streamStarted(sequence: 1) == .writeStreamHead(context: Fixture.keepAlive))
        #expect(m.state == .streaming(context: Fixture.keepAlive, chunked: true))
        #expect(m.isStreaming)
        #expect(m.timer == .none)
        #expect(m.inputLimit == Machine.backPressureInputLimit)
        let actions = [
            m.outputWritten(.done, bufferedInput: 0, now: 100),
            m.streamChunkReady(backlog: 0),
            m.streamChunkReady(backlog: 0),
            m.streamFinished(),
        ]
        #expect(actions == [.none, .writeStreamChunk(chunked: true), .writeStreamChunk(chunked: true), .writeStreamEnd(chunked: true)])
        #expect(m.state == .reading)
        #expect(!m.isStreaming)
    }

    @Test func anHTTP10StreamRunsToEOFAndCloses() {
        var m = Fixture.dispatched(Fixture.http10KeepAlive)
        let actions = [
            m.streamStarted(sequence: 1),
            m.streamChunkReady(backlog: 0),
            m.streamFinished(),
        ]
        #expect(actions == [.writeStreamHead(context: Fixture.http10), .writeStreamChunk(chunked: false), .writeStreamEnd(chunked: false)])
        #expect(m.state == .closingAfterFlush)
    }

    @Test func aStreamToAClientThatStopsReadingIsDropped() {
        var m = Fixture.awaiting()
        var evaluated = 0
        func backlog(_ bytes: Int) -> Int {
            evaluated += 1
            return bytes
        }
        _ = m.streamStarted(sequence: 1)
        #expect(m.streamChunkReady(backlog: backlog(5 << 20)) == .writeStreamChunk(chunked: true))
        #expect(evaluated == 0)  // only measured while the socket refuses output
        #expect(m.outputWritten(.wouldBlock, bufferedInput: 0, now: 100) == .none)
        #expect(m.streamChunkReady(backlog: backlog(Machine.maxStreamBacklog)) == .writeStreamChunk(chunked: true))
        #expect(m.streamChunkReady(backlog: backlog(Machine.maxStreamBacklog + 1)) == .close)
        #expect(evaluated == 2)
        #expect(m.state == .closed)
        #expect(!m.isStreaming)
        #expect(m.streamFinished() == .none)
    }

    @Test func streamEventsOutOfPlaceAreIgnored() {
        var reading = Fixture.started()
        #expect([reading.streamChunkReady(backlog: 0), reading.streamFinished(), reading.streamStarted(sequence: 0)] == [.none, .none, .none])
        #expect(reading.state == .reading)

        var m = Fixture.awaiting()
        let actions = [
            m.streamStarted(sequence: 2),
            m.streamStarted(sequence: 1),
            m.streamStarted(sequence: 1),
            m.responseReady(sequence: 1, closeRequested: false),
        ]
        #expect(actions == [.none, .writeStreamHead(context: Fixture.keepAlive), .none, .none])
        #expect(m.state == .streaming(context: Fixture.keepAlive, chunked: true))
    }

    // MARK: Output

    @Test func writtenOutputReadsOnOnlyWhenTheSocketMayHoldMoreAndThereIsRoom() {
        var m = Fixture.started()
        #expect(m.outputWritten(.done, bufferedInput: 0, now: 100) == .read)  // start left a read pending
        #expect(m.outputWritten(.done, bufferedInput: Fixture.settings.inputLimit - 1, now: 100) == .read)
        #expect(m.outputWritten(.done, bufferedInput: Fixture.settings.inputLimit, now: 100) == .none)
        #expect(m.readCompleted(.wouldBlock, now: 100) == .parse)
        #expect(m.outputWritten(.done, bufferedInput: 0, now: 100) == .none)
    }

    @Test func stuckOutputAppliesBackPressureUntilTheSocketIsWritable() {
        var m = Fixture.idleAfterOneResponse()
        #expect(m.writable() == .none)
        #expect(m.outputWritten(.wouldBlock, bufferedInput: 0, now: 130) == .none)
        #expect(m.writeBlocked)
        #expect(m.inputLimit == Machine.backPressureInputLimit)
        #expect(m.writable() == .flush)
        #expect(m.outputWritten(.done, bufferedInput: 0, now: 140) == .none)
        #expect(!m.writeBlocked)
        #expect(m.inputLimit == Fixture.settings.inputLimit)
        #expect(m.writable() == .none)
    }

    @Test func readAndWriteErrorsClose() {
        var reading = Fixture.started()
        #expect(reading.readCompleted(.failed, now: 100) == .close)
        #expect(reading.state == .closed)
        #expect(reading.deadline == 0)

        var writing = Fixture.awaiting()
        #expect(writing.responseReady(sequence: 1, closeRequested: false) != .none)
        #expect(writing.outputWritten(.failed, bufferedInput: 0, now: 100) == .close)
        #expect(writing.state == .closed)
    }
}
