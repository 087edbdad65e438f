import Foundation
public import Logging
import Postgres
import Synchronization

/// The queue's workers in this process: `count` tasks that claim ready jobs (woken by
/// `LISTEN neonhub_jobs`, polling every `pollInterval` as the fallback), run them through
/// the handler of their kind while a heartbeat keeps the lease, and write the next state.
/// Any number of processes may run workers on one database.
///
/// `stop(grace:)` stops claiming at once; jobs already running get `grace` to finish, and
/// one still running after that keeps its lease until it expires, when another worker
/// reclaims it (and, for a publish, reconciles it first).
public final class QueueWorkers: Sendable {
    /// How workers claim and retry.
    public struct Settings: Sendable {
        /// Worker tasks in this process.
        public var count: Int
        /// How long a claim is held without a heartbeat.
        public var lease: Duration = .seconds(30)
        /// The polling fallback when no notification arrives.
        public var pollInterval: Duration = .seconds(2)
        /// How often the queue gauges are read.
        public var gaugeInterval: Duration = .seconds(5)
        /// The retry policy's longest ordinary `Retry-After`.
        public var retryAfterCap: Duration = .seconds(60)
        /// The first backoff.
        public var backoffBase: Duration = .seconds(2)
        /// Jobs one worker claims in one round trip and runs at once (each under its own
        /// lease, one heartbeat for the batch); it claims again when all of them have run,
        /// while their outcomes are written. So up to `count × claimBatch` jobs run at once in
        /// this process. 1 (the default): one job at a time per worker.
        public var claimBatch: Int = 1
        /// Writes of finished jobs' outcomes in flight at once in this process (each carries
        /// every outcome that arrived while the others were being written).
        public var finishWriters: Int = 2

        /// Settings for `count` workers.
        public init(count: Int) { self.count = count }
    }

    let store: QueueStore
    let handlers: [JobKind: any JobHandler]
    let settings: Settings
    let policy: QueueRetryPolicy
    let metrics: NeonHubMetrics
    let logger: Logger
    let connectionString: String
    let processID: String
    private let doorbell = Doorbell()
    /// Writes the outcomes that do not go with a worker's next claim.
    let finisher: FinishBatcher
    private let keeper: LeaseKeeper
    private let gauges = QueueGaugeMemory()
    private let stopping = Atomic<Bool>(false)
    private let tasks = Mutex<[Task<Void, Never>]>([])
    /// The keeper's task, stopped after the workers' tasks have ended (or had their 2 s).
    private let keeping = Mutex<Task<Void, Never>?>(nil)
    private let inFlight = Atomic<Int>(0)
    /// Jobs brought to a final state here (`completedJobs`).
    let completed = Atomic<Int>(0)
    /// Whether the last claim (of any worker here) and the last gauge reading failed: a
    /// failure is logged as a warning when it starts and once more when it ends, not at every
    /// poll of every worker.
    private let claimsFailing = Atomic<Bool>(false)
    private let gaugesFailing = Atomic<Bool>(false)

