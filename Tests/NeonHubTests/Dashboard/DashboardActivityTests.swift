import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// `dashboard.publishPerformance`, `dlq`, `connectorReadiness` and `analyticsSummary` over the
/// rows of `Fixtures/dashboard/seed.sql`: exact numbers for tenant-a, and tenant-b's jobs,
/// runs and events (same connectors, same days) never in them.
@Suite struct DashboardActivityTests {
    /// `{from, to}` covering the seed's two past days, as ISO 8601 instants.
    static func seededDays(_ seed: DashboardSeed) -> [String: Any] {
        ["from": "\(seed.d3)T00:00:00Z", "to": "\(seed.d2)T23:59:59Z"]
    }

    @Test func publishPerformanceCountsJobsByOutcomePerConnectorAndDay() async throws {
        try await DashboardSeed.withSeededApp { server, client, seed in
            let rows = try await dashboardRows(client, server, "dashboard.publishPerformance", Self.seededDays(seed))
            #expect(rows.map { "\($0["day"] as? String ?? "?") \($0["connector"] as? String ?? "?")" } == ["\(seed.d2) linkedin", "\(seed.d3) meta"])
            let meta = rows[1]
            // Jobs 1–6 (the health-check job 9 is not a publish); tenant-b's meta job that day is not counted.
            #expect(meta["jobsTotal"] as? Int == 6 && meta["succeeded"] as? Int == 2 && meta["dlq"] as? Int == 1)
            #expect(meta["pending"] as? Int == 2 && meta["cancelled"] as? Int == 1)
            #expect(meta["retrying"] as? Int == 0 && meta["running"] as? Int == 0 && meta["unknown"] as? Int == 0)
            // Attempts (2 + 1 + 3) / 3 finished jobs; 80 s and 20 s from first attempt to done.
            #expect(number(meta["avgAttempts"]) == 2)
            #expect(number(meta["p50Seconds"]) == 50)
            #expect(abs((number(meta["p95Seconds"]) ?? 0) - 77) < 1e-6)
            #expect(abs((number(meta["successRate"]) ?? 0) - 2.0 / 3.0) < 1e-9)
            let linkedin = rows[0]
            #expect(linkedin["jobsTotal"] as? Int == 1 && linkedin["retrying"] as? Int == 1)
            #expect(linkedin["successRate"] == nil && linkedin["p50Seconds"] == nil && linkedin["avgAttempts"] == nil)

            // Without a range: the last 30 days, so today's dead-lettered job 8 is there too.
            let all = try await dashboardRows(client, server, "dashboard.publishPerformance", ["connector": "meta"])
            #expect(all.count == 2 && all.last?["day"] as? String == seed.d3)
            #expect(all.first?["dlq"] as? Int == 1 && number(all.first?["successRate"]) == 0)
            let oneDay = try await dashboardRows(
                client, server, "dashboard.publishPerformance", ["from": "\(seed.d2)T00:00:00Z", "to": "\(seed.d2)T12:00:00Z"])
            #expect(oneDay.map { $0["connector"] as? String } == ["linkedin"])

            let b = try await dashboardRows(client, server, "dashboard.publishPerformance", Self.seededDays(seed), tenant: "tenant-b")
            #expect(b.map { $0["connector"] as? String } == ["linkedin", "meta"])
            #expect(b.map { $0["jobsTotal"] as? Int } == [1, 1] && number(b[0]["p50Seconds"]) == 3600)
        }
    }

