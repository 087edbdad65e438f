import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// `dashboard.connectorHealth`, `recentErrors`, `tokenHealth` and `healthCheckTrends` over the
/// rows of `Fixtures/dashboard/seed.sql`: exact numbers for tenant-a, and tenant-b's rows
/// (same connectors, same hours) never in them.
@Suite struct DashboardHealthTests {
    @Test func connectorHealthCountsConnectionsChecksAndFailuresPerConnector() async throws {
        try await DashboardSeed.withSeededApp { server, client, seed in
            let rows = try await dashboardRows(client, server, "dashboard.connectorHealth")
            #expect(rows.map { $0["connector"] as? String } == ["linkedin", "meta", "slack"])
            let meta = rows[1], linkedin = rows[0], slack = rows[2]
            // meta: Acme Page + Meta Business active, Acme Instagram in attention.
            #expect(meta["connectionsTotal"] as? Int == 3 && meta["connectionsActive"] as? Int == 2)
            #expect(meta["connectionsAttention"] as? Int == 1 && meta["connectionsRevoked"] as? Int == 0)
            // Three checks in 24 h (the 30 h and 8 day old ones are out), two of them ok.
            #expect(meta["healthChecks24h"] as? Int == 3)
            #expect(abs((number(meta["healthOkRatio24h"]) ?? 0) - 2.0 / 3.0) < 1e-9)
            // Two failed connector.action calls in 24 h (not the succeeded one, not the 48 h old one,
            // not the calculator) plus two failed attempts of job 8.
            #expect(meta["failedRequests24h"] as? Int == 4)
            #expect(instant(meta["lastHealthCheck"]) == seed.hour.addingTimeInterval(-90 * 60))
            #expect(linkedin["connectionsTotal"] as? Int == 3 && linkedin["connectionsActive"] as? Int == 2)
            #expect(linkedin["connectionsRevoked"] as? Int == 1 && linkedin["healthChecks24h"] as? Int == 1)
            #expect(number(linkedin["healthOkRatio24h"]) == 1 && linkedin["failedRequests24h"] as? Int == 2)
            // No check at all: no ratio (absent, not zero).
            #expect(slack["healthChecks24h"] as? Int == 0 && slack["healthOkRatio24h"] == nil && slack["lastHealthCheck"] == nil)

            let filtered = try await dashboardRows(client, server, "dashboard.connectorHealth", ["connector": "meta"])
            #expect(filtered.count == 1 && filtered.first?["connectionsTotal"] as? Int == 3)

            let b = try await dashboardRows(client, server, "dashboard.connectorHealth", tenant: "tenant-b")
            #expect(b.map { $0["connector"] as? String } == ["linkedin", "meta"])
            #expect(b[1]["connectionsTotal"] as? Int == 1 && b[1]["healthChecks24h"] as? Int == 2 && number(b[1]["healthOkRatio24h"]) == 0.5)
            #expect(b[1]["failedRequests24h"] as? Int == 2)
            let nobody = try await dashboardRows(client, server, "dashboard.connectorHealth", tenant: "tenant-c")
            #expect(nobody.isEmpty)
        }
    }

