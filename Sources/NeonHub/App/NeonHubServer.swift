import Foundation
import HTTPCore
public import Logging
import Postgres
import Synchronization

/// The whole NeonHub process minus its command line: configuration, observability, the
/// database, the services and their procedures, and the HTTP server.
///
/// `init` and `start()` block (the embedded cluster, migrations, crash recovery): call them
/// from a thread of your own, or use `launch(...)`, which does so.
public final class NeonHubServer: Sendable {
    /// The configuration in force.
    public let config: AppConfig
    /// Metrics behind `/metrics`.
    public let metrics: NeonHubMetrics
    /// State behind `/health`.
    public let health: HealthMonitor
    /// Every tRPC procedure.
    public let registry: ProcedureRegistry
    /// The database (nil only when `config.useDatabase` is off).
    public let database: Database?
    /// Runs agents.
    public let orchestrator: Orchestrator
    /// Live run events.
    public let runEvents: RunEventBus
    /// The connector definitions of `configs/connectors`, validated.
    public let connectorCatalog: ConnectorCatalog
    /// Refreshes tokens ahead of expiry and keeps the connections gauge current.
    let tokenScheduler: TokenRefreshScheduler
    /// The OAuth authorization flow behind `connectors.authorizeUrl` and `/oauth/*`.
    public let oauth: OAuthFlow
    /// Receives `/webhooks/*` deliveries and queues them as `webhook_event` jobs.
    public let webhooks: WebhookService
    /// Processes one stored webhook event; the queue's workers call
    /// `process(eventRowID: job.webhookEventID)` for each `webhook_event` job (`WebhookEventJobHandler`).
    public let webhookProcessor: WebhookEventProcessor
    /// The publish queue: its store, the publish service, the workers of this process.
    public let queue: QueueParts
    /// Polls the subscribed polling triggers (the recurring `trigger_poll` job runs its passes).
    let triggerPoller: TriggerPoller
    private let queueStopping = Mutex<Task<Void, Never>?>(nil)
    private let recurringLoop = Mutex<Task<Void, Never>?>(nil)
    private let boundPort: BoundPort
    private let lease: RunnerLease?
    private let logger: Logger
    private let http: HTTPServer
    private let stopping = Atomic<Bool>(false)
    /// Whether the start-time migrations are applied: until then `/health` says `migrations:
    /// pending` and the queue's workers wait (its tables may not exist yet).
    private let migrated = Atomic<Bool>(false)
    private let queueStarted = Atomic<Bool>(false)

    /// What a program embedding the server adds to the services it builds from the
    /// configuration (tests add agents; the connector registry will plug in here).
    public struct Additions: Sendable {
        /// Agents added to the built-in catalog.
        public var agents: [any Agent]
        /// The connector registry agents act through (`connector.action`); nil until the
        /// connector service exists.
        public var connectorActions: (any ConnectorActions)?

        /// Queue handlers that replace or add to the built-in ones (tests use fakes of slow work).
        public var jobHandlers: [JobKind: any JobHandler]

        /// Nothing added.
        public init(agents: [any Agent] = [], connectorActions: (any ConnectorActions)? = nil, jobHandlers: [JobKind: any JobHandler] = [:]) {
            self.agents = agents
            self.connectorActions = connectorActions
            self.jobHandlers = jobHandlers
        }
    }