    @Test func dlqListsDeadLetteredJobsWithTheirRedactedExchange() async throws {
        try await DashboardSeed.withSeededApp { server, client, seed in
            let rows = try await dashboardRows(client, server, "dashboard.dlq")
            #expect(
                rows.map { ($0["jobId"] as? String)?.lowercased() } == [
                    "aaaaaaaa-0000-0000-0001-000000000008", "aaaaaaaa-0000-0000-0001-000000000003",
                ])
            let latest = rows[0]
            #expect(
                latest["kind"] as? String == "publish" && latest["connector"] as? String == "meta" && latest["action"] as? String == "publishPost")
            #expect(latest["connectionName"] as? String == "Acme Page" && latest["attempts"] as? Int == 2 && latest["maxAttempts"] as? Int == 2)
            #expect(latest["dlqReason"] as? String == "permanent_error" && latest["idempotencyKey"] as? String == "idem-a8")
            #expect((latest["lastError"] as? [String: Any])?["message"] as? String == "duplicate content")
            #expect(((latest["lastRequest"] as? [String: Any])?["headers"] as? [String: Any])?["authorization"] as? String == "[REDACTED]")
            #expect((latest["lastResponse"] as? [String: Any])?["status"] as? Int == 400)
            let age = try #require(latest["ageSeconds"] as? Int)
            #expect(age >= 6 * 3600 && age < 6 * 3600 + 300)
            let older = rows[1]
            #expect(
                older["connectionName"] as? String == "Acme Instagram" && older["attempts"] as? Int == 3
                    && older["dlqReason"] as? String == "max_attempts")
            #expect(instant(older["deadLetteredAt"]).map { ISO8601DateFormatter().string(from: $0) } == "\(seed.d3)T14:05:00Z")

            #expect(try await dashboardRows(client, server, "dashboard.dlq", ["connector": "linkedin"]).isEmpty)
            #expect(try await dashboardRows(client, server, "dashboard.dlq", ["limit": 1]).count == 1)
            // tenant-b's job shares idempotency key idem-a3 with tenant-a's: still only its own.
            let b = try await dashboardRows(client, server, "dashboard.dlq", tenant: "tenant-b")
            #expect(b.map { ($0["jobId"] as? String)?.lowercased() } == ["bbbbbbbb-0000-0000-0001-000000000001"])
            #expect(b.first?["connectionName"] as? String == "Beta Page")
        }
    }

    @Test func connectorReadinessListsEveryCatalogConnectorWithTheTenantsState() async throws {
        try await DashboardSeed.withSeededApp { server, client, seed in
            let rows = try await dashboardRows(client, server, "dashboard.connectorReadiness", ["limit": 500])
            let ids = rows.compactMap { $0["connector"] as? String }
            #expect(ids == server.connectorCatalog.definitions.map(\.id).sorted())
            let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0["connector"] as? String ?? "", $0) })
            let meta = try #require(byID["meta"])
            #expect(meta["availability"] as? String == "stable" && meta["authType"] as? String == "oauth2")
            #expect(meta["connectionsActive"] as? Int == 2 && meta["connectionsAttention"] as? Int == 1)
            #expect(meta["hasActiveConnection"] as? Bool == true && meta["ready"] as? Bool == true)
            // Job 2 finished last among the succeeded publishes (the health-check job 9 is later, but not a publish).
            #expect(instant(meta["lastSuccessfulPublishAt"]).map { ISO8601DateFormatter().string(from: $0) } == "\(seed.d3)T13:00:20Z")
            let linkedin = try #require(byID["linkedin"])
            #expect(linkedin["connectionsActive"] as? Int == 2 && linkedin["ready"] as? Bool == true && linkedin["lastSuccessfulPublishAt"] == nil)
            // Connected, but disabled in the catalog: not ready.
            let slack = try #require(byID["slack"])
            #expect(
                slack["availability"] as? String == "disabled" && slack["hasActiveConnection"] as? Bool == true && slack["ready"] as? Bool == false)
            #expect(rows.filter { $0["ready"] as? Bool == true }.count == 2)

            let stable = try await dashboardRows(client, server, "dashboard.connectorReadiness", ["availability": "stable"])
            // Every stable connector of the catalog but slack, which the seed disabled.
            let stableIDs = server.connectorCatalog.definitions.filter { $0.availability == "stable" && $0.id != "slack" }.map(\.id).sorted()
            #expect(stableIDs.contains("linkedin") && stableIDs.contains("meta"))
            #expect(stable.compactMap { $0["connector"] as? String } == stableIDs)
            // tenant-b: meta only in attention (not ready), linkedin active with its own last publish.
            let b = try await dashboardRows(client, server, "dashboard.connectorReadiness", ["availability": "stable"], tenant: "tenant-b")
                .filter { ["linkedin", "meta"].contains($0["connector"] as? String ?? "") }
            #expect(b.map { $0["ready"] as? Bool } == [true, false] && b.map { $0["connectionsAttention"] as? Int } == [0, 1])
            #expect(instant(b[0]["lastSuccessfulPublishAt"]).map { ISO8601DateFormatter().string(from: $0) } == "\(seed.d3)T23:00:00Z")
            // A tenant with no connection sees every connector, none connected.
            let nobody = try await dashboardRows(client, server, "dashboard.connectorReadiness", ["limit": 500], tenant: "tenant-c")
            #expect(
                nobody.count == ids.count && nobody.allSatisfy { $0["hasActiveConnection"] as? Bool == false && $0["connectionsActive"] as? Int == 0 }
            )
        }
    }

    @Test func analyticsSummaryCountsRunsUsagePublishesAndEventsPerDay() async throws {
        try await DashboardSeed.withSeededApp { server, client, seed in
            let rows = try await dashboardRows(client, server, "dashboard.analyticsSummary", Self.seededDays(seed))
            #expect(rows.map { $0["day"] as? String } == [seed.d2, seed.d3])
            let d3 = rows[1]
            #expect(d3["runsTotal"] as? Int == 3 && d3["runsSucceeded"] as? Int == 2 && d3["runsFailed"] as? Int == 1)
            #expect(d3["runsCancelled"] as? Int == 0 && d3["runsInProgress"] as? Int == 0)
            // From llm_usage only (the same tokens as run metrics are not counted again); the
            // unknown model's call is counted as unpriced, not as zero.
            #expect(d3["llmCalls"] as? Int == 2 && d3["tokensIn"] as? Int == 300 && d3["tokensOut"] as? Int == 150)
            #expect(abs((number(d3["costUsd"]) ?? 0) - 0.01) < 1e-12 && d3["unpricedLlmCalls"] as? Int == 1)
            // Jobs 1 and 2 (not the health check); the unmatched event has no tenant.
            #expect(d3["publishesSucceeded"] as? Int == 2 && d3["webhookEvents"] as? Int == 2)
            let d2 = rows[0]
            #expect(d2["runsTotal"] as? Int == 1 && d2["runsInProgress"] as? Int == 1 && d2["llmCalls"] as? Int == 1)
            #expect(d2["tokensIn"] as? Int == 10 && d2["tokensOut"] as? Int == 5 && abs((number(d2["costUsd"]) ?? 0) - 0.002) < 1e-12)
            #expect(d2["publishesSucceeded"] as? Int == 0 && d2["webhookEvents"] as? Int == 1 && d2["unpricedLlmCalls"] as? Int == 0)

            // Default range (30 days) adds today's connector run; limit keeps the newest.
            let recent = try await dashboardRows(client, server, "dashboard.analyticsSummary", ["limit": 1])
            #expect(recent.count == 1 && recent.first?["day"] as? String != seed.d3 && recent.first?["runsFailed"] as? Int == 1)

            let b = try await dashboardRows(client, server, "dashboard.analyticsSummary", Self.seededDays(seed), tenant: "tenant-b")
            #expect(b.map { $0["day"] as? String } == [seed.d3])
            #expect(b.first?["tokensIn"] as? Int == 7000 && b.first?["publishesSucceeded"] as? Int == 1 && b.first?["webhookEvents"] as? Int == 1)
        }
    }
}