    @Test func recentErrorsMergeTheThreeSourcesMostRecentFirst() async throws {
        try await DashboardSeed.withSeededApp { server, client, seed in
            let rows = try await dashboardRows(client, server, "dashboard.recentErrors")
            #expect(
                rows.map { $0["code"] as? String } == [
                    "needs_attention", "rate_limited", "health_check_failed", "permanent", "retryable", "health_check_failed",
                    "permanent", "retryable", "retryable", "retryable",
                ])
            #expect(
                rows.map { $0["message"] as? String } == [
                    "Refresh refused: invalid_grant", "rate limited", "HTTP 500 from graph.facebook.com", "duplicate content",
                    "timeout after send", "token expired", "invalid media", "bad gateway", "bad gateway", "HTTP 503 from graph.facebook.com",
                ])
            #expect(
                rows.map { $0["source"] as? String } == [
                    "connection", "publish_attempt", "health_check", "publish_attempt", "publish_attempt", "health_check",
                    "publish_attempt", "publish_attempt", "publish_attempt", "publish_attempt",
                ])
            #expect(rows[0]["id"] as? String == "connection:aaaaaaaa-0000-0000-0000-000000000002")
            #expect((rows[0]["connectionId"] as? String)?.lowercased() == "aaaaaaaa-0000-0000-0000-000000000002")
            #expect((rows[1]["jobId"] as? String)?.lowercased() == "aaaaaaaa-0000-0000-0001-000000000007")
            #expect(rows[1]["httpStatus"] as? Int == 429 && rows[1]["connector"] as? String == "linkedin")
            #expect(instant(rows[2]["occurredAt"]) == seed.hour.addingTimeInterval(-90 * 60))
            #expect(rows[2]["jobId"] == nil && rows[2]["httpStatus"] == nil)
            let times = rows.compactMap { instant($0["occurredAt"]) }
            #expect(times.count == 10 && times == times.sorted(by: >))
            #expect(!rows.contains { ($0["message"] as? String ?? "").contains("tenant-b") })

            let first = try await dashboardRows(client, server, "dashboard.recentErrors", ["limit": 3])
            #expect(first.map { $0["code"] as? String } == ["needs_attention", "rate_limited", "health_check_failed"])
            let checks = try await dashboardRows(client, server, "dashboard.recentErrors", ["source": "health_check"])
            #expect(checks.map { $0["message"] as? String } == ["HTTP 500 from graph.facebook.com", "token expired"])
            let linkedin = try await dashboardRows(client, server, "dashboard.recentErrors", ["connector": "linkedin"])
            #expect(linkedin.map { $0["message"] as? String } == ["rate limited"])
            let since = ISO8601DateFormatter().string(from: seed.hour.addingTimeInterval(-2 * 3600))
            let recent = try await dashboardRows(client, server, "dashboard.recentErrors", ["from": since])
            #expect(recent.map { $0["code"] as? String } == ["needs_attention", "rate_limited", "health_check_failed"])

            let b = try await dashboardRows(client, server, "dashboard.recentErrors", tenant: "tenant-b")
            #expect(b.map { $0["message"] as? String } == ["tenant-b: token revoked", "tenant-b: failure", "tenant-b: health failed"])
            let (status, envelope) = try await client.query("dashboard.recentErrors", ["limit": 501])
            #expect(status == 400 && errorCode(envelope) == "BAD_REQUEST")
        }
    }

    @Test func tokenHealthStatesEachLiveConnectionSoonestExpiryFirst() async throws {
        try await DashboardSeed.withSeededApp { server, client, _ in
            let rows = try await dashboardRows(client, server, "dashboard.tokenHealth")
            // The revoked Old LinkedIn is not listed; the two without expiry come last, by name.
            #expect(
                rows.map { $0["name"] as? String } == [
                    "Acme Instagram", "Acme LinkedIn Org", "Acme LinkedIn", "Acme Page", "Meta Business", "Slack Workspace",
                ])
            #expect(rows.map { $0["state"] as? String } == ["attention", "expired", "expiring", "ok", "no_expiry", "no_expiry"])
            #expect(rows.map { $0["hasRefreshToken"] as? Bool } == [false, false, false, true, false, false])
            #expect(rows.map { $0["refreshFailures"] as? Int } == [3, 1, 0, 0, 0, 0])
            let expiring = try #require(rows[2]["secondsUntilExpiry"] as? Int)
            #expect(expiring > 7000 && expiring <= 7200)
            let expired = try #require(rows[1]["secondsUntilExpiry"] as? Int)
            #expect(expired < -590 && expired >= -700)
            #expect(rows[4]["secondsUntilExpiry"] == nil && rows[4]["tokenExpiresAt"] == nil)
            #expect(instant(rows[3]["nextRefreshAt"]) != nil && instant(rows[3]["lastRefreshAt"]) != nil)

            let attention = try await dashboardRows(client, server, "dashboard.tokenHealth", ["state": "attention"])
            #expect(attention.map { $0["name"] as? String } == ["Acme Instagram"])
            let linkedin = try await dashboardRows(client, server, "dashboard.tokenHealth", ["connector": "linkedin"])
            #expect(linkedin.map { $0["state"] as? String } == ["expired", "expiring"])
            let b = try await dashboardRows(client, server, "dashboard.tokenHealth", tenant: "tenant-b")
            // Same expiry (seeded in one transaction): by name.
            #expect(b.map { $0["name"] as? String } == ["Beta LinkedIn", "Beta Page"])
            #expect(b.map { $0["state"] as? String } == ["expiring", "attention"])
        }
    }

    @Test func healthCheckTrendsAggregatePerConnectorAndHourOverSevenDays() async throws {
        try await DashboardSeed.withSeededApp { server, client, seed in
            let rows = try await dashboardRows(client, server, "dashboard.healthCheckTrends")
            let twoHoursAgo = seed.hour.addingTimeInterval(-2 * 3600)
            #expect(rows.map { $0["connector"] as? String } == ["linkedin", "meta", "meta"])
            #expect(rows.prefix(2).allSatisfy { instant($0["hour"]) == twoHoursAgo })
            // meta in that hour: 100 and 200 ok, 300 error → mean 200, p95 290 (interpolated).
            let meta = rows[1]
            #expect(meta["checks"] as? Int == 3 && meta["ok"] as? Int == 2 && meta["errors"] as? Int == 1)
            #expect(number(meta["avgLatencyMs"]) == 200 && number(meta["p95LatencyMs"]) == 290)
            #expect(rows[0]["checks"] as? Int == 1 && number(rows[0]["avgLatencyMs"]) == 40 && number(rows[0]["p95LatencyMs"]) == 40)
            // 30 h ago: one error without latency; the check 8 days ago is not in the view.
            let old = rows[2]
            #expect(old["checks"] as? Int == 1 && old["errors"] as? Int == 1 && old["avgLatencyMs"] == nil && old["p95LatencyMs"] == nil)
            #expect((instant(old["hour"]).map { twoHoursAgo.timeIntervalSince($0) } ?? 0) > 24 * 3600)

            let since = ISO8601DateFormatter().string(from: twoHoursAgo.addingTimeInterval(30 * 60))
            let recent = try await dashboardRows(client, server, "dashboard.healthCheckTrends", ["from": since, "connector": "meta"])
            #expect(recent.count == 1 && recent.first?["checks"] as? Int == 3)

            let b = try await dashboardRows(client, server, "dashboard.healthCheckTrends", tenant: "tenant-b")
            #expect(b.count == 1 && b.first?["checks"] as? Int == 2 && number(b.first?["avgLatencyMs"]) == 999)
        }
    }
}
