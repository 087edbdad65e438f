import Foundation
import Postgres
import Synchronization

/// Runs `trigger_poll` jobs through the poller, bound once the trigger file is loaded (after
/// the queue exists), as a singleton so that one process polls at a time.
final class TriggerPollJobHandler: JobHandler {
    /// The advisory lock key of the poll pass (beside refresh 1, health 2, cleanup 3).
    static let lockKey = 4
    private let connectionString: String
    private let poller = Mutex<TriggerPoller?>(nil)

    /// A handler without its poller yet; its lock is taken on `connectionString`'s database.
    init(connectionString: String) { self.connectionString = connectionString }

    /// Sets the poller the jobs run.
    func bind(_ poller: TriggerPoller) { self.poller.withLock { $0 = poller } }

    func run(_ job: QueueJob) async -> JobOutcome {
        guard let poller = poller.withLock({ $0 }) else {
            return .retry(JobFailure(code: "notReady", message: "The trigger poller is not running yet"))
        }
        return await SingletonJobHandler(connectionString: connectionString, lockKey: Self.lockKey) { try await poller.pass().json }.run(job)
    }
}