    /// Assembles the server and opens the database (starting the embedded cluster when
    /// `DATABASE_URL` is unset); nothing listens until `start()`. Blocking. When assembling
    /// fails after the database was opened, it is closed again (an embedded cluster stopped).
    public init(config: AppConfig, additions: Additions = Additions(), logger: Logger) throws {
        self.config = config
        self.logger = logger
        // An invalid connector definition stops start-up before anything else starts.
        connectorCatalog = try ConnectorCatalog.load(directory: URL(fileURLWithPath: config.connectorsDirectory, isDirectory: true))
        metrics = NeonHubMetrics()
        health = HealthMonitor(version: NeonHubVersion.current)
        let opened =
            config.useDatabase
            ? try Database(databaseURL: config.databaseURL, poolSize: config.dbPoolSize, metrics: metrics, health: health, logger: logger)
            : nil
        database = opened
        var assembled = false
        defer { if !assembled { opened?.close() } }
        // Without a database, procedures that need one answer SERVICE_UNAVAILABLE at once.
        let pool =
            database?.pool
            ?? PostgresPool(
                connectionString: "host=/nonexistent-neonhub-database dbname=none",
                configuration: PostgresPoolConfiguration(size: 1, acquireTimeout: .milliseconds(200), connectTimeout: .seconds(1)),
                logger: logger)
        metrics.setLLMDailyCostBudget(usd: config.agentDailyCostBudgetUSD)
        metrics.addCollector { [health, database] in
            NeonHubMetrics.renderHealthAndPool(checks: health.snapshot(), pool: database?.pool.statistics)
        }
        lease = database.map { RunnerLease(connectionString: $0.connectionString, logger: logger) }
        runEvents = RunEventBus()
        let llm = Self.makeLLM(config, logger: logger)
        let costs = try Self.loadPrices(config.llmPricesFile, required: config.llmProvider == "openai", logger: logger)
        let breaker = (config.agentBreakerThreshold, config.agentBreakerCoolDown)
        let boundPort = BoundPort()
        self.boundPort = boundPort
        let publicURL = config.publicURL
        let connectors = try ConnectorAssembly.parts(
            config: config, catalog: connectorCatalog, pool: pool, metrics: metrics, logger: logger,
            publicURL: { publicURL ?? "http://localhost:\(boundPort.value)" })
        let connectorService = connectors.service
        tokenScheduler = connectors.scheduler
        oauth = connectors.oauth
        // `webhook_event` jobs run through the webhook processor, bound once the orchestrator exists.
        let webhookJobs = WebhookEventJobHandler()
        let pollJobs = TriggerPollJobHandler(connectionString: database?.connectionString ?? "")
        let jobHandlers = additions.jobHandlers.merging([.webhookEvent: webhookJobs, .triggerPoll: pollJobs]) { added, _ in added }
        let queueParts = QueueAssembly.parts(
            config: config, catalog: connectorCatalog, pool: pool, connectionString: database?.connectionString ?? "",
            service: connectorService, scheduler: connectors.scheduler, extraHandlers: jobHandlers,
            metrics: metrics, logger: logger)
        queue = QueueParts(store: queueParts.store, publish: queueParts.publish, workers: queueParts.workers, recurring: queueParts.recurring)
        orchestrator = Orchestrator(
            agents: AgentCatalog.agents(connectorActions: additions.connectorActions ?? connectorService, posts: queueParts.publish)
                + additions.agents, store: AgentRunStore(pool: pool), llm: llm,
            costOf: { usage, model in costs?.cost(usage: usage, model: model, at: Date()) },
            events: runEvents, metrics: metrics,
            budget: .init(dailyTokens: config.agentDailyTokenBudget, dailyCostUSD: config.agentDailyCostBudgetUSD),
            runnerID: lease?.runnerID ?? 0,
            breaker: { CircuitBreaker(failureThreshold: breaker.0, coolDown: breaker.1) }, quietRunRowDelay: config.quietRunRowDelay,
            logger: logger)

        // An invalid trigger file stops start-up, like an invalid connector definition.
        let agentIntents = Dictionary(orchestrator.catalog.map { ($0.agent.name, $0.agent.intents) }, uniquingKeysWith: { $1 })
        let triggers = try Self.loadTriggers(config.triggersFile, agents: agentIntents, catalog: connectorCatalog, logger: logger)
        webhooks = WebhookService(
            secrets: config.webhookSecrets, metaVerifyToken: config.metaWebhookVerifyToken,
            publicURL: { publicURL ?? "http://localhost:\(boundPort.value)" }, pool: pool, metrics: metrics, logger: logger,
            accountSecrets: { connector, account in connector == .twilio ? await connectorService.twilioAuthTokens(accountSid: account) : [] })
        webhookProcessor = WebhookEventProcessor(pool: pool, triggers: triggers, orchestrator: orchestrator, logger: logger)
        webhookJobs.bind(webhookProcessor)
        triggerPoller = TriggerPoller(pool: pool, service: connectorService, triggers: triggers, metrics: metrics, logger: logger)
        pollJobs.bind(triggerPoller)

        let registry = ProcedureRegistry()
        self.registry = registry
        SystemProcedures.register(in: registry)
        AgentProcedures.register(in: registry, orchestrator: orchestrator, events: runEvents)
        ContentProcedures.register(in: registry, orchestrator: orchestrator, drafts: DraftStore(pool: pool))
        ConnectorProcedures.register(in: registry, catalog: connectorCatalog)
        ConnectionProcedures.register(in: registry, service: connectorService, orchestrator: orchestrator)
        OAuthProcedures.register(in: registry, flow: connectors.oauth)
        PublishProcedures.register(in: registry, publish: queueParts.publish, store: queueParts.store)
        DashboardProcedures.register(in: registry, store: DashboardStore(pool: pool))
        let trpc = TRPCHandler(
            registry: registry, verifier: TokenVerifier(jwtSecret: config.jwtSecret, nextAuthSecret: config.nextAuthSecret),
            sessionCookies: SessionCookiePolicy(enabled: !(config.nextAuthSecret ?? "").isEmpty, origins: config.corsOrigins),
            limiter: RateLimiter(perMinute: config.rateLimitPerMinute), metrics: metrics)
        let router = Routes.mount(
            config: config, health: health, metrics: metrics, registry: registry, trpc: trpc, oauth: connectors.oauth,
            webhooks: webhooks, logger: logger)
        http = HTTPServer(configuration: Self.httpConfiguration(config), handler: router)
        assembled = true
    }

