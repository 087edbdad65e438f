import Foundation
import Testing

@testable import NeonHub

/// `Alarm`, and `Deadline.run` (built on it), which `QueueWorkers.stop` waits with: a hung task must not
/// hold a shutdown past its limit.
@Suite struct AlarmAndDeadlineTests {
    @Test func aDeadlineReturnsAtItsLimitWhileATaskHangs() async {
        let gate = Alarm<Void>()
        let hanging = Task { await withCheckedContinuation { gate.set($0) } }
        // Lets the hung task go after 120 s in any case, so a wait that hangs with it fails
        // below instead of holding the test run.
        let release = Task {
            try? await Task.sleep(for: .seconds(120))
            gate.ring()
        }
        let start = ContinuousClock.now
        let outcome = await Deadline.run(.milliseconds(200)) { await hanging.value }
        let waited = ContinuousClock.now - start
        #expect(outcome == nil)
        #expect(waited < .seconds(60), "waited \(waited) for a task that hangs, past a 200 ms limit")
        gate.ring()
        await hanging.value
        release.cancel()
    }

    @Test func aDeadlineReturnsTheAnswerWhenTheTasksEndBeforeTheLimit() async throws {
        let tasks = (0..<3).map { index in Task { _ = try? await Task.sleep(for: .milliseconds(10 * index)) } }
        let start = ContinuousClock.now
        let outcome = await Deadline.run(.seconds(60)) { () -> Int in
            for task in tasks { await task.value }
            return tasks.count
        }
        #expect(try outcome?.get() == 3)
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test func aRingBeforeTheTaskWaitsWakesItAtOnceAndLaterRingsDoNothing() async {
        let alarm = Alarm<Void>()
        alarm.ring()
        await withCheckedContinuation { alarm.set($0) }  // would hang if the early ring were lost
        alarm.ring()  // a second ring resumes nothing (a double resume would crash)
    }

    @Test func theFirstRingsValueIsTheOneTheTaskWakesWith() async {
        let early = Alarm<Int>()
        early.ring(1)
        early.ring(2)
        #expect(await withCheckedContinuation { early.set($0) } == 1)
        let late = Alarm<Int>()
        let waiter = Task { await withCheckedContinuation { late.set($0) } }
        try? await Task.sleep(for: .milliseconds(20))  // either order must give 3
        late.ring(3)
        late.ring(4)
        #expect(await waiter.value == 3)
    }
}
