import Synchronization
import Testing

@testable import NeonHub

/// The countdown a worker waits on for its batch's jobs to have run: it goes on after the last
/// job, not before, and never stays stuck once the batch is over.
@Suite struct BatchCountdownTests {
    @Test func theWaiterGoesOnAfterTheLastJobNotBefore() async throws {
        let countdown = BatchCountdown(3)
        let done = Mutex(false)
        let waiter = Task {
            await countdown.wait()
            done.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(100))  // the waiter is waiting before the jobs run
        countdown.tick()
        countdown.tick()
        try await Task.sleep(for: .milliseconds(200))
        #expect(!done.withLock { $0 }, "two of three jobs have run")
        countdown.tick()
        await waiter.value
        #expect(done.withLock { $0 })
    }

    @Test func aWaitAfterEveryJobHasRunReturnsAtOnce() async {
        let countdown = BatchCountdown(2)
        countdown.tick()
        countdown.tick()
        await countdown.wait()
    }

    @Test func theEndOfTheBatchReleasesTheWaiterWhateverTheCount() async {
        let countdown = BatchCountdown(5)
        let waiter = Task { await countdown.wait() }
        countdown.tick()
        countdown.finishAll()
        await waiter.value
        countdown.tick()  // a job counting itself late changes nothing
        await countdown.wait()
    }
}