    init(
        store: QueueStore, handlers: [JobKind: any JobHandler], settings: Settings, connectionString: String,
        metrics: NeonHubMetrics, logger: Logger
    ) {
        self.store = store
        self.handlers = handlers
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.connectionString = connectionString
        policy = QueueRetryPolicy(base: settings.backoffBase, retryAfterCap: settings.retryAfterCap)
        finisher = FinishBatcher(store: store, maxWriters: settings.finishWriters)
        keeper = LeaseKeeper(store: store, lease: settings.lease, logger: logger)
        processID = "\(ProcessInfo.processInfo.hostName.prefix(40)):\(getpid()):\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Workers over `store` running only `handlers`, outside a `NeonHubServer` (`neonhub bench
    /// queue` uses it): the same loop, claims, leases and bookkeeping as the server's workers,
    /// with metrics of their own. `connectionString` is the database `LISTEN` connects to (the
    /// pool's). Nothing runs until `start()`.
    public convenience init(store: QueueStore, handlers: [JobKind: any JobHandler], settings: Settings, connectionString: String, logger: Logger) {
        self.init(store: store, handlers: handlers, settings: settings, connectionString: connectionString, metrics: NeonHubMetrics(), logger: logger)
    }

    /// Jobs being run right now in this process, and claims in flight that may return some.
    public var running: Int { inFlight.load(ordering: .relaxed) }

    /// Jobs this process's workers brought to a final state (succeeded, dead-lettered,
    /// cancelled) since they started, each counted once its outcome is committed: what
    /// `neonhub_queue_jobs_completed_total` counts, read without rendering the metrics.
    /// `neonhub bench queue` waits on it instead of polling the table during the drain.
    public var completedJobs: Int { completed.load(ordering: .acquiring) }

    /// Starts the listener, the workers, the keeper of their leases and the gauge reader.
    public func start() {
        startListener()
        tasks.withLock { tasks in
            guard tasks.isEmpty else { return }
            keeping.withLock { $0 = Task(executorPreference: LeaseKeeper.executor) { [keeper] in await keeper.run() } }
            for index in 0..<settings.count {
                tasks.append(Task { [self] in await workLoop(worker: "\(processID)#\(index)") })
            }
            tasks.append(
                Task { [self] in
                    while !stopping.load(ordering: .relaxed) {
                        await readGauges()
                        try? await Task.sleep(for: settings.gaugeInterval)
                    }
                })
        }
    }

    /// Stops claiming; waits up to `grace` for running jobs to finish.
    public func stop(grace: Duration) async {
        stopping.store(true, ordering: .sequentiallyConsistent)
        doorbell.ring()
        let deadline = ContinuousClock.now + grace
        while inFlight.load(ordering: .sequentiallyConsistent) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let left = inFlight.load(ordering: .relaxed)
        if left > 0 {
            logger.warning(
                "queue workers stopped with jobs still running; their leases will expire and others will reclaim them",
                metadata: ["running": "\(left)"])
        }
        let cancelled = tasks.withLock { tasks in
            defer { tasks.removeAll() }
            return tasks
        }
        for task in cancelled { task.cancel() }
        // The outcomes that came back before the cancel (a success, a deferral) are being
        // written: wait for them a little, so the database is not closed under their writes.
        _ = await Deadline.run(.seconds(2)) { for task in cancelled { await task.value } }
        // Until then the leases of those outcomes were kept; a job that ignored its
        // cancellation keeps its lease until it expires, and is then reclaimed.
        let keeper = keeping.withLock { task in
            defer { task = nil }
            return task
        }
        guard let keeper else { return }
        keeper.cancel()
        // Its heartbeats in flight are cancelled with it, but a query already sent runs to its
        // end: one that hangs on the database is not waited for more than 2 s.
        _ = await Deadline.run(.seconds(2)) { await keeper.value }
    }

    /// Reads the queue gauges once (a failure keeps the last values and is logged).
    public func readGauges() async {
        do {
            let reading = try await store.depth()
            metrics.setQueue(depth: reading.depth, oldestReadyAge: reading.oldest, known: gauges)
            if gaugesFailing.exchange(false, ordering: .relaxed) { logger.info("the queue gauges are read again") }
        } catch {
            if !gaugesFailing.exchange(true, ordering: .relaxed) {
                logger.warning("the queue gauges cannot be read; they keep their last values", metadata: ["error": "\(Self.safe(error))"])
            }
        }
    }

    /// An error's description for a log line, without anything shaped like a secret.
    static func safe(_ error: any Error) -> String {
        SecretRedactor(secrets: []).clean(String(describing: error))
    }

    // MARK: - Loop

    private func workLoop(worker: String) async {
        let kinds = Array(handlers.keys)
        // The previous batch's outcomes, still being written while this worker claims and runs
        // the next batch: at most one batch behind. Those that are ready when the worker
        // claims again go with its claim, in one transaction (`carrier`).
        var writing: Task<Void, Never>?
        var carrier: OutcomeCarrier?
        while true {
            // Counted before the claim: a claim in flight may come back with a job already
            // `running` in the table, and `stop` must wait for it rather than cancel it.
            inFlight.add(1, ordering: .sequentiallyConsistent)
            guard !stopping.load(ordering: .sequentiallyConsistent) else {
                inFlight.subtract(1, ordering: .sequentiallyConsistent)
                carrier?.handOver()
                await Self.settle(writing)
                return
            }
            let seen = doorbell.generation
            let claims: [QueueStore.Claim]
            let claimedAt = ContinuousClock.now
            let carried = carrier?.take() ?? []
            carrier = nil
            var (written, claimed) = await store.finishAndClaim(
                carried.map(\.end), worker: worker, kinds: kinds, limit: max(1, settings.claimBatch), lease: settings.lease)
            if let written {
                for (outcome, result) in zip(carried, written) { outcome.resume(with: result) }
            } else {
                // The transaction failed: the outcomes go to the writer, whose task a stop
                // does not cancel (a cancelled worker gets no pooled connection), and which
                // writes each on its own if their batch fails. The claim failed with them: it
                // is tried again alone, as one bad outcome says nothing about claiming.
                for outcome in carried { outcome.write(through: finisher) }
                claimed = await store.finishAndClaim(
                    [], worker: worker, kinds: kinds, limit: max(1, settings.claimBatch), lease: settings.lease
                ).claims
            }
            do {
                claims = try claimed.get()
            } catch {
                inFlight.subtract(1, ordering: .sequentiallyConsistent)
                if !claimsFailing.exchange(true, ordering: .relaxed) {
                    logger.warning("the queue's workers cannot claim jobs; they keep trying", metadata: ["error": "\(Self.safe(error))"])
                }
                await doorbell.wait(since: seen, upTo: settings.pollInterval)
                continue
            }
            if claimsFailing.exchange(false, ordering: .relaxed) { logger.info("the queue's workers claim jobs again") }
            guard !claims.isEmpty else {
                inFlight.subtract(1, ordering: .sequentiallyConsistent)
                await doorbell.wait(since: seen, upTo: settings.pollInterval)
                continue
            }
            inFlight.add(claims.count - 1, ordering: .sequentiallyConsistent)
            let (batch, outcomes) = await runBatch(claims, worker: worker, claimedAt: claimedAt)
            await Self.settle(writing)
            writing = batch
            carrier = outcomes
        }
    }

    /// Waits for a batch's task; cancelling the wait cancels the batch.
    private static func settle(_ batch: Task<Void, Never>?) async {
        guard let batch else { return }
        await withTaskCancellationHandler {
            await batch.value
        } onCancel: {
            batch.cancel()
        }
    }

    /// Runs a claim's jobs at once and returns when every one of them has run, with the task
    /// that finishes writing their outcomes and then releases them from `inFlight`, and the
    /// outcomes held for the worker's next claim (`OutcomeCarrier`: those of a batch that ran
    /// at once, or of its last job; any other is written as soon as its own job has run, not
    /// after its batch). The process's `LeaseKeeper` keeps the leases of the whole batch until
    /// then (one heartbeat statement every third of a lease, whatever the batch's size; the jobs
    /// already written are left alone), and stops a job whose lease is gone (another worker
    /// reclaimed it after this one stalled, or no heartbeat got through for a whole lease): it
    /// no longer belongs to this worker.
    ///
    /// So a worker claims its next batch while the last one's outcomes that did not go with
    /// the claim are being written: with quick jobs a write takes longer than the batch itself,
    /// and a worker that waited for it before claiming again spent most of its cycle waiting
    /// (docs/PERFORMANCE.md).
    private func runBatch(
        _ claims: [QueueStore.Claim], worker: String, claimedAt: ContinuousClock.Instant
    ) async -> (written: Task<Void, Never>, outcomes: OutcomeCarrier) {
        let leases = BatchLeases(claims.map(\.job.id), claimedAt: claimedAt)
        keeper.watch(leases, worker: worker)
        let ran = BatchCountdown(claims.count)
        let written = BatchCountdown(claims.count)
        let outcomes = OutcomeCarrier(finisher: finisher, ran: ran)
        // One task per job (its own, so that a lost lease stops that job alone). Each starts
        // right here, on this thread, and runs until it first waits (a quick job: until its
        // outcome is being written), so a batch of quick jobs costs no scheduling and no
        // wake-up of another thread per job. Two countdowns wake this task and the batch's
        // once each, when the last job has run and when the last outcome is written.
        let jobs = claims.map { claim in
            let id = claim.job.id
            let job = Task.immediate { [self] in
                await process(
                    claim, worker: worker, outcomes: outcomes,
                    ran: {
                        leases.ran(id)
                        ran.tick()
                    })
                leases.finished(id)
                written.tick()
            }
            leases.started(id, task: job)
            return job
        }
        outcomes.started()
        let batch = Task { [self] in
            await withTaskCancellationHandler {
                await written.wait()
            } onCancel: {
                for job in jobs { job.cancel() }
            }
            ran.finishAll()
            keeper.release(leases)
            inFlight.subtract(claims.count, ordering: .sequentiallyConsistent)
        }
        await withTaskCancellationHandler {
            await ran.wait()
        } onCancel: {
            batch.cancel()
        }
        return (batch, outcomes)
    }

    // MARK: - LISTEN

    private func startListener() {
        let thread = Thread { [self] in
            while !stopping.load(ordering: .relaxed) {
                do {
                    let connection = try PostgresConnection(connectionString: connectionString)
                    defer { connection.close() }
                    try connection.listen("neonhub_jobs")
                    doorbell.ring()  // anything queued while we were not listening
                    while !stopping.load(ordering: .relaxed) {
                        if !(try connection.waitForNotifications(timeout: .milliseconds(500))).isEmpty { doorbell.ring() }
                    }
                } catch {
                    logger.debug("queue listener reconnecting: \(error)")
                    Thread.sleep(forTimeInterval: 1)
                }
            }
        }
        thread.name = "neonhub-queue-listen"
        thread.start()
    }
}
