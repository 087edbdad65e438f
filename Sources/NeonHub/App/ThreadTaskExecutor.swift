import Foundation
import Synchronization
import TimeUnits

/// A task executor with one thread of its own, for work that must keep its pace when Swift's
/// cooperative pool is busy: a task started with this executor as its preference
/// (`Task(executorPreference:)`) runs its nonisolated code here, also after each `await` and in
/// its child tasks.
///
/// The queue's `LeaseKeeper` runs on one. The cooperative pool has one thread per core (two
/// here), so work that blocks them (a synchronous wait in a handler, a long computation) would
/// delay every heartbeat with it; after a whole lease without one, the jobs are stopped and
/// another worker reclaims them. On its own thread the keeper only waits for the database.
///
/// Such a task sleeps with `sleep(for:)`, not `Task.sleep`, whose wake-up is left to the
/// runtime's timers: with every pool thread blocked, a 10 ms `Task.sleep` on this executor
/// was seen to last a whole second (2 tries in 5 here, Swift 6.3 on Linux). `sleep(for:)`'s
/// timer fires on a dispatch queue of its own.
public final class ThreadTaskExecutor: TaskExecutor, Sendable {
    private let queue = Mutex<[UnownedJob]>([])
    private let wake = DispatchSemaphore(value: 0)
    /// Where `sleep(for:)`'s timers fire: a serial queue of its own, which dispatch serves
    /// beside the cooperative pool's threads, never with them.
    private let timers: DispatchQueue
    /// The thread's id, once it has started.
    private let threadID = Mutex<pthread_t?>(nil)

    /// Starts the executor's thread, named `name`. The thread lives as long as the process.
    public init(name: String) {
        timers = DispatchQueue(label: "\(name).timers")
        let thread = Thread { [self] in
            threadID.withLock { $0 = pthread_self() }
            runJobs()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.withLock { $0.append(job) }
        wake.signal()
    }

    /// Whether the calling code runs on this executor's thread.
    public var isCurrent: Bool {
        threadID.withLock { $0 }.map { pthread_equal($0, pthread_self()) != 0 } ?? false
    }

    /// Suspends the calling task for `duration`, or until it is cancelled (it then returns
    /// early, without throwing). The timer fires off the cooperative pool; a task that prefers
    /// this executor then resumes on its thread.
    public func sleep(for duration: Duration) async {
        let alarm = Alarm<Void>()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                alarm.set(continuation)
                timers.asyncAfter(deadline: .now() + .nanoseconds(Int(duration.inNanoseconds))) { alarm.ring() }
            }
        } onCancel: {
            alarm.ring()
        }
    }

    private func runJobs() {
        while true {
            wake.wait()
            guard let job = queue.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
