import Foundation
import HTTPCore
import HTTPFields
import TestSupport
import Testing

@testable import NeonHub

/// `/health`, `/metrics`, request ids and the error envelope, over real HTTP.
@Suite struct OperatorEndpointTests {
    @Test func healthReportsOkWithVersionAndUptime() async throws {
        try await withTestApp { _, client in
            let reply = try await client.get("/health")
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "application/json")
            let json = try reply.json()
            #expect(json["status"] as? String == "ok")
            #expect(json["version"] as? String == NeonHubVersion.current)
            #expect(json["uptimeSeconds"] is Int)
            #expect(json["checks"] is [String: Any])
        }
    }

    @Test func healthIsDegradedWhenACheckFails() async throws {
        try await withTestApp { server, client in
            server.health.set("database", "unreachable")
            let reply = try await client.get("/health")
            #expect(reply.status == 503)
            let json = try reply.json()
            #expect(json["status"] as? String == "degraded")
            #expect((json["checks"] as? [String: String])?["database"] == "unreachable")
            server.health.set("database", "ok")
            #expect(try await client.get("/health").status == 200)
        }
    }

    @Test func requestIdIsEchoedWhenSaneAndGeneratedOtherwise() async throws {
        try await withTestApp { _, client in
            let echoed = try await client.get("/health", headers: ["X-Request-Id": "abc-123.x"])
            #expect(echoed.header("x-request-id") == "abc-123.x")
            let replaced = try await client.get("/health", headers: ["X-Request-Id": "bad id with spaces"])
            let generated = try #require(replaced.header("x-request-id"))
            #expect(generated != "bad id with spaces")
            #expect(RequestID.isSane(generated))
            let other = try await client.get("/health")
            #expect(other.header("x-request-id") != generated)
        }
    }

    @Test func unknownPathsAnswer404EnvelopeAndCountAsUnmatched() async throws {
        try await withTestApp { _, client in
            let reply = try await client.get("/definitely/not/here?x=1")
            #expect(reply.status == 404)
            let error = try #require(try reply.json()["error"] as? [String: Any])
            #expect(error["code"] as? Int == -32004)
            let data = try #require(error["data"] as? [String: Any])
            #expect(data["code"] as? String == "NOT_FOUND")
            #expect(data["httpStatus"] as? Int == 404)
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains("neonhub_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"))
            #expect(!metrics.contains("definitely"))
        }
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        try await withTestApp { _, client in
            let reply = try await client.request("POST", "/health", body: Data("{}".utf8))
            #expect(reply.status == 405)
            #expect(reply.header("allow") == "GET, HEAD")
        }
    }

    @Test func metricsExposeEveryContractFamilyWithHelp() async throws {
        try await withTestApp { _, client in
            _ = try await client.get("/health")
            let reply = try await client.get("/metrics")
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "text/plain; version=0.0.4; charset=utf-8")
            let text = reply.text
            for family in [
                "neonhub_agent_runs_total", "neonhub_agent_run_duration_seconds", "neonhub_circuit_breaker_failures_total",
                "neonhub_http_requests_total", "neonhub_http_request_duration_seconds", "neonhub_db_query_duration_seconds",
                "neonhub_queue_jobs_added_total", "neonhub_connector_requests_total", "neonhub_rate_limit_hits_total",
                "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "process_max_fds",
                "process_start_time_seconds",
            ] {
                #expect(text.contains("# HELP \(family) "), "HELP for \(family)")
                #expect(text.contains("# TYPE \(family) "), "TYPE for \(family)")
            }
            #expect(text.contains("# TYPE process_cpu_seconds_total counter"))
            #expect(text.contains("neonhub_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1"))
            // Every TYPE line has a HELP line.
            let lines = text.split(separator: "\n")
            for line in lines where line.hasPrefix("# TYPE ") {
                let name = line.split(separator: " ")[2]
                #expect(lines.contains { $0.hasPrefix("# HELP \(name) ") }, "HELP for \(name)")
            }
        }
    }

    @Test func labelValuesAreEscaped() {
        let metrics = NeonHubMetrics()
        metrics.recordConnectorRequest(connector: "a\"b\\c\nd", action: "x", outcome: "ok")
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"connector="a\"b\\c\nd""#))
    }

    @Test func protocolErrorsUseTheEnvelope() {
        let response = ErrorEnvelope.protocolError(status: 431, reason: "too many header fields")
        #expect(response.status == 431)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains("\"code\":\"BAD_REQUEST\""))
        #expect(text.contains("\"httpStatus\":431"))
        #expect(text.contains("too many header fields"))
        #expect(response.headers["x-request-id"] != nil)
    }

    @Test func unknownMethodsShareOneMetricLabel() async throws {
        try await withTestApp { _, client in
            for i in 0..<3 { _ = try await client.request("X\(i)", "/nope") }
            let text = try await client.get("/metrics").text
            #expect(text.contains(#"neonhub_http_requests_total{method="OTHER",route="unmatched",status="404"} 3"#))
            #expect(!text.contains(#"method="X1""#))
        }
    }
}

/// The families the alert rules need beyond DESIGN §3: health checks, the pool, LLM cost
/// against its budget (configs/prometheus/alerts.yml reads them).
@Suite struct OperationalMetricsTests {
    @Test func healthPoolAndBudgetAreScrapedLive() async throws {
        try await withDatabaseApp({ $0.agentDailyCostBudgetUSD = 12.5 }) { server, client in
            var text = try await client.get("/metrics").text
            #expect(text.contains("neonhub_health_check_ok{check=\"database\"} 1"))
            #expect(text.contains("# TYPE neonhub_db_pool_connections gauge"))
            #expect(text.contains("neonhub_db_pool_connections{state=\"in_use\"} "))
            #expect(text.contains("neonhub_db_pool_waiters 0"))
            #expect(text.contains("neonhub_llm_daily_cost_budget_usd 12.5\n"))
            // The database check is a live probe; a set check shows the same way.
            server.health.set("queue", "stalled")
            text = try await client.get("/metrics").text
            #expect(text.contains("neonhub_health_check_ok{check=\"queue\"} 0"))
        }
    }

    @Test func llmCostIsCountedPerTenantAndAgent() {
        let metrics = NeonHubMetrics()
        metrics.recordLLMCost(tenant: "acme", agent: "content", usd: 0.25)
        metrics.recordLLMCost(tenant: "acme", agent: "content", usd: 0.5)
        metrics.recordLLMCost(tenant: "acme", agent: "seo", usd: 0)  // nothing spent: no series
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"neonhub_llm_cost_usd_total{tenant="acme",agent="content"} 0.75"#))
        #expect(!text.contains(#"agent="seo""#))
        #expect(text.contains("# HELP neonhub_llm_cost_usd_total "))
    }

    @Test func collectorTextEscapesLabelValues() {
        let text = NeonHubMetrics.renderHealthAndPool(checks: ["a\"b\\c\nd": "ok", "database": "unreachable"], pool: (size: 4, idle: 3, waiting: 2))
        #expect(text.contains(#"neonhub_health_check_ok{check="a\"b\\c\nd"} 1"#))
        #expect(text.contains(#"neonhub_health_check_ok{check="database"} 0"#))
        #expect(text.contains("neonhub_db_pool_connections{state=\"in_use\"} 1\n"))
        #expect(text.contains("neonhub_db_pool_connections{state=\"idle\"} 3\n"))
        #expect(text.contains("neonhub_db_pool_waiters 2\n"))
        #expect(!NeonHubMetrics.renderHealthAndPool(checks: [:], pool: nil).contains("pool"))
    }
}
