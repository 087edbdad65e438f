public import Foundation
public import Logging
import Postgres
import Synchronization
import TimeUnits

/// Runs agents: picks one by name or intent, checks its circuit breaker and the tenant's
/// budget, records the run (`running` once it waits on anything, then its final state with
/// tool, metric and LLM usage rows in one transaction), publishes live events and counts
/// metrics.
public final class Orchestrator: Sendable {
    /// Limits that stop runs which would overspend (per tenant and agent, per UTC day).
    public struct Budget: Sendable {
        public var dailyTokens: Int
        public var dailyCostUSD: Double
        /// Creates budget limits.
        public init(dailyTokens: Int = 2_000_000, dailyCostUSD: Double = 50) {
            self.dailyTokens = dailyTokens
            self.dailyCostUSD = dailyCostUSD
        }
    }

    /// What `agents.run` answers.
    public struct Result: Sendable {
        public var runID: UUID
        public var status: String
        public var output: JSONValue?
        public var error: JSONValue?
    }

    let agents: [String: any Agent]
    let order: [String]
    let store: AgentRunStore
    let llm: any LLMProvider
    let costOf: @Sendable (LLMUsage, String) -> Double?
    let events: RunEventBus
    let metrics: NeonHubMetrics
    let breakers: [String: CircuitBreaker]
    let budget: Budget
    let runnerID: Int64
    let logger: Logger
    /// How long a quiet run's call waits before the run's `running` row is written (see `Started`).
    let quietRunRowDelay: Duration
    /// Retries the final write of runs whose database went away as they ended.
    let finisher: RunFinisher
    /// Ids of the runs with an idempotency key that a request of this process is executing
    /// (or has claimed to resume); a `running` row of this runner that is not here was left
    /// behind by a request whose database went away (see `resumableRun`).
    private let keyedRunsInFlight = Mutex<Set<UUID>>([])

    /// Creates an orchestrator over a fixed set of agents.
    public init(
        agents: [any Agent], store: AgentRunStore, llm: any LLMProvider, costOf: @escaping @Sendable (LLMUsage, String) -> Double?,
        events: RunEventBus, metrics: NeonHubMetrics, budget: Budget = Budget(), runnerID: Int64,
        breaker: @Sendable () -> CircuitBreaker = { CircuitBreaker() }, quietRunRowDelay: Duration = .seconds(1), logger: Logger
    ) {
        var byName: [String: any Agent] = [:]
        var breakers: [String: CircuitBreaker] = [:]
        for agent in agents {
            byName[agent.name] = agent
            breakers[agent.name] = breaker()
        }
        self.agents = byName
        order = agents.map(\.name)
        self.store = store
        self.llm = llm
        self.costOf = costOf
        self.events = events
        self.metrics = metrics
        self.breakers = breakers
        self.budget = budget
        self.runnerID = runnerID
        self.logger = logger
        self.quietRunRowDelay = quietRunRowDelay
        finisher = RunFinisher(store: store, runnerID: runnerID, logger: logger)
    }

    /// The agents in catalog order with their breaker state.
    public var catalog: [(agent: any Agent, circuit: CircuitBreaker.State)] {
        order.compactMap { name in agents[name].map { ($0, breakers[name]?.state ?? .closed) } }
    }

    /// Resolves the agent and intent for a request.
    func resolve(agent name: String?, intent: String?) throws -> (any Agent, String) {
        if let name {
            guard let agent = agents[name] else { throw AgentError(.unknownAgent, "No agent named \(name.prefix(64))") }
            if let intent, !agent.intents.contains(intent) {
                throw AgentError(
                    .intentNotHandled,
                    "Agent \(name) does not handle intent \(intent.prefix(64)); it handles: \(agent.intents.joined(separator: ", "))")
            }
            return (agent, intent ?? agent.intents.first ?? "default")
        }
        guard let intent else { throw AgentError(.agentOrIntentRequired, "Give an agent or an intent") }
        for n in order { if let agent = agents[n], agent.intents.contains(intent) { return (agent, intent) } }
        throw AgentError(.unknownIntent, "No agent handles intent \(intent.prefix(64))")
    }

    /// Runs an agent for a tenant (or returns the earlier run with the same idempotency key, or
    /// resumes it under its id when the request that started it lost the database before its end).
    /// `rerunsPassingFailures`: the key's run, if it failed for a passing reason with the same
    /// agent and input, runs again under its id — only for callers whose agent acts on nothing
    /// outside (content generation): a run that published before it failed must not publish again.
    public func run(
        tenant: String, agent name: String?, intent: String?, input: JSONValue, idempotencyKey: String?, rerunsPassingFailures: Bool = false
    ) async throws -> Result {
        try await run(
            tenant: tenant, agent: name, intent: intent, input: input, idempotencyKey: idempotencyKey, startingWith: nil,
            rerunsPassingFailures: rerunsPassingFailures)
    }

