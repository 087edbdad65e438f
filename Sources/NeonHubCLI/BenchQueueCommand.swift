import ArgumentParser
import Foundation
import HTTPFields
import Logging
import NeonHub
import Postgres

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `neonhub bench …`: benchmarks that need the app's own types (`bench queue`).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks of the app's own machinery.", subcommands: [BenchQueueCommand.self])
}

/// `neonhub bench queue`: the publish queue's throughput against `DATABASE_URL` (migrated
/// first). Enqueues `--jobs` jobs through `QueueStore.enqueue` (one statement per job,
/// `--workers` of them in flight; timed on its own), then starts the real `QueueWorkers`
/// (claims under a lease, an attempt row per claim, the outcome written with the attempt in
/// one transaction) and times until every job is `succeeded`. Prints one JSON line.
///
/// - `noop`: `action` jobs whose handler does nothing and succeeds.
/// - `publish`: `publish` jobs whose handler POSTs to `--fake-url` through `OutboundClient`
///   (AsyncHTTPClient, as connector calls do) and returns the `id` of the answer as the remote id,
///   which `finish` stores with the success in the same transaction. After the run the
///   bookkeeping is checked: one succeeded attempt per job, a distinct remote id on each.
///
/// `--processes P` runs the workers in P child processes (`--workers` each) instead of this
/// one; the time then includes their start-up.
struct BenchQueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Benchmark the job queue: no-op jobs, or publish jobs against a loopback fake.")

    @Option(help: "Jobs to enqueue and run.")
    var jobs: Int = 10_000

    @Option(help: "Worker tasks (per process).")
    var workers: Int = 4

    @Option(help: "noop or publish.")
    var mode: String = "noop"

    @Option(name: .customLong("fake-url"), help: "publish mode: the URL each job POSTs to (answers {\"id\": …}).")
    var fakeURL: String?

    @Option(name: .customLong("claim-batch"), help: "Jobs a worker claims per round trip and runs at once (QueueWorkers.Settings.claimBatch).")
    var claimBatch: Int = 1

    @Option(name: .customLong("finish-writers"), help: "Outcome writes in flight at once per process (QueueWorkers.Settings.finishWriters).")
    var finishWriters: Int?

    @Option(help: "Worker processes; 0 runs the workers in this process.")
    var processes: Int = 0

    @Option(name: .customLong("database-url"), help: "libpq connection string or postgres:// URL (default: $DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "Apply the migrations in this directory first (default: $MIGRATIONS_DIR, else Migrations).")
    var migrationsDirectory: String?

    @Option(help: "Internal: run workers only, for the jobs of this tenant (a child of --processes).")
    var workOnly: String?

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard claimBatch >= 1 else { throw ValidationError("--claim-batch must be at least 1") }
        guard processes >= 0 else { throw ValidationError("--processes must be 0 or more") }
        guard mode == "noop" || mode == "publish" else { throw ValidationError("--mode must be noop or publish") }
        if mode == "publish" {
            guard let fakeURL, URL(string: fakeURL)?.host != nil else {
                throw ValidationError("publish mode needs --fake-url http://127.0.0.1:PORT/…")
            }
        }
        guard resolvedDatabaseURL != nil else { throw ValidationError("DATABASE_URL (or --database-url) is required") }
    }

    private var resolvedDatabaseURL: String? {
        if let databaseURL, !databaseURL.isEmpty { return databaseURL }
        let fromEnvironment = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
        return fromEnvironment.isEmpty ? nil : fromEnvironment
    }

    private var resolvedMigrationsDirectory: String {
        if let migrationsDirectory, !migrationsDirectory.isEmpty { return migrationsDirectory }
        let fromEnvironment = ProcessInfo.processInfo.environment["MIGRATIONS_DIR"] ?? ""
        return fromEnvironment.isEmpty ? "Migrations" : fromEnvironment
    }

    private var kind: JobKind { mode == "publish" ? .publish : .action }

    func run() async throws {
        var logger = Logger(label: "neonhub.bench-queue")
        logger.logLevel = .warning
        let url = resolvedDatabaseURL ?? ""
        let pool = PostgresPool(
            connectionString: url, configuration: PostgresPoolConfiguration(size: workers + 2, acquireTimeout: .seconds(30)),
            logger: logger)
        defer { pool.shutdown() }
        let store = QueueStore(pool: pool)

        if let tenant = workOnly {
            let running = makeWorkers(store: store, connectionString: url, logger: logger)
            running.start()
            try await waitUntilDone(pool: pool, tenant: tenant, timeout: .seconds(600))
            await running.stop(grace: .seconds(5))
            return
        }

        try await Migrator(directory: URL(fileURLWithPath: resolvedMigrationsDirectory, isDirectory: true), logger: logger).migrate(using: pool)
        try await refuseWhenOthersHaveJobs(pool)
        // Earlier rounds' jobs stay, finished, as a live queue's history does; their dead row
        // versions are vacuumed away so that every round starts alike. (Deleting them would
        // leave the planner's statistics saying "empty": the statements that the workers prepare
        // would then plan sequential scans of publish_attempts and keep them as it grows.)
        try await analyze(pool, vacuum: true)

        let tenant = "bench-queue-\(UUID().uuidString.prefix(8).lowercased())"
        let clock = ContinuousClock()
        let enqueueStarted = clock.now
        try await enqueue(store: store, tenant: tenant)
        let enqueueSeconds = (clock.now - enqueueStarted).seconds
        try await analyze(pool, vacuum: false)  // the planner sees the queue the workers will see

        let started = clock.now
        var children: [Process] = []
        var inProcess: QueueWorkers?
        if processes > 0 {
            for _ in 0..<processes { children.append(try spawnChild(tenant: tenant, databaseURL: url)) }
        } else {
            inProcess = makeWorkers(store: store, connectionString: url, logger: logger)
            inProcess?.start()
        }
        if let inProcess { try await waitUntilCompleted(inProcess, timeout: .seconds(600)) }
        try await waitUntilDone(pool: pool, tenant: tenant, timeout: .seconds(600))
        let seconds = (clock.now - started).seconds
        await inProcess?.stop(grace: .seconds(5))
        for child in children { child.waitUntilExit() }

        let check = try await bookkeeping(pool: pool, tenant: tenant)
        var fields: [(String, String)] = [
            ("queue", "\"neonhub\""), ("mode", "\"\(mode)\""), ("jobs", "\(jobs)"), ("workers", "\(workers)"), ("claim_batch", "\(claimBatch)"),
            ("processes", "\(max(processes, 1))"), ("in_process", "\(processes == 0)"),
            ("enqueue_seconds", Self.format(enqueueSeconds)), ("enqueue_jobs_per_s", Self.format(Double(jobs) / enqueueSeconds)),
            ("seconds", Self.format(seconds)), ("jobs_per_s", Self.format(Double(jobs) / seconds)),
        ]
        fields += check.fields
        fields.append(("exactly_once", "\(check.exactlyOnce(jobs: jobs, publish: mode == "publish"))"))
        print("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
    }

    /// The workers of one process, with this mode's handler only.
    private func makeWorkers(store: QueueStore, connectionString: String, logger: Logger) -> QueueWorkers {
        let handler: any JobHandler
        if mode == "publish", let fakeURL, let target = URL(string: fakeURL) {
            handler = FakePublishHandler(url: target, client: Self.client(connections: workers * claimBatch, logger: logger))
        } else {
            handler = NoopJobHandler()
        }
        var settings = QueueWorkers.Settings(count: workers)
        settings.pollInterval = .milliseconds(200)
        settings.claimBatch = claimBatch
        if let finishWriters { settings.finishWriters = finishWriters }
        return QueueWorkers(store: store, handlers: [kind: handler], settings: settings, connectionString: connectionString, logger: logger)
    }

    /// The benchmark's workers claim by kind, as a server's do: beside anyone else's unfinished
    /// jobs of that kind they would take them — marking real `action` jobs succeeded unrun (noop) or sending
    /// real posts to the fake (publish). So it runs only on a database where no other jobs wait.
    private func refuseWhenOthersHaveJobs(_ pool: PostgresPool) async throws {
        let others =
            try await pool.query(
                """
                SELECT (SELECT count(*)::int FROM publish_jobs
                        WHERE kind = \(kind.rawValue) AND status IN ('scheduled', 'queued', 'retrying', 'unknown')
                          AND tenant_id NOT LIKE 'bench-queue-%')
                     + (SELECT count(*)::int FROM publish_jobs
                        WHERE status = 'running' AND kind = \(kind.rawValue) AND tenant_id NOT LIKE 'bench-queue-%') AS n
                """
            ).first?.decode("n", as: Int.self) ?? 0
        guard others == 0 else {
            throw ValidationError(
                "refusing to run: \(others) unfinished \(kind.rawValue) job(s) of other tenants are in this database, and the benchmark's workers would claim them; run it against a database of its own"
            )
        }
    }

    private func analyze(_ pool: PostgresPool, vacuum: Bool) async throws {
        try await pool.withConnection { connection in
            for table in ["publish_jobs", "publish_attempts"] { try connection.executeScript("\(vacuum ? "VACUUM " : "")ANALYZE \(table)") }
        }
    }

    /// Enqueues the jobs, `workers` at a time, one `QueueStore.enqueue` each.
    private func enqueue(store: QueueStore, tenant: String) async throws {
        let lanes = min(workers, jobs)
        let kind = self.kind
        let jobs = self.jobs
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var index = lane
                    while index < jobs {
                        let new = QueueStore.NewJob(
                            tenantID: tenant, kind: kind, connector: "bench", action: "post",
                            payload: .object(["input": .object(["text": .string("post \(index)")])]),
                            idempotencyKey: "\(tenant)-\(index)", maxAttempts: 3)
                        _ = try await store.enqueue(new)
                        index += lanes
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Returns once the in-process workers have brought every job to a final state, read from
    /// their counter every millisecond: the drain is timed without a query beside it. (A probe
    /// of the table every 10 ms, when planned as a sequential scan, took a quarter of a core
    /// from the workers' Postgres; the `PgQueuer` beside it is timed until its managers
    /// return, with no probe.)
    private func waitUntilCompleted(_ workers: QueueWorkers, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while workers.completedJobs < jobs {
            guard ContinuousClock.now < deadline else { throw ValidationError("the jobs did not all finish within \(timeout)") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Returns once no job of `tenant` is unfinished (checked every 10 ms; for the in-process
    /// workers, once, after `waitUntilCompleted`). The probe stops at the first unfinished job:
    /// ready ones through `publish_jobs_tenant_status`, one status at a time in the index's
    /// own order, so that no planner estimate turns it into a sequential scan (the statistics
    /// of a queue just filled say "thousands ready": a `LIMIT 1` scan looked cheap, and read
    /// the whole table once the queue had drained), running ones through
    /// `publish_jobs_leased`, which alone holds them since migration 0017. A job in the
    /// dead-letter queue counts as finished here; the bookkeeping check then fails.
    private func waitUntilDone(pool: PostgresPool, tenant: String, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let open = try await pool.query(
                """
                (SELECT 1 AS open FROM publish_jobs WHERE tenant_id = \(tenant) AND status = 'queued' ORDER BY created_at DESC LIMIT 1)
                UNION ALL (SELECT 1 FROM publish_jobs WHERE tenant_id = \(tenant) AND status = 'retrying' ORDER BY created_at DESC LIMIT 1)
                UNION ALL (SELECT 1 FROM publish_jobs WHERE tenant_id = \(tenant) AND status = 'scheduled' ORDER BY created_at DESC LIMIT 1)
                UNION ALL (SELECT 1 FROM publish_jobs WHERE tenant_id = \(tenant) AND status = 'unknown' ORDER BY created_at DESC LIMIT 1)
                UNION ALL (SELECT 1 FROM publish_jobs WHERE tenant_id = \(tenant) AND status = 'running' LIMIT 1)
                LIMIT 1
                """)
            if open.isEmpty { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ValidationError("the jobs did not all succeed within \(timeout)")
    }

    private func spawnChild(tenant: String, databaseURL: String) throws -> Process {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var arguments = [
            "bench", "queue", "--work-only", tenant, "--workers", "\(workers)", "--claim-batch", "\(claimBatch)", "--mode", mode,
        ]
        // In the environment, not the arguments: `ps` shows arguments, password included.
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = databaseURL
        child.environment = environment
        if let fakeURL { arguments += ["--fake-url", fakeURL] }
        if let finishWriters { arguments += ["--finish-writers", "\(finishWriters)"] }
        child.arguments = arguments
        try child.run()
        return child
    }

    /// What the run left in the tables.
    private struct Bookkeeping {
        var succeeded = 0, attempts = 0, succeededAttempts = 0, retried = 0, remoteIDs = 0, distinctRemoteIDs = 0

        var fields: [(String, String)] {
            [
                ("succeeded", "\(succeeded)"), ("attempt_rows", "\(attempts)"), ("succeeded_attempts", "\(succeededAttempts)"),
                ("jobs_with_more_than_one_attempt", "\(retried)"), ("remote_ids", "\(remoteIDs)"), ("distinct_remote_ids", "\(distinctRemoteIDs)"),
            ]
        }

        func exactlyOnce(jobs: Int, publish: Bool) -> Bool {
            succeeded == jobs && attempts == jobs && succeededAttempts == jobs && retried == 0
                && (!publish || (remoteIDs == jobs && distinctRemoteIDs == jobs))
        }
    }

    private func bookkeeping(pool: PostgresPool, tenant: String) async throws -> Bookkeeping {
        let rows = try await pool.query(
            """
            SELECT (SELECT count(*)::int FROM publish_jobs WHERE tenant_id = \(tenant) AND status = 'succeeded') AS succeeded,
                   (SELECT count(*)::int FROM publish_attempts WHERE tenant_id = \(tenant)) AS attempts,
                   (SELECT count(*)::int FROM publish_attempts WHERE tenant_id = \(tenant) AND outcome = 'succeeded') AS succeeded_attempts,
                   (SELECT count(*)::int FROM publish_jobs WHERE tenant_id = \(tenant) AND attempts <> 1) AS retried,
                   (SELECT count(remote_id)::int FROM publish_jobs WHERE tenant_id = \(tenant)) AS remote_ids,
                   (SELECT count(DISTINCT remote_id)::int FROM publish_jobs WHERE tenant_id = \(tenant)) AS distinct_remote_ids
            """)
        guard let row = rows.first else { return Bookkeeping() }
        return Bookkeeping(
            succeeded: try row.decode("succeeded", as: Int.self), attempts: try row.decode("attempts", as: Int.self),
            succeededAttempts: try row.decode("succeeded_attempts", as: Int.self), retried: try row.decode("retried", as: Int.self),
            remoteIDs: try row.decode("remote_ids", as: Int.self), distinctRemoteIDs: try row.decode("distinct_remote_ids", as: Int.self))
    }

    /// The outbound client publish jobs use: the transport every connector call uses
    /// (AsyncHTTPClient's shared pool, 64 connections per host, more than `connections`).
    private static func client(connections: Int, logger: Logger) -> OutboundClient {
        OutboundClient(configuration: OutboundConfiguration(), transport: AsyncHTTPClientTransport(), logger: logger)
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}

/// Succeeds at once: what the queue itself costs per job.
private struct NoopJobHandler: JobHandler {
    func run(_ job: QueueJob) async -> JobOutcome { .succeeded(result: nil, remoteID: nil, remoteURL: nil) }
}

/// POSTs the job's input to the fake with its idempotency key and returns the answer's `id`
/// as the remote id.
private struct FakePublishHandler: JobHandler {
    let url: URL
    let client: OutboundClient

    func run(_ job: QueueJob) async -> JobOutcome {
        var request = OutboundRequest(
            method: "POST", url: url, urlTemplate: url.path, labels: OutboundLabels(connector: "bench", action: "post"),
            body: (job.payload["input"] ?? .object([:])).encoded(), retry: .never)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: job.idempotencyKey)
        do {
            let response = try await client.send(request)
            guard response.status == 200, case .string(let id)? = try JSONValue.parse(Array(response.body))["id"], !id.isEmpty else {
                return .retry(
                    JobFailure(
                        code: "providerUnavailable", message: "The fake answered \(response.status) without an id", httpStatus: response.status))
            }
            return .succeeded(result: .object(["id": .string(id)]), remoteID: id, remoteURL: nil)
        } catch {
            return .unknown(JobFailure(code: "providerTimeout", message: "The fake did not answer: \(error)"))
        }
    }

    func reconcile(_ job: QueueJob) async -> ReconcileResult { .unsupported }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
