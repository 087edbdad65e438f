import Testing

@testable import HTTPCore

/// Found by a review: three ways a client could hold a connection slot for as long as it
/// liked for a few bytes a minute, and one way a slow but honest reader lost its response.
/// Times in the fixture's units (header 10, idle 60); a body byte buys 1.
@Suite struct ConnectionStateMachineDeadlineTests {
    typealias Machine = ConnectionStateMachine
    static let settings = Machine.Settings(headerTimeout: 10, idleTimeout: 60, lingerTimeout: 2, bodyTimePerByte: 1, inputLimit: 1000)

    /// A head was read at 100 and its body has begun: the body timer runs to 160.
    static func readingBody() -> Machine {
        var m = Machine(settings: settings)
        _ = m.start(now: 100)
        _ = m.readCompleted(.bytes(40, filled: false), now: 100)
        _ = m.parsingStarted()
        #expect(m.parsingStopped(at: .body(buffered: false), now: 100) == .flush)
        #expect(m.timer == .body && m.deadline == 160)
        return m
    }

    @Test func aTrickledBodyEarnsTimeByTheByteNotByTheRead() {
        var m = Self.readingBody()
        // One byte at 150 buys one unit: the deadline is 161, not 150 + 60.
        _ = m.readCompleted(.bytes(1, filled: false), now: 150)
        #expect(m.deadline == 161)
        _ = m.readCompleted(.bytes(1, filled: false), now: 160)
        #expect(m.deadline == 162)
        #expect(m.deadlinePassed() == .sendError(Machine.requestTimeout))
    }

    @Test func aBodyArrivingFastKeepsAFullIdleTimeoutAhead() {
        var m = Self.readingBody()
        _ = m.readCompleted(.bytes(500, filled: false), now: 150)
        #expect(m.deadline == 210)  // capped at now + idle
    }

    @Test func emptyLinesBeforeAHeadKeepTheHeadsDeadline() {
        var m = Machine(settings: Self.settings)
        _ = m.start(now: 100)  // header deadline 110
        // "\r" alone, then "\n": the parser goes back to idle without a request.
        _ = m.readCompleted(.bytes(1, filled: false), now: 105)
        _ = m.parsingStarted()
        _ = m.parsingStopped(at: .betweenRequests, now: 105)
        _ = m.readCompleted(.bytes(1, filled: false), now: 108)
        _ = m.parsingStarted()
        _ = m.parsingStopped(at: .idle, now: 108)
        #expect(m.timer == .header && m.deadline == 110)
        #expect(m.deadlinePassed() == .sendError(Machine.requestTimeout))
    }

    @Test func aSlowReaderGetsTimeWhileItReadsAndIsClosedWhenItStops() {
        var m = Fixture.awaiting()
        _ = m.responseReady(sequence: 1, closeRequested: false)
        _ = m.parsingStarted()
        _ = m.parsingStopped(at: .idle, now: 120)  // idle deadline 180
        // The response is large: the socket takes some of it at 170, then at 230.
        _ = m.outputWritten(.wouldBlock, progressed: true, bufferedInput: 0, now: 170)
        #expect(m.timer == .idle && m.deadline == 230)
        _ = m.outputWritten(.wouldBlock, progressed: true, bufferedInput: 0, now: 220)
        #expect(m.deadline == 280)
        // Nothing taken since: the deadline stands, and the connection closes.
        _ = m.outputWritten(.wouldBlock, progressed: false, bufferedInput: 0, now: 270)
        #expect(m.deadline == 280)
        #expect(m.deadlinePassed() == .close)
    }

    @Test func aStreamToAClientThatStoppedReadingIsClosed() {
        var m = Fixture.dispatched()
        _ = m.parsingStopped(at: .idle, now: 100)
        _ = m.streamStarted(sequence: 1)
        #expect(m.outputWritten(.done, bufferedInput: 0, now: 100) == .none)
        #expect(m.timer == .none)
        // The socket stops taking output at 130: the stall timer starts.
        _ = m.outputWritten(.wouldBlock, progressed: false, bufferedInput: 0, now: 130)
        #expect(m.timer == .idle && m.deadline == 190)
        // It drains at 150: no timer while the stream flows.
        _ = m.outputWritten(.done, progressed: true, bufferedInput: 0, now: 150)
        #expect(m.timer == .none && m.deadline == 0)
        #expect(m.deadlinePassed() == .none)
        _ = m.outputWritten(.wouldBlock, progressed: true, bufferedInput: 0, now: 200)
        _ = m.outputWritten(.wouldBlock, progressed: false, bufferedInput: 0, now: 240)
        #expect(m.deadline == 260)
        #expect(m.deadlinePassed() == .close)
    }

    @Test func onlyAQuietKeptAliveConnectionCountsAsIdle() {
        #expect(Fixture.idleAfterOneResponse().isIdleKeepAlive)
        #expect(!Fixture.started().isIdleKeepAlive)  // waiting for its first head
        #expect(!Fixture.awaiting().isIdleKeepAlive)
        var blocked = Fixture.idleAfterOneResponse()
        _ = blocked.outputWritten(.wouldBlock, progressed: true, bufferedInput: 0, now: 130)
        #expect(!blocked.isIdleKeepAlive)
    }

    @Test func bodyBytesAfterA408DoNotPutTheCloseOff() {
        var m = Self.readingBody()
        #expect(m.deadlinePassed() == .sendError(Machine.requestTimeout))
        _ = m.outputWritten(.wouldBlock, progressed: false, bufferedInput: 0, now: 160)
        _ = m.readCompleted(.bytes(500, filled: false), now: 161)
        #expect(m.deadline == 160)
        #expect(m.deadlinePassed() == .close)
    }

    @Test func requestsHeldBackAtThePassBudgetAreNotALateHead() {
        var m = Machine(settings: Self.settings)
        _ = m.start(now: 100)
        _ = m.readCompleted(.bytes(40, filled: false), now: 100)
        _ = m.parsingStarted()
        _ = m.parsingStopped(at: .head, now: 100)  // a partial head: header deadline 110
        // The rest arrives with many more requests; the pass stops at its budget with their
        // answers still to write: the idle timer guards the connection, not the head's.
        _ = m.readCompleted(.bytes(4000, filled: false), now: 105)
        _ = m.parsingStarted()
        _ = m.parsingStopped(at: .idle, deferred: true, now: 105)
        #expect(m.timer == .idle && m.deadline == 165)
    }
}
