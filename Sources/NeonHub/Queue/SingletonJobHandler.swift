import Foundation
import Logging
import Postgres

/// Runs recurring work (token refresh, health checks, cleanup) as a singleton: the work runs
/// only in the process that takes its advisory lock, so several processes on one database
/// never do it twice at the same time; one that finds the lock taken succeeds with
/// `{skipped: true}`. A pass that fails says why: in the job's error (redacted) and in an
/// error log line, so an operator sees a recurring pass that keeps failing.
///
/// The lock is a session's, held for the whole pass on a connection of its own, not one of the
/// pool's: the pass borrows pool connections for its work, and with a small pool (one, at
/// worst) a pinned slot would leave it waiting on itself.
struct SingletonJobHandler: JobHandler {
    /// The advisory lock class of recurring jobs (the second key is per kind). Both keys are
    /// bound as `int4`: Postgres has `pg_try_advisory_lock(int, int)` but no `(bigint, int)`.
    static let lockClass: Int32 = 7347
    /// Where the lock's own connection goes (the pool's database).
    let connectionString: String
    let lockKey: Int
    let work: @Sendable () async throws -> JSONValue
    var logger = Logger(label: "neonhub.queue")

    func run(_ job: QueueJob) async -> JobOutcome {
        let (work, lockKey, connectionString) = (self.work, self.lockKey, self.connectionString)
        let trace = TraceContext.current  // the job's; the connection's thread below has no task-locals
        do {
            let result = try await runOnOwnThread { () throws -> JSONValue? in
                let connection = try PostgresConnection(
                    connectionString: connectionString,
                    options: PostgresConnectionOptions(connectTimeout: .seconds(5), applicationName: "neonhub-recurring"))
                defer { connection.close() }
                let got = try connection.query("SELECT pg_try_advisory_lock(\(Self.lockClass)::int, \(lockKey)::int) AS got").first?.decode(
                    "got", as: Bool.self)
                guard got == true else { return nil }
                defer { _ = try? connection.execute("SELECT pg_advisory_unlock(\(Self.lockClass)::int, \(lockKey)::int)") }
                return try waitForAsync(trace: trace) { try await work() }
            }
            return .succeeded(result: result ?? .object(["skipped": .bool(true)]), remoteID: nil, remoteURL: nil)
        } catch {
            let reason = SecretRedactor(secrets: []).clean(String(describing: error))
            logger.error("a recurring pass failed", metadata: ["kind": "\(job.kind.rawValue)", "job": "\(job.id)", "error": "\(reason)"])
            return .retry(JobFailure(code: "recurringJobFailed", message: "The \(job.kind.rawValue) pass failed: \(reason)"))
        }
    }
}

/// The recurring jobs (DESIGN §10): each is enqueued once per period under an idempotency
/// key naming the period, so every process may enqueue and only one job per period exists.
struct RecurringJobs: Sendable {
    /// A recurring job: its kind and period.
    struct Schedule: Sendable {
        var kind: JobKind
        var every: TimeInterval
    }

    static let schedules = [
        Schedule(kind: .tokenRefresh, every: 60),
        Schedule(kind: .healthCheck, every: 15 * 60),
        Schedule(kind: .cleanup, every: 3600),
        Schedule(kind: .triggerPoll, every: 60),
    ]
    /// The tenant of system jobs.
    static let systemTenant = "_system"

    let store: QueueStore
    let metrics: NeonHubMetrics
    var logger = Logger(label: "neonhub.queue")

    /// Enqueues the current period's job of every schedule (a no-op when it exists); one that
    /// cannot be enqueued is logged as an error (the next round tries again).
    func enqueueDue(now: Date = Date()) async {
        for schedule in Self.schedules {
            let period = Int(now.timeIntervalSince1970 / schedule.every)
            let job = QueueStore.NewJob(
                tenantID: Self.systemTenant, kind: schedule.kind, idempotencyKey: "schedule:\(schedule.kind.rawValue):\(period)",
                runAfter: Date(timeIntervalSince1970: Double(period) * schedule.every), maxAttempts: 3, priority: -1)
            do {
                if try await store.enqueue(job).created { metrics.recordJobAdded(kind: schedule.kind.rawValue) }
            } catch {
                logger.error(
                    "a recurring job could not be enqueued",
                    metadata: ["kind": "\(schedule.kind.rawValue)", "error": "\(SecretRedactor(secrets: []).clean(String(describing: error)))"])
            }
        }
    }
}