    static func makeLLM(_ config: AppConfig, logger: Logger) -> any LLMProvider {
        if config.llmProvider == "openai", let key = config.openAIAPIKey {
            // A completion is text: 4 MiB is far past any model's output, and a runaway endpoint
            // is cut off there. OUTBOUND_CA_FILE covers the model's endpoint too (a gateway
            // behind a private CA).
            let transport = AsyncHTTPClientTransport(maxResponseBytes: 4 << 20, additionalTrustRootsFile: config.outboundCAFile)
            return OpenAIProvider(baseURL: config.openAIBaseURL, apiKey: key, transport: transport, logger: logger)
        }
        return TemplateProvider()
    }

    /// The webhook triggers of `TRIGGERS_FILE`, or of `configs/triggers.json` when it is unset
    /// and that file exists (a server started elsewhere runs without triggers, and says so).
    static func loadTriggers(_ path: String?, agents: [String: [String]], catalog: ConnectorCatalog, logger: Logger) throws -> TriggerCatalog {
        let defaultPath = "configs/triggers.json"
        guard path != nil || FileManager.default.fileExists(atPath: defaultPath) else {
            logger.warning(
                "no webhook triggers: \(defaultPath) does not exist here and TRIGGERS_FILE is not set; webhook events will be stored and marked ignored"
            )
            return TriggerCatalog([])
        }
        return try TriggerCatalog.load(path: path ?? defaultPath, agents: agents, polling: TriggerCatalog.pollingTriggers(catalog))
    }

