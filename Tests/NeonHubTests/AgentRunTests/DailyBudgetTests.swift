import Foundation
import Logging
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// Found by a review: the daily budget was read from `llm_usage`, which a run writes when it
/// ends, so runs in flight together each saw the day's spend without the others' and could
/// spend the budget many times over. Every model call now takes from a counter first.
@Suite struct DailyBudgetTests {
    /// Holds a run after its model call until the test opens it.
    final class Gate: Sendable {
        private let state = Mutex<(open: Bool, entered: Int, waiting: [CheckedContinuation<Void, Never>])>((false, 0, []))

        /// How many runs reached the gate.
        var entered: Int { state.withLock { $0.entered } }

        /// Waits until the gate is open.
        func pass() async {
            await withCheckedContinuation { continuation in
                let open = state.withLock { s in
                    s.entered += 1
                    if !s.open { s.waiting.append(continuation) }
                    return s.open
                }
                if open { continuation.resume() }
            }
        }

        /// Lets every waiting and later run through.
        func open() {
            let waiting = state.withLock { s in
                s.open = true
                defer { s.waiting = [] }
                return s.waiting
            }
            for continuation in waiting { continuation.resume() }
        }
    }

    /// Calls the model once with a prompt of about 200 tokens, then waits at the gate when
    /// its input says `hold`.
    struct GatedSpender: Agent {
        let name = "gated-spender"
        let description = "spends tokens, then waits"
        let intents = ["spend"]
        let gate: Gate
        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            let prompt = String(repeating: "Plan the spring campaign. ", count: 32)
            let response = try await toolbox.complete(
                LLMRequest(model: "", messages: [LLMMessage(role: "user", content: prompt)], maxTokens: 40))
            if input["hold"] == .bool(true) { await gate.pass() }
            return .object(["text": .string(response.content)])
        }
    }

    @Test func aRunInFlightCountsAgainstTheBudgetOfTheNextOne() async throws {
        let gate = Gate()
        try await withDatabaseApp(agents: [GatedSpender(gate: gate)], { $0.agentDailyTokenBudget = 100 }) { server, client in
            let first = Task {
                let (status, envelope) = try await client.mutation("agents.run", ["agent": "gated-spender", "input": ["hold": true]])
                return (status, resultData(envelope)?["status"] as? String)
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while gate.entered == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            try #require(gate.entered == 1)

            // The first run has used its ~200 tokens but not ended: the second must see them.
            let (_, second) = try await client.mutation("agents.run", ["agent": "gated-spender", "input": ["hold": false]])
            #expect(resultData(second)?["status"] as? String == "failed")
            #expect((resultData(second)?["error"] as? [String: Any])?["code"] as? String == "BUDGET_EXCEEDED")

            gate.open()
            let (status, runStatus) = try await first.value
            #expect(status == 200)
            #expect(runStatus == "succeeded")

            // The counter holds what the provider reported, not the estimate, and the refused
            // call took nothing.
            let pool = try #require(server.database?.pool)
            let used = try await pool.query("SELECT SUM(input_tokens + output_tokens)::bigint AS n FROM llm_usage")[0].decode("n", as: Int64.self)
            let counted = try await pool.query("SELECT tokens FROM llm_daily_spend WHERE agent = 'gated-spender'")
            #expect(counted.count == 1)
            #expect(try counted.first?.decode("tokens", as: Int64.self) == used)
        }
    }

    @Test func concurrentReservationsStopAtTheLimit() async throws {
        try await withDatabaseApp({ _ in }) { server, _ in
            let pool = try #require(server.database?.pool)
            let ledger = LLMSpendLedger(pool: pool, limits: .init(dailyTokens: 100, dailyCostUSD: 0.05), logger: Logger(label: "test"))
            // 30 tokens each against 100: admitted while the spend before them is below 100
            // (0, 30, 60, 90), whatever the order. Cost 0.02 each against 0.05: 3 admitted.
            let tokenCalls = try await Self.admitted(20) { try await ledger.reserve(tenant: "tenant-a", agent: "seo", tokens: 30, costUSD: 0) }
            let costCalls = try await Self.admitted(20) { try await ledger.reserve(tenant: "tenant-a", agent: "social", tokens: 1, costUSD: 0.02) }
            #expect(tokenCalls == 4)
            #expect(costCalls == 3)
            // Another tenant's budget is its own.
            #expect(try await ledger.reserve(tenant: "tenant-b", agent: "seo", tokens: 30, costUSD: 0) != nil)
            let row = try await pool.query("SELECT tokens FROM llm_daily_spend WHERE tenant_id = 'tenant-a' AND agent = 'seo'")[0]
            #expect(try row.decode("tokens", as: Int64.self) == 120)
        }
    }

    @Test func settlingCorrectsTheEstimateAndAnUnsentCallGivesItAllBack() async throws {
        try await withDatabaseApp({ _ in }) { server, _ in
            let pool = try #require(server.database?.pool)
            let ledger = LLMSpendLedger(pool: pool, limits: .init(dailyTokens: 1_000, dailyCostUSD: 5), logger: Logger(label: "test"))
            let used = try #require(try await ledger.reserve(tenant: "tenant-a", agent: "seo", tokens: 600, costUSD: 0.5))
            let unsent = try #require(try await ledger.reserve(tenant: "tenant-a", agent: "seo", tokens: 300, costUSD: 0.25))
            await ledger.settle(used, tokens: 450, costUSD: 0.4)
            await ledger.settle(unsent, tokens: 0, costUSD: 0)
            let row = try await pool.query("SELECT tokens, cost_usd FROM llm_daily_spend WHERE tenant_id = 'tenant-a'")[0]
            #expect(try row.decode("tokens", as: Int64.self) == 450)
            #expect(abs(try row.decode("cost_usd", as: Double.self) - 0.4) < 1e-9)
        }
    }

    @Test func aTimedOutCallKeepsItsEstimateAndARefusedOneDoesNot() {
        #expect(RunToolbox.mayHaveBeenBilled(LLMError.timeout))
        #expect(RunToolbox.mayHaveBeenBilled(ToolTimeoutError(tool: "llm.complete", timeout: .seconds(120))))
        #expect(RunToolbox.mayHaveBeenBilled(LLMError.transport("connection reset")))
        #expect(!RunToolbox.mayHaveBeenBilled(LLMError.http(status: 400, message: "bad request")))
        #expect(!RunToolbox.mayHaveBeenBilled(LLMError.rateLimited(retryAfter: nil)))
    }

    /// How many of `count` concurrent reservations were admitted.
    static func admitted(_ count: Int, _ reserve: @escaping @Sendable () async throws -> LLMSpendLedger.Reservation?) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<count { group.addTask { try await reserve() != nil } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }
}
