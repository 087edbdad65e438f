import Foundation
import Synchronization
import TimeUnits

/// The toolbox of one run: executes tool bodies under their timeout, records every call
/// (sanitized) with its duration, publishes tool events, calls the LLM with token and cost
/// accounting, and enforces the run's token/cost budget. Before the run's first call that
/// can wait (a model or any timed tool), it writes the run's `running` row if the
/// orchestrator deferred it — or, for a quiet run (`Orchestrator.Started`), once a timed call
/// has waited `runningRowDelay`. Every model call takes its estimate from the tenant's daily
/// budget before it is sent and settles to what it used after (`LLMSpendLedger`).
final class RunToolbox: AgentToolbox {
    let tenantID: String
    private let recordedRunID: UUID
    /// The run's id (its row exists before any timed call returns, except in a quiet run).
    var runID: UUID? { recordedRunID }
    private let agent: String
    private let llm: any LLMProvider
    private let costOf: @Sendable (LLMUsage, String) -> Double?
    private let events: RunEventBus
    private let spend: LLMSpendLedger
    /// Writes the `running` row (nil: it was written before the run started).
    private let writeRunningRow: (@Sendable () async throws -> Void)?
    /// Set for a quiet run: a timed call writes the row only once it has waited this long.
    private let runningRowDelay: Duration?
    private let state = Mutex(Recorded())

    struct Recorded {
        var tools: [ToolExecutionRecord] = []
        var metrics: [RunMetricRecord] = []
        var usage: [LLMUsageRecord] = []
        /// The deferred `running` row's write, started by the first waiting call; later calls
        /// (parallel ones too) wait for the same write.
        var runningRowWrite: Task<Void, any Error>?
        var runningRowWritten = false
        /// A late write of a quiet run's row failed: it may have committed all the same.
        var runningRowMayExist = false
    }

    init(
        tenantID: String, runID: UUID, agent: String, llm: any LLMProvider, costOf: @escaping @Sendable (LLMUsage, String) -> Double?,
        events: RunEventBus, spend: LLMSpendLedger, writeRunningRow: (@Sendable () async throws -> Void)? = nil,
        runningRowDelay: Duration? = nil
    ) {
        self.tenantID = tenantID
        self.recordedRunID = runID
        self.agent = agent
        self.llm = llm
        self.costOf = costOf
        self.events = events
        self.spend = spend
        self.writeRunningRow = writeRunningRow
        self.runningRowDelay = runningRowDelay
    }

    /// Whether the run's row exists in the database (written before the run, or by a waiting
    /// call), or may (its late write failed): the final write then updates it or inserts it.
    var runRowExists: Bool { writeRunningRow == nil || state.withLock { $0.runningRowWritten || $0.runningRowMayExist } }

    /// Writes the deferred `running` row once, before the first call that can wait, so that
    /// a run busy with a model or a connector is visible (and recoverable) as `running`.
    /// Every waiting call waits for that one write; its failure is a `RunRecordingError`.
    private func writeRunningRowIfDeferred() async throws {
        guard let writeRunningRow else { return }
        let write = state.withLock { s -> Task<Void, any Error>? in
            if s.runningRowWritten { return nil }
            if let pending = s.runningRowWrite { return pending }
            let task = Task { try await writeRunningRow() }
            s.runningRowWrite = task
            return task
        }
        guard let write else { return }
        do {
            try await write.value
        } catch {
            throw RunRecordingError(underlying: error)
        }
        state.withLock { $0.runningRowWritten = true }
    }

    /// A quiet run's row, written by a call that has waited `runningRowDelay`. A failure
    /// does not fail the call (the run's end writes the row whole): it only means the row
    /// may exist. The call's end waits for this write (it runs in a task of its own, which the
    /// call ending does not cancel).
    private func writeRunningRowLate() async {
        do {
            try await writeRunningRowIfDeferred()
        } catch {
            state.withLock { $0.runningRowMayExist = true }
        }
    }

    /// Everything recorded so far.
    var recorded: Recorded { state.withLock { $0 } }

    func call(
        _ tool: String, input: JSONValue, timeout: Duration,
        _ body: @escaping @Sendable () async throws -> JSONValue
    ) async throws -> JSONValue {
        let lateRow: (after: Duration, write: @Sendable () async -> Void)?
        if let delay = runningRowDelay, writeRunningRow != nil {
            lateRow = (delay, { [self] in await writeRunningRowLate() })
        } else {
            lateRow = nil
            try await writeRunningRowIfDeferred()
        }
        let started = Date(), clock = ContinuousClock.now
        let attempts = ToolAttempts()
        do {
            let output = try await ToolAttempts.$current.withValue(attempts) {
                try await Self.withTimeout(timeout, tool: tool, meanwhile: lateRow, body)
            }
            record(tool, input: input, started: started, clock: clock, status: "succeeded", output: output, error: nil, attempt: attempts.attempt)
            return output
        } catch let timeoutError as ToolTimeoutError {
            record(
                tool, input: input, started: started, clock: clock, status: "timed_out", output: nil,
                error: .object(["message": .string(timeoutError.description)]), attempt: attempts.attempt)
            throw timeoutError
        } catch {
            record(
                tool, input: input, started: started, clock: clock, status: "failed", output: nil,
                error: .object(["message": .string(Sanitizer.sanitize(String(describing: error)))]), attempt: attempts.attempt)
            throw error
        }
    }

    func callSynchronously(_ tool: String, input: JSONValue, _ body: () throws -> JSONValue) async throws -> JSONValue {
        let started = Date(), clock = ContinuousClock.now
        do {
            let output = try body()
            record(tool, input: input, started: started, clock: clock, status: "succeeded", output: output, error: nil)
            return output
        } catch {
            record(
                tool, input: input, started: started, clock: clock, status: "failed", output: nil,
                error: .object(["message": .string(Sanitizer.sanitize(String(describing: error)))]))
            throw error
        }
    }

