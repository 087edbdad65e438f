import Foundation
import Logging
import Postgres

/// The daily LLM budget of each tenant and agent, kept in `llm_daily_spend` by every model
/// call as it happens: before the call it takes an estimate from the budget in one atomic
/// statement (refused when the day's spend already reaches a limit), and after it puts back
/// the difference to what the provider reported. Runs in flight at the same time, in any
/// process, see each other's calls, so together they overshoot a limit by at most the calls
/// admitted while it was still open, not by whole runs.
struct LLMSpendLedger: Sendable {
    let pool: PostgresPool
    let limits: Orchestrator.Budget
    let logger: Logger

    /// Output tokens assumed for a request that sets no `maxTokens`.
    static let assumedOutputTokens = 1_024

    /// What one call took from its day's budget.
    struct Reservation: Sendable, Equatable {
        let tenant: String
        let agent: String
        /// The UTC day charged (`YYYY-MM-DD`): a call that ends after midnight is settled there.
        let day: String
        let tokens: Int
        let costUSD: Double
    }

    /// The tokens a request may use: its prompt at about four characters a token, and its
    /// output limit.
    static func estimate(_ request: LLMRequest) -> LLMUsage {
        let characters = request.messages.reduce(0) { $0 + $1.content.count }
        return LLMUsage(
            inputTokens: TemplateProvider.estimatedTokens(characters: characters),
            outputTokens: request.maxTokens ?? assumedOutputTokens)
    }

    /// Takes `tokens` and `costUSD` from the tenant's budget for `agent` today, or returns nil
    /// (nothing taken) when the day's spend already reaches either limit.
    func reserve(tenant: String, agent: String, tokens: Int, costUSD: Double) async throws -> Reservation? {
        let row = try await pool.query(
            """
            INSERT INTO llm_daily_spend AS s (tenant_id, agent, day, tokens, cost_usd)
            SELECT \(tenant), \(agent), (now() AT TIME ZONE 'UTC')::date, \(Int64(tokens)), \(costUSD)
            WHERE \(Int64(limits.dailyTokens)) > 0 AND \(limits.dailyCostUSD) > 0
            ON CONFLICT (tenant_id, agent, day) DO UPDATE
            SET tokens = s.tokens + EXCLUDED.tokens, cost_usd = s.cost_usd + EXCLUDED.cost_usd, updated_at = now()
            WHERE s.tokens < \(Int64(limits.dailyTokens)) AND s.cost_usd < \(limits.dailyCostUSD)
            RETURNING day::text AS day
            """
        ).first
        guard let row else { return nil }
        return Reservation(tenant: tenant, agent: agent, day: try row.decode("day", as: String.self), tokens: tokens, costUSD: costUSD)
    }

    /// Corrects a reservation to what the call really used (zero for a call the provider
    /// never ran). A failure is logged, not thrown: the estimate then stays charged, which errs
    /// on the side of spending less.
    func settle(_ reservation: Reservation, tokens: Int, costUSD: Double) async {
        let tokenDelta = Int64(tokens - reservation.tokens), costDelta = costUSD - reservation.costUSD
        guard tokenDelta != 0 || costDelta != 0 else { return }
        do {
            try await pool.execute(
                """
                UPDATE llm_daily_spend
                SET tokens = GREATEST(0, tokens + \(tokenDelta)), cost_usd = GREATEST(0, cost_usd + \(costDelta)), updated_at = now()
                WHERE tenant_id = \(reservation.tenant) AND agent = \(reservation.agent) AND day = \(reservation.day)::date
                """)
        } catch {
            logger.warning(
                "could not settle a model call's budget reservation; its estimate stays charged",
                metadata: ["agent": "\(reservation.agent)", "error": "\(error)"])
        }
    }
}