    /// The price table at `path`; without it every cost is unknown. `required` (a paid model):
    /// a table that cannot be read stops start-up, since every cost would count as nothing
    /// and `AGENT_DAILY_COST_BUDGET_USD` would never stop a run.
    static func loadPrices(_ path: String, required: Bool, logger: Logger) throws(AppConfig.Problems) -> CostCalculator? {
        do {
            return CostCalculator(table: try PriceTable(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            if required {
                throw AppConfig.Problems(lines: [
                    "LLM_PRICES_FILE: the LLM price table \(path) cannot be read (\(error)); LLM_PROVIDER=openai needs it to count costs and enforce the daily cost budget"
                ])
            }
            logger.warning("no LLM price table; costs will be recorded as unknown", metadata: ["path": "\(path)", "error": "\(error)"])
            return nil
        }
    }

    static func httpConfiguration(_ config: AppConfig) -> HTTPServerConfiguration {
        HTTPServerConfiguration(
            host: config.host, port: config.port,
            limits: HTTPParserLimits(maxBodyBytes: config.maxBodyBytes),
            headerTimeout: config.headerTimeout, idleTimeout: config.idleTimeout,
            shutdownGrace: config.shutdownGrace, maxConnections: config.maxConnections,
            errorResponse: ErrorEnvelope.protocolError)
    }

    /// Creates and starts a server on a thread of its own (the blocking parts never run on
    /// the Swift concurrency pool). `beforeStart` may add procedures.
    public static func launch(
        config: AppConfig, additions: Additions = Additions(), logger: Logger,
        beforeStart: @escaping @Sendable (NeonHubServer) -> Void = { _ in }
    ) async throws -> NeonHubServer {
        try await runOnOwnThread {
            let server = try NeonHubServer(config: config, additions: additions, logger: logger)
            beforeStart(server)
            try server.start()
            return server
        }
    }

    /// Graceful shutdown, then waits until stopped (on a thread of its own).
    public func stop() async {
        shutdown()
        _ = try? await runOnOwnThread { self.waitUntilStopped() }
    }

    /// The bound port (after `start()`).
    public var port: Int { http.port }

    /// Applies pending migrations, fails runs abandoned by dead servers, then starts
    /// listening. A changed, already-applied migration stops start-up; an unreachable
    /// database does not (migrations are retried in the background while `/health` says so).
    /// Blocking.
    public func start() throws {
        DescriptorLimit.prepare(maxConnections: config.maxConnections, poolSize: config.dbPoolSize, workers: config.workers, logger: logger)
        do {
            if let database {
                lease?.start()
                try migrateAtStart(database)
            }
            try http.start()
        } catch {
            // Nothing listens: stop what was started (an embedded cluster would outlive us).
            stopping.store(true, ordering: .relaxed)
            lease?.stop()
            database?.close()
            throw error
        }
        boundPort.value = http.port
        if database != nil, config.workers > 0, migrated.load(ordering: .sequentiallyConsistent) { startQueue() }
        logger.info(
            "listening",
            metadata: [
                "host": "\(config.host)", "port": "\(http.port)", "version": "\(NeonHubVersion.current)",
                "workers": "\(database == nil ? 0 : config.workers)",
            ])
    }

    /// `neonhub worker`: migrations and crash recovery as at start, then the queue workers
    /// only (no HTTP listener). Blocking; `shutdown()` stops it.
    public func startWorkerOnly() throws {
        guard let database else { throw QueueError(.invalidState, "The worker needs a database") }
        do {
            lease?.start()
            try migrateAtStart(database)
        } catch {
            stopping.store(true, ordering: .relaxed)
            lease?.stop()
            database.close()
            throw error
        }
        if migrated.load(ordering: .sequentiallyConsistent) { startQueue() }
        logger.info("queue worker started", metadata: ["workers": "\(config.workers)", "version": "\(NeonHubVersion.current)"])
    }

    /// Starts this process's workers and the loop that enqueues the recurring jobs.
    private func startQueue() {
        // Once: start-up and the background migration retry may both get here.
        guard !stopping.load(ordering: .sequentiallyConsistent), !queueStarted.exchange(true, ordering: .sequentiallyConsistent) else { return }
        queue.workers.start()
        recurringLoop.withLock { loop in
            guard loop == nil, config.queueSchedules, !stopping.load(ordering: .sequentiallyConsistent) else { return }
            loop = Task { [queue] in
                while !Task.isCancelled {
                    await queue.recurring.enqueueDue()
                    try? await Task.sleep(for: .seconds(30))
                }
            }
        }
    }

    /// Begins a graceful shutdown: stop accepting, finish in-flight requests, close idle ones.
    public func shutdown() {
        stopping.store(true, ordering: .relaxed)
        recurringLoop.withLock {
            $0?.cancel(); $0 = nil
        }
        let grace = config.shutdownGrace
        queueStopping.withLock { task in
            if task == nil { task = Task { [queue] in await queue.workers.stop(grace: grace) } }
        }
        logger.info("shutting down", metadata: ["graceSeconds": "\(config.shutdownGrace.components.seconds)"])
        http.shutdown()
    }

    /// Blocks until the HTTP server has stopped, then closes the database.
    public func waitUntilStopped() {
        http.waitUntilStopped()
        if let stopping = queueStopping.withLock({ $0 }) { _ = try? waitForAsync(trace: nil) { await stopping.value } }
        lease?.stop()
        database?.close()
    }

    /// Blocks until `shutdown()` was called and the workers stopped (their grace included),
    /// then closes the database: the end of `neonhub worker`.
    public func waitUntilWorkerStopped() {
        while !stopping.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.1) }
        if let stopping = queueStopping.withLock({ $0 }) { _ = try? waitForAsync(trace: nil) { await stopping.value } }
        lease?.stop()
        database?.close()
    }

