import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// What holds for all eight views at once: each exists with a `tenant_id` column (what the
/// procedures scope by), none shows a secret, and every procedure wants a caller.
@Suite struct DashboardViewsTests {
    static let views = [
        "api_connector_health_summary", "api_recent_errors", "api_token_health", "api_publish_performance",
        "api_dlq_status", "api_health_check_trends", "api_connector_readiness", "api_analytics_summary",
    ]
    static let procedures = [
        "dashboard.connectorHealth", "dashboard.recentErrors", "dashboard.tokenHealth", "dashboard.publishPerformance",
        "dashboard.dlq", "dashboard.healthCheckTrends", "dashboard.connectorReadiness", "dashboard.analyticsSummary",
    ]

    @Test func everyViewHasATenantAndNoSecret() async throws {
        try await DashboardSeed.withSeededApp { server, client, _ in
            let pool = try #require(server.database?.pool)
            let columns = try await pool.query(
                """
                SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = 'public' AND table_name LIKE 'api\\_%' ORDER BY table_name, ordinal_position
                """
            ).map { (try $0.decode("table_name", as: String.self), try $0.decode("column_name", as: String.self)) }
            #expect(Set(columns.map(\.0)) == Set(Self.views))
            for view in Self.views {
                #expect(columns.contains { $0 == (view, "tenant_id") }, "\(view) has no tenant_id")
            }
            let secretish = columns.filter { ["ciphertext", "iv", "auth_tag", "key_id", "verifier_sealed"].contains($0.1) }
            #expect(secretish.isEmpty, "\(secretish)")
            // The seeded ciphertext (DEADBEEF) shows in no row of any view, in any form.
            for view in Self.views {
                let found = try await pool.query(
                    PostgresQuery(unsafeSQL: "SELECT count(*)::int AS n FROM \(view) v WHERE v::text ILIKE '%deadbeef%'"))
                #expect(try found.first?.decode("n", as: Int.self) == 0, "\(view) shows a secret")
            }
            for procedure in Self.procedures {
                let entry = try #require(server.registry[procedure])
                #expect(entry.kind == .query && entry.auth == .user)
                #expect(entry.inputSchema.acceptsNoInput)
                let anonymous = try await client.get("/trpc/\(procedure)")
                #expect(anonymous.status == 401, "\(procedure) answered \(anonymous.status) without a token")
            }
        }
    }
}
