import Testing

@testable import HTTPCore

/// `ConnectionStateMachine`s in a given state for the state machine tests, each reached
/// through the events `Connection` raises (so the path there is checked too). Time starts
/// at 100; header timeout 10, idle timeout 60, linger 2, input limit 1000.
enum Fixture {
    typealias Machine = ConnectionStateMachine

    static let settings = Machine.Settings(headerTimeout: 10, idleTimeout: 60, lingerTimeout: 2, inputLimit: 1000)
    static let keepAlive = ResponseContext(version: .http1_1, isHead: false, keepAlive: true, acceptsGzip: false)
    static let closing = ResponseContext(version: .http1_1, isHead: false, keepAlive: false, acceptsGzip: false)
    static let http10 = ResponseContext(version: .http1_0, isHead: false, keepAlive: false, acceptsGzip: false)
    static let http10KeepAlive = ResponseContext(version: .http1_0, isHead: false, keepAlive: true, acceptsGzip: false)
    static let badRequest = HTTPParseError(status: 400, reason: "bad")

    /// Accepted at 100: header timer armed, a read pending.
    static func started(shuttingDown: Bool = false) -> Machine {
        var m = Machine(settings: settings, shuttingDown: shuttingDown)
        #expect(m.start(now: 100) == .read)
        return m
    }

    /// One complete request read and dispatched as request 1; the parse pass is still running.
    static func dispatched(_ context: ResponseContext = keepAlive, shuttingDown: Bool = false) -> Machine {
        var m = started(shuttingDown: shuttingDown)
        let actions = [m.readCompleted(.bytes(40, filled: false), now: 100), m.parsingStarted(), m.requestReceived(context)]
        #expect(actions == [.parse, .parse, .dispatch(sequence: 1)])
        return m
    }

    /// Request 1 is with the handler and the parse pass has ended.
    static func awaiting(_ context: ResponseContext = keepAlive) -> Machine {
        var m = dispatched(context)
        #expect(m.parsingStopped(at: .idle, now: 100) == .flush)
        return m
    }

    /// Request 1 was answered (keep-alive) at 120; the connection waits for the next one.
    static func idleAfterOneResponse() -> Machine {
        var m = awaiting()
        let actions = [
            m.responseReady(sequence: 1, closeRequested: false),
            m.parsingStarted(),
            m.parsingStopped(at: .idle, now: 120),
            m.outputWritten(.done, bufferedInput: 0, now: 120),
        ]
        #expect(actions == [.writeResponse(context: keepAlive, close: false, thenParse: true), .parse, .flush, .none])
        #expect(m.state == .reading)
        #expect(m.timer == .idle)
        #expect(m.deadline == 180)
        return m
    }

    /// A malformed request was answered with 400; the answer is not written yet.
    static func closingAfterError() -> Machine {
        var m = started()
        let actions = [
            m.readCompleted(.bytes(40, filled: false), now: 100),
            m.parsingStarted(),
            m.requestFailed(badRequest),
            m.parsingStopped(at: .head, now: 100),
        ]
        #expect(actions == [.parse, .parse, .sendError(badRequest), .flush])
        #expect(m.state == .closingAfterFlush)
        return m
    }

    /// The 400 was written at 200: our side is shut and late input is being discarded.
    static func lingering() -> Machine {
        var m = closingAfterError()
        #expect(m.outputWritten(.done, bufferedInput: 0, now: 200) == .startLingering)
        return m
    }
}
