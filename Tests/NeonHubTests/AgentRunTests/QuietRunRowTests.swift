import Foundation
import Logging
import Postgres
import Synchronization
import Testing

@testable import NeonHub

/// A quiet run's toolbox (`Orchestrator.Started`): a timed call writes the run's deferred
/// `running` row only once it has waited `runningRowDelay`; the call's end waits for that
/// write; a failed write does not fail the call but says the row may exist. No database: the
/// row's write is a closure the test controls.
@Suite struct QuietRunRowTests {
    /// Counts the writes of the row and lets each finish (or fail) when the test says.
    final class RowWrites: Sendable {
        private let state = Mutex((started: 0, finished: 0))
        private let release: AsyncStream<Void>
        private let releaser: AsyncStream<Void>.Continuation
        let fails: Bool

        init(fails: Bool = false) {
            (release, releaser) = AsyncStream.makeStream()
            self.fails = fails
        }

        var started: Int { state.withLock { $0.started } }
        var finished: Int { state.withLock { $0.finished } }
        func letOneFinish() { releaser.yield() }

        /// The row's write: waits for `letOneFinish`.
        func write() async throws {
            state.withLock { $0.started += 1 }
            for await _ in release { break }
            state.withLock { $0.finished += 1 }
            if fails { throw PostgresError(kind: .unavailable, message: "the test's database went away") }
        }
    }

    static func toolbox(_ writes: RowWrites, delay: Duration) -> RunToolbox {
        // The ledger's pool opens nothing: these runs make no model call.
        let pool = PostgresPool(connectionString: "host=/nonexistent-neonhub-test dbname=none", logger: Logger(label: "test"))
        return RunToolbox(
            tenantID: "tenant-a", runID: UUID(), agent: "connector", llm: TemplateProvider(), costOf: { _, _ in nil },
            events: RunEventBus(), spend: LLMSpendLedger(pool: pool, limits: .init(), logger: Logger(label: "test")),
            writeRunningRow: { try await writes.write() }, runningRowDelay: delay)
    }

    @Test func aQuickCallWritesNoRow() async throws {
        let writes = RowWrites()
        let toolbox = Self.toolbox(writes, delay: .seconds(600))
        let output = try await toolbox.call("connector.action", input: .object([:]), timeout: .seconds(30)) { .string("done") }
        #expect(output == .string("done"))
        #expect(writes.started == 0)
        #expect(!toolbox.runRowExists, "the run's end inserts it whole")
    }

    /// The provider answers while the row's write is still on its way: the call ends only
    /// after the write, and the run's end knows the row is there (it updates it).
    @Test func aCallThatOutlastsTheDelayEndsAfterItsRowIsWritten() async throws {
        let writes = RowWrites()
        let toolbox = Self.toolbox(writes, delay: .milliseconds(50))
        let call = Task {
            try await toolbox.call("connector.action", input: .object([:]), timeout: .seconds(60)) {
                while writes.started == 0 { try await Task.sleep(for: .milliseconds(5)) }
                return .string("done")  // answered while the write is held
            }
        }
        while writes.started == 0 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(writes.finished == 0)
        #expect(!toolbox.runRowExists, "not before the write ends")
        writes.letOneFinish()
        #expect(try await call.value == .string("done"))
        #expect(writes.finished == 1, "the call waited for the write")
        #expect(toolbox.runRowExists)
    }

    /// A failed write of the row does not fail the call; the row may have been committed all
    /// the same, so the run's end updates it or inserts it.
    @Test func aFailedRowWriteLeavesTheCallItsAnswer() async throws {
        let writes = RowWrites(fails: true)
        writes.letOneFinish()
        let toolbox = Self.toolbox(writes, delay: .milliseconds(20))
        let output = try await toolbox.call("connector.action", input: .object([:]), timeout: .seconds(60)) {
            while writes.finished == 0 { try await Task.sleep(for: .milliseconds(5)) }
            return .string("done")
        }
        #expect(output == .string("done"))
        #expect(writes.started == 1)
        #expect(toolbox.runRowExists)
        #expect(toolbox.recorded.tools.map(\.status) == ["succeeded"])
    }

    /// The timeout still ends a call that hangs, row written or not.
    @Test func theTimeoutStillEndsAHangingCall() async throws {
        let writes = RowWrites()
        writes.letOneFinish()
        let toolbox = Self.toolbox(writes, delay: .milliseconds(20))
        await #expect(throws: ToolTimeoutError.self) {
            try await toolbox.call("connector.action", input: .object([:]), timeout: .milliseconds(300)) {
                try await Task.sleep(for: .seconds(600))
                return .null
            }
        }
        #expect(writes.finished == 1)
        #expect(toolbox.recorded.tools.map(\.status) == ["timed_out"])
    }
}