    /// The queue's parts, for procedures, commands and tests.
    public struct QueueParts: Sendable {
        /// SQL of jobs and attempts.
        public let store: QueueStore
        /// Schedules connector work.
        public let publish: PublishService
        /// This process's workers.
        public let workers: QueueWorkers
        let recurring: RecurringJobs
    }

    /// Applies the migrations; when the database cannot be reached, retries them every 2 s in
    /// the background while `/health` says `migrations: pending`, and starts the queue's
    /// workers (if this process runs any) once they are applied.
    private func migrateAtStart(_ database: Database) throws {
        let migrator = Migrator(directory: Database.migrationsDirectory(config), logger: logger)
        do {
            try prepare(database, migrator: migrator)
            migrated.store(true, ordering: .sequentiallyConsistent)
        } catch let error as PostgresError where error.kind == .unavailable || error.kind == .connectionLost {
            logger.warning("database unreachable at start; migrations will be retried", metadata: ["error": "\(error)"])
            health.set("migrations", "pending")
            // Until they are applied, queries would meet missing tables (a 500): callers hear 503.
            database.pool.refuseBorrows("the database's migrations are pending (it was unreachable at start); try again shortly")
            let thread = Thread { [self] in
                var lastProblem = ""
                while !stopping.load(ordering: .relaxed) {
                    Thread.sleep(forTimeInterval: 2)
                    do {
                        try prepare(database, migrator: migrator)
                        database.pool.admitBorrows()  // before the workers can start
                        migrated.store(true, ordering: .sequentiallyConsistent)
                        health.clear("migrations")
                        logger.info("migrations applied after the database came back")
                        if config.workers > 0, !stopping.load(ordering: .relaxed) { startQueue() }
                        return
                    } catch let error as PostgresError where error.kind == .unavailable || error.kind == .connectionLost {
                        logger.debug("migration retry failed: \(error)")
                    } catch {
                        // Reachable, and still failing: a changed migration, a permission. Said
                        // once per distinct problem; retried in case it is fixed in place.
                        let problem = "\(error)"
                        if problem != lastProblem {
                            logger.error("migrations fail on a reachable database", metadata: ["error": "\(problem)"])
                            database.pool.refuseBorrows("the database's migrations fail (see the server's log); retrying")
                        }
                        lastProblem = problem
                    }
                }
            }
            thread.start()
        }
    }

    /// Migrations, then crash recovery of runs. Blocking (its own connection).
    private func prepare(_ database: Database, migrator: Migrator) throws {
        let connection = try PostgresConnection(connectionString: database.connectionString)
        defer { connection.close() }
        let applied = try migrator.migrate(on: connection)
        logger.info("migrations up to date", metadata: ["applied": "\(applied.map(\.fileName))"])
        let synced = try CatalogStore.sync(connectorCatalog, on: connection)
        logger.info("connector catalog synced", metadata: ["connectors": "\(synced)"])
        let recovered = try AgentRunStore.recoverAbandonedRuns(on: connection)
        if recovered > 0 { logger.warning("marked abandoned agent runs as failed", metadata: ["count": "\(recovered)"]) }
    }
}