    /// What a run's `start` (see `run(…startingWith:)`) answers: the run's input, completed
    /// from what it read, and whether it wrote the run's `running` row. A run whose `start`
    /// wrote none (an action that only reads) is quiet: its row is written only once one of
    /// its calls has waited `quietRunRowDelay`, so a fast one is committed once, complete, at
    /// its end, and a slow one is still seen `running`. A crash during a quiet run's first
    /// second leaves no record of it; such a run acts on nothing.
    struct Started: Sendable {
        /// The run's input, completed from what `start` read.
        var input: JSONValue
        /// Whether `start` wrote the run's `running` row.
        var wroteRunningRow: Bool
    }

    /// Runs an agent as above; a run without an idempotency key first calls `start` (when
    /// given) with its `running` row. `start` writes that row in a round trip it makes anyway,
    /// or leaves the run quiet (see `Started`), and answers the run's input, completed from
    /// what it read (`connectors.executeAction` reads the connection and writes the row in one
    /// transaction). If `start` throws, nothing ran and the error is the answer.
    func run(
        tenant: String, agent name: String?, intent: String?, input: JSONValue, idempotencyKey: String?,
        startingWith start: (@Sendable (AgentRunStore.RunningRow) async throws -> Started)?, rerunsPassingFailures: Bool = false
    ) async throws -> Result {
        let (agent, intent) = try resolve(agent: name, intent: intent)
        guard let breaker = breakers[agent.name], breaker.allowRun() else {
            throw AgentError(.circuitOpen, "Agent \(agent.name) is paused after repeated failures (circuit open); retry later", retryAfterSeconds: 30)
        }
        let started = ContinuousClock.now
        let store = self.store, budget = self.budget, agentName = agent.name, runnerID = self.runnerID
        let traceID = TraceContext.current?.traceID  // the request's or job's: the run's logs and calls carry it
        let proposedID = UUID()
        // The run's `running` row as it stands now: written up front, at the run's first wait,
        // or by `start`.
        let runningRow: @Sendable (UUID, JSONValue) -> AgentRunStore.RunningRow = { id, input in
            AgentRunStore.RunningRow(
                id: id, tenant: tenant, agent: agentName, intent: intent, input: input, runnerID: runnerID, traceID: traceID,
                startedAgo: ContinuousClock.now - started)
        }
        var input = input
        var rowWritten = false, quiet = false
        if let start, idempotencyKey == nil {
            do {
                let started = try await start(runningRow(proposedID, Sanitizer.sanitize(input)))
                input = started.input
                rowWritten = started.wroteRunningRow
                quiet = !started.wroteRunningRow
            } catch {
                breaker.releaseProbe()  // the agent never ran: no verdict
                throw error
            }
        }
        let sanitizedInput = Sanitizer.sanitize(input)
        let insertRunning: @Sendable (UUID) async throws -> (id: UUID, created: Bool) = { id in
            try await store.insertRun(runningRow(id, sanitizedInput), idempotencyKey: idempotencyKey)
        }
        var resumedID: UUID?
        // The run's final write failed and `finisher` retries it: the key stays claimed until then.
        var heldByFinisher = false
        if idempotencyKey != nil { keyedRunsInFlight.withLock { _ = $0.insert(proposedID) } }
        defer {
            if idempotencyKey != nil && !heldByFinisher { releaseKeys(proposedID, resumedID) }
        }
        // With an idempotency key the row is written first: it is what makes a second request
        // with the same key find this run. Without one, the `running` row waits for the run's
        // first call that can wait (see `RunToolbox`): a run that only computes is committed
        // once, complete, in its final transaction. A run whose `start` wrote it has it already.
        if idempotencyKey != nil {
            let earlier: UUID?
            do {
                let stored = try await insertRunning(proposedID)
                let rerun = rerunsPassingFailures ? (agent: agent.name, input: sanitizedInput) : nil
                let resumable = stored.created ? false : try await resumableRun(tenant: tenant, id: stored.id, rerun: rerun)
                if stored.created || !resumable {
                    earlier = stored.created ? nil : stored.id
                } else {
                    earlier = nil
                    resumedID = stored.id
                    logger.notice(
                        "running again a keyed run whose earlier request lost the database or failed for a passing reason",
                        metadata: ["runId": "\(stored.id)", "agent": "\(agent.name)"])
                }
            } catch {
                breaker.releaseProbe()  // the agent never ran: no verdict
                throw error
            }
            if let earlier {
                breaker.releaseProbe()
                return try await existing(tenant: tenant, id: earlier)
            }
        }
        let runID = resumedID ?? proposedID
        events.publish(runId: runID, tenantId: tenant, agent: agent.name, type: "status", status: "running")
        // Each model call takes from the tenant's daily budget (`LLMSpendLedger`): agents without one never touch it.
        let deferredRow: (@Sendable () async throws -> Void)? =
            idempotencyKey != nil || rowWritten ? nil : { @Sendable in _ = try await insertRunning(runID) }
        let toolbox = RunToolbox(
            tenantID: tenant, runID: runID, agent: agent.name, llm: llm, costOf: costOf, events: events,
            spend: LLMSpendLedger(pool: store.pool, limits: budget, logger: logger), writeRunningRow: deferredRow,
            runningRowDelay: quiet ? quietRunRowDelay : nil)
        var status = "succeeded"
        var output: JSONValue?
        var errorValue: JSONValue?
        do {
            output = try await Self.perform(agent, input, intent: intent, toolbox: toolbox)
            breaker.recordSuccess()
        } catch let recording as RunRecordingError {
            // The database failed, not the agent: no verdict, and the caller gets the
            // database's error (e.g. SERVICE_UNAVAILABLE), not a stored run.
            breaker.releaseProbe()
            events.publish(runId: runID, tenantId: tenant, agent: agent.name, type: "status", status: "failed")
            throw recording.underlying
        } catch {
            status = "failed"
            errorValue = RunFailure.stored(error)
            if error is AgentInputError || error is BudgetExceededError {
                breaker.recordSuccess()  // the agent works; the request or the budget was the problem
            } else if error is ToolInputError || error is ConnectorError || Self.isCausedByTheRequest(error) {
                // The caller's tool input, the caller's connection and its provider, or what the
                // caller asked the model: no verdict on the agent, whose breaker every tenant shares
                // (one tenant's prompts must not pause it for everyone).
                breaker.releaseProbe()
            } else {
                metrics.recordBreakerFailure(agent: agent.name)
                if breaker.recordFailure() { logger.warning("circuit opened", metadata: ["agent": "\(agent.name)"]) }
            }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = elapsed.inSeconds
        let recorded = toolbox.recorded
        var runMetrics = recorded.metrics
        runMetrics.append(RunMetricRecord(name: "latency_ms", value: (seconds * 1000).rounded(), unit: "ms"))
        runMetrics.append(RunMetricRecord(name: "tool_calls", value: Double(recorded.tools.count), unit: "count"))
        runMetrics.append(RunMetricRecord(name: "retries", value: Double(recorded.tools.reduce(0) { $0 + $1.attempt - 1 }), unit: "count"))
        if !recorded.usage.isEmpty {
            runMetrics.append(
                RunMetricRecord(name: "tokens_in", value: Double(recorded.usage.reduce(0) { $0 + $1.usage.inputTokens }), unit: "tokens"))
            runMetrics.append(
                RunMetricRecord(name: "tokens_out", value: Double(recorded.usage.reduce(0) { $0 + $1.usage.outputTokens }), unit: "tokens"))
            if recorded.usage.allSatisfy({ $0.costUSD != nil }) {
                runMetrics.append(RunMetricRecord(name: "cost_usd", value: recorded.usage.reduce(0) { $0 + ($1.costUSD ?? 0) }, unit: "usd"))
            } else {
                runMetrics.append(
                    RunMetricRecord(name: "cost_unknown_calls", value: Double(recorded.usage.filter { $0.costUSD == nil }.count), unit: "count"))
            }
        }
        let row = AgentRunStore.NewRun(
            agent: agent.name, intent: intent, input: sanitizedInput, runnerID: runnerID,
            idempotencyKey: idempotencyKey, traceID: traceID)
        let durationMs = Int((seconds * 1000).rounded()), rowExists = toolbox.runRowExists
        let finalOutput = output, finalError = errorValue, finalStatus = status, finalMetrics = runMetrics
        // `onlyIfRunning`: the finisher's later attempts, which must not overwrite an ended run.
        let write: @Sendable (_ onlyIfRunning: Bool) async throws -> Void = { onlyIfRunning in
            try await store.finish(
                runID: runID, tenant: tenant, run: row, status: finalStatus, output: finalOutput, error: finalError,
                durationMs: durationMs, tools: recorded.tools, metrics: finalMetrics, usage: recorded.usage, rowExists: rowExists,
                onlyIfRunning: onlyIfRunning)
        }
        let ended: @Sendable () -> Void = { [self] in
            events.publish(runId: runID, tenantId: tenant, agent: agentName, type: "status", status: finalStatus, durationMs: durationMs)
            metrics.recordAgentRun(agent: agentName, status: finalStatus, intent: intent, seconds: seconds)
            metrics.recordLLMCost(tenant: tenant, agent: agentName, usd: recorded.usage.reduce(0) { $0 + ($1.costUSD ?? 0) })
        }
        do {
            try await write(false)
        } catch {
            // A `running` row would stay so while this process lives: its end is written later.
            // A keyed run's retries meanwhile find it `running` rather than run it again.
            if rowExists, Self.isDatabaseGone(error) {
                heldByFinisher = idempotencyKey != nil
                let keyed = heldByFinisher, heldIDs = (proposedID, resumedID)
                finisher.finishLater(tenant: tenant, runID: runID, write: { try await write(true) }) { [self] outcome in
                    if outcome == .written { ended() }
                    if keyed { releaseKeys(heldIDs.0, heldIDs.1) }
                }
            }
            throw error
        }
        ended()
        return Result(runID: runID, status: status, output: output, error: errorValue)
    }

    /// Runs the agent's body and sanitizes its output: on Swift's shared pool when it says so
    /// (`Agent.runsOnTheSharedPool(_:)`), not on the request's event loop, whose other
    /// connections would wait for its computing. Still the run's own task (an executor
    /// preference, not a new task): its task-local values (its trace, a prefetched
    /// connection) and its cancellation are the run's.
    static func perform(_ agent: any Agent, _ input: JSONValue, intent: String, toolbox: RunToolbox) async throws -> JSONValue {
        guard agent.runsOnTheSharedPool(input) else { return Sanitizer.sanitize(try await agent.run(input, intent: intent, toolbox: toolbox)) }
        return try await withTaskExecutorPreference(globalConcurrentExecutor) {
            Sanitizer.sanitize(try await agent.run(input, intent: intent, toolbox: toolbox))
        }
    }

    /// Ends this process's claim on keyed runs (see `keyedRunsInFlight`).
    private func releaseKeys(_ proposed: UUID, _ resumed: UUID?) {
        keyedRunsInFlight.withLock { running in
            running.remove(proposed)
            if let resumed { running.remove(resumed) }
        }
    }

    /// The database went away (as opposed to refusing a statement, which writing again would
    /// not change).
    static func isDatabaseGone(_ error: any Error) -> Bool {
        guard let database = error as? PostgresError else { return false }
        return database.kind == .unavailable || database.kind == .connectionLost
    }

    /// A failure that says something about one request, not about the agent or its model: a
    /// loop the request's question kept going past its step limit, or the model refusing what
    /// it was sent (400, 413, 422: the request's size or content). The model's own trouble
    /// (5xx, timeouts, 429s, transport) and our setup (401, 403, 404: a key or model name)
    /// still count against the agent.
    static func isCausedByTheRequest(_ error: any Error) -> Bool {
        if error is ToolLoop.Exhausted { return true }
        if case .http(let status, _)? = error as? LLMError { return [400, 413, 422].contains(status) }
        return false
    }

    /// Whether the run found by an idempotency key should run again under its id, and if so
    /// claims it: its row is still `running`, stamped by this process, yet no request of this
    /// process executes it — the request that started it failed to record its end (the
    /// database went away; its final commit did not happen) and answered 503 — or, when
    /// `rerun` names the request's agent and input and they are the run's, it failed for a
    /// passing reason (`transient`: the model rate limiting or timing out), which the caller
    /// was told to retry. Any other run whose final state was committed, even if that answer
    /// was lost, is returned as it is.
    private func resumableRun(tenant: String, id: UUID, rerun: (agent: String, input: JSONValue)?) async throws -> Bool {
        guard keyedRunsInFlight.withLock({ $0.insert(id).inserted }) else { return false }
        let orphaned: Bool
        do {
            let stillRunning = try await store.isRunning(tenant: tenant, id: id, runnerID: runnerID)
            if stillRunning {
                orphaned = true
            } else if let rerun {
                orphaned = try await store.reclaimTransientFailure(
                    tenant: tenant, id: id, runnerID: runnerID, agent: rerun.agent, input: rerun.input)
            } else {
                orphaned = false
            }
        } catch {
            keyedRunsInFlight.withLock { _ = $0.remove(id) }
            throw error
        }
        if !orphaned { keyedRunsInFlight.withLock { _ = $0.remove(id) } }
        return orphaned
    }

    private func existing(tenant: String, id: UUID) async throws -> Result {
        guard let detail = try await store.getRun(tenant: tenant, id: id) else { throw AgentError(.runNotFound, "Run not found") }
        return Result(runID: id, status: detail.summary.status, output: detail.output, error: detail.error)
    }
}