    /// Records one tool call (sanitized) and publishes its event; `attempt` counts the retries
    /// its requests needed (1: none).
    private func record(
        _ tool: String, input: JSONValue, started: Date, clock: ContinuousClock.Instant, status: String, output: JSONValue?, error: JSONValue?,
        attempt: Int = 1
    ) {
        let ms = (ContinuousClock.now - clock).inMilliseconds
        let record = ToolExecutionRecord(
            tool: tool, status: status, input: Sanitizer.sanitize(input), output: output.map(Sanitizer.sanitize),
            error: error.map(Sanitizer.sanitize), startedAt: started, durationMs: max(0, ms), attempt: attempt)
        state.withLock { $0.tools.append(record) }
        events.publish(
            runId: recordedRunID, tenantId: tenantID, agent: agent, type: "tool", tool: tool, toolStatus: status, durationMs: record.durationMs)
    }

    /// Runs `body` under `timeout`; `meanwhile.write` runs once `body` has taken
    /// `meanwhile.after` (on the timer's task: no task more), and `body`'s end waits for it.
    static func withTimeout(
        _ timeout: Duration, tool: String, meanwhile: (after: Duration, write: @Sendable () async -> Void)? = nil,
        _ body: @escaping @Sendable () async throws -> JSONValue
    ) async throws -> JSONValue {
        try await withThrowingTaskGroup(of: JSONValue?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                if let meanwhile, meanwhile.after < timeout {
                    let deadline = ContinuousClock.now + timeout
                    try await Task.sleep(for: meanwhile.after)
                    guard !Task.isCancelled else { return nil }  // the body ended just now
                    await meanwhile.write()
                    try await Task.sleep(until: deadline, clock: .continuous)
                } else {
                    try await Task.sleep(for: timeout)
                }
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw ToolTimeoutError(tool: tool, timeout: timeout) }
            return value
        }
    }

    func complete(_ request: LLMRequest) async throws -> LLMResponse {
        var request = request
        if request.model.isEmpty { request.model = llm.defaultModel }
        let model = request.model
        let estimate = LLMSpendLedger.estimate(request)
        let reservation: LLMSpendLedger.Reservation?
        do {
            reservation = try await spend.reserve(
                tenant: tenantID, agent: agent, tokens: estimate.inputTokens + estimate.outputTokens, costUSD: costOf(estimate, model) ?? 0)
        } catch {
            throw RunRecordingError(underlying: error)  // the database's failure, not the agent's
        }
        guard let reservation else {
            throw BudgetExceededError(message: "budget exceeded for agent \(agent): the tenant's daily token or cost budget is used up")
        }
        let messageCount = request.messages.count
        let box = ResponseBox()
        let provider = llm
        let finalRequest = request
        do {
            _ = try await call(
                "llm.complete",
                input: .object([
                    "model": .string(model), "messages": .number(Double(messageCount)),
                    "jsonOutput": .bool(request.jsonOutput),
                ]), timeout: .seconds(120)
            ) {
                let response = try await provider.complete(finalRequest)
                box.set(response)
                return .object([
                    "model": .string(response.model), "finishReason": response.finishReason.map(JSONValue.string) ?? .null,
                    "inputTokens": .number(Double(response.usage.inputTokens)), "outputTokens": .number(Double(response.usage.outputTokens)),
                    "characters": .number(Double(response.content.count)),
                ])
            }
        } catch {
            // A call that timed out may still be generating (and billed): its estimate stays.
            if !Self.mayHaveBeenBilled(error) { await settle(reservation, tokens: 0, costUSD: 0) }
            throw error
        }
        guard let response = box.value else { throw BudgetExceededError(message: "language model returned nothing") }
        let cost = costOf(response.usage, response.model)
        await settle(reservation, tokens: response.usage.inputTokens + response.usage.outputTokens, costUSD: cost ?? 0)
        state.withLock { s in
            s.usage.append(LLMUsageRecord(provider: llm.name, model: response.model, usage: response.usage, costUSD: cost))
        }
        return response
    }

    /// Settles a reservation outside the run's task: a cancelled run (its client went away)
    /// still gives its estimate back or counts what it used.
    private func settle(_ reservation: LLMSpendLedger.Reservation, tokens: Int, costUSD: Double) async {
        let spend = spend
        await Task { await spend.settle(reservation, tokens: tokens, costUSD: costUSD) }.value
    }

    /// Whether a failed model call may have been run (and billed) by the provider anyway.
    static func mayHaveBeenBilled(_ error: any Error) -> Bool {
        switch error {
        case is ToolTimeoutError, is CancellationError: true  // cancelled or cut off after sending, perhaps
        case let llm as LLMError:
            switch llm {
            case .timeout, .transport: true  // a connection lost after sending may have been answered
            default: false
            }
        default: false
        }
    }

    func metric(_ name: String, _ value: Double, unit: String) {
        state.withLock { $0.metrics.append(RunMetricRecord(name: name, value: value, unit: unit)) }
    }
}

/// The run's own row could not be written (the database, not the agent, failed): the run
/// stops, and the circuit breaker gives no verdict on the agent.
struct RunRecordingError: Error, CustomStringConvertible {
    let underlying: any Error
    var description: String { "could not record the run: \(underlying)" }
}

/// Carries the LLM response out of the recorded tool body.
private final class ResponseBox: Sendable {
    private let stored = Mutex<LLMResponse?>(nil)
    func set(_ r: LLMResponse) { stored.withLock { $0 = r } }
    var value: LLMResponse? { stored.withLock { $0 } }
}
