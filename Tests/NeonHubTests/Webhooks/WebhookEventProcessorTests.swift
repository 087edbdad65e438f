import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// `WebhookEventProcessor` against a real database: the trigger's agent runs with the event
/// in its input, the event records the run, a tenant override turns a trigger off, and
/// publish-status events confirm the publish job they name.
@Suite struct WebhookEventProcessorTests {
    /// Posts the suite's signed Shopify order with `webhookID` and returns its row id.
    static func deliverOrder(_ client: HTTPTestClient, _ pool: PostgresPool, webhookID: String) async throws -> UUID {
        let reply = try await client.request(
            "POST", "/webhooks/shopify", headers: WebhookEndToEndTests.shopifyHeaders(webhookID: webhookID),
            body: Data(WebhookEndToEndTests.order.utf8))
        #expect(reply.status == 200)
        return try await pool.query("SELECT id FROM webhook_events WHERE event_id = \(webhookID)")[0].decode("id", as: UUID.self)
    }

    @Test func theTriggersAgentRunsWithTheEventAndTheEventRecordsTheRun() async throws {
        try await withDatabaseApp(WebhookEndToEndTests.plant) { server, client in
            let pool = try #require(server.database?.pool)
            _ = try await WebhookEndToEndTests.connectShop(pool)
            let rowID = try await Self.deliverOrder(client, pool, webhookID: "order-evt-1")

            try await server.webhookProcessor.process(eventRowID: rowID)

            let event = try await pool.query("SELECT status, run_id, processed_at IS NOT NULL AS done FROM webhook_events WHERE id = \(rowID)")[0]
            #expect(try event.decode("status", as: String.self) == "processed")
            #expect(try event.decode("done", as: Bool.self))
            let runID = try event.decode("run_id", as: UUID.self)
            let run = try await pool.query("SELECT agent, intent, status, tenant_id, input FROM agent_runs WHERE id = \(runID)")[0]
            // configs/triggers.json: shopify orders/create → the email agent, intent campaign.
            #expect(try run.decode("agent", as: String.self) == "email")
            #expect(try run.decode("intent", as: String.self) == "campaign")
            #expect(try run.decode("status", as: String.self) == "succeeded")
            #expect(try run.decode("tenant_id", as: String.self) == "tenant-a")
            let input = try run.decodeJSON("input", as: JSONValue.self)
            #expect(JSONPath.text(JSONPath.value(at: "webhookEvent.eventId", in: input)) == "order-evt-1")
            #expect(JSONPath.text(JSONPath.value(at: "webhookEvent.id", in: input)) == rowID.uuidString.lowercased())
            #expect(JSONPath.text(input["campaign"])?.contains("order #1001 (199.00 USD)") == true)

            // Processing again (a retried job) changes nothing and starts no second run.
            try await server.webhookProcessor.process(eventRowID: rowID)
            #expect(try await WebhookEndToEndTests.count(pool, "SELECT count(*)::int FROM agent_runs") == 1)
        }
    }

    @Test func theQueueWorkersRunWebhookEventJobs() async throws {
        try await withDatabaseApp({
            WebhookEndToEndTests.plant(&$0); $0.workers = 1
        }) { server, client in
            let pool = try #require(server.database?.pool)
            _ = try await WebhookEndToEndTests.connectShop(pool)
            let rowID = try await Self.deliverOrder(client, pool, webhookID: "order-evt-queued")
            let deadline = ContinuousClock.now + .seconds(60)
            var status = "", jobStatus = ""
            // The event is marked processed inside the job; the job's own state is written just after.
            while ContinuousClock.now < deadline {
                status = try await pool.query("SELECT status FROM webhook_events WHERE id = \(rowID)")[0].decode("status", as: String.self)
                jobStatus = try await pool.query("SELECT status FROM publish_jobs WHERE webhook_event_id = \(rowID)")[0].decode(
                    "status", as: String.self)
                if status != "received", jobStatus != "queued", jobStatus != "running" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(status == "processed")
            #expect(jobStatus == "succeeded")
            #expect(try await WebhookEndToEndTests.count(pool, "SELECT count(*)::int FROM agent_runs WHERE agent = 'email'") == 1)
        }
    }

    @Test func aTenantOverrideDisablesTheTrigger() async throws {
        try await withDatabaseApp(WebhookEndToEndTests.plant) { server, client in
            let pool = try #require(server.database?.pool)
            _ = try await WebhookEndToEndTests.connectShop(pool)
            _ = try await pool.execute(
                "INSERT INTO webhook_triggers (tenant_id, connector, event_type, enabled) VALUES ('tenant-a', 'shopify', 'orders/create', false)")
            let rowID = try await Self.deliverOrder(client, pool, webhookID: "order-evt-2")

            try await server.webhookProcessor.process(eventRowID: rowID)

            let event = try await pool.query("SELECT status, run_id FROM webhook_events WHERE id = \(rowID)")[0]
            #expect(try event.decode("status", as: String.self) == "ignored")
            #expect(try event.decode("run_id", as: UUID?.self) == nil)
            #expect(try await WebhookEndToEndTests.count(pool, "SELECT count(*)::int FROM agent_runs") == 0)

            // Re-enabled with another agent: the override's agent runs.
            _ = try await pool.execute("UPDATE webhook_triggers SET enabled = true, agent = 'support', intent = 'triage'")
            let second = try await Self.deliverOrder(client, pool, webhookID: "order-evt-3")
            try await server.webhookProcessor.process(eventRowID: second)
            let agent = try await pool.query("SELECT r.agent FROM webhook_events e JOIN agent_runs r ON r.id = e.run_id WHERE e.id = \(second)")
            // The support agent needs a message the email template does not give: the run fails and the event says so.
            #expect(try agent.first?.decode("agent", as: String.self) == "support")
            #expect(try await pool.query("SELECT status FROM webhook_events WHERE id = \(second)")[0].decode("status", as: String.self) == "failed")
        }
    }

    /// How many runs an agent made.
    final class Runs: Sendable {
        let count = Mutex(0)
    }

    /// Fails its first run as a provider outage would, then succeeds.
    struct FlakyAgent: Agent {
        let name = "flaky"
        let description = "fails once for a passing reason"
        let intents = ["triage"]
        let runs = Runs()
        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            let run = runs.count.withLock { count -> Int in
                count += 1
                return count
            }
            if run == 1 { throw ConnectorError(.providerUnavailable, "Shopify answered 503") }
            return .object(["run": .number(Double(run))])
        }
    }

    /// Found by a review: a trigger's run that failed because a provider (or the model) was
    /// down marked the event `failed` and its job succeeded, so the event's work was lost for
    /// good — and a retry would have found the failed run under the same key. The job now
    /// fails, and its retry starts a new run keyed after the failed one.
    @Test func aRunFailedForAPassingReasonIsTriedAgainWithANewRun() async throws {
        let agent = FlakyAgent()
        try await withDatabaseApp(agents: [agent], WebhookEndToEndTests.plant) { server, client in
            let pool = try #require(server.database?.pool)
            _ = try await WebhookEndToEndTests.connectShop(pool)
            _ = try await pool.execute(
                """
                INSERT INTO webhook_triggers (tenant_id, connector, event_type, agent, intent, enabled)
                VALUES ('tenant-a', 'shopify', 'orders/create', 'flaky', 'triage', true)
                """)
            let rowID = try await Self.deliverOrder(client, pool, webhookID: "order-evt-flaky")
            await #expect(throws: WebhookError.self) { try await server.webhookProcessor.process(eventRowID: rowID) }
            let failed = try await pool.query("SELECT status, run_id FROM webhook_events WHERE id = \(rowID)")[0]
            #expect(try failed.decode("status", as: String.self) == "failed")
            let firstRun = try failed.decode("run_id", as: UUID.self)
            let stored = try await pool.query("SELECT error FROM agent_runs WHERE id = \(firstRun)")[0].decodeJSON("error", as: JSONValue.self)
            #expect(stored["transient"] == .bool(true))

            try await server.webhookProcessor.process(eventRowID: rowID)  // the job's retry
            let done = try await pool.query("SELECT status, run_id FROM webhook_events WHERE id = \(rowID)")[0]
            #expect(try done.decode("status", as: String.self) == "processed")
            let secondRun = try done.decode("run_id", as: UUID.self)
            #expect(secondRun != firstRun)
            #expect(try await pool.query("SELECT status FROM agent_runs WHERE id = \(secondRun)")[0].decode("status", as: String.self) == "succeeded")
            #expect(agent.runs.count.withLock { $0 } == 2)
            try await server.webhookProcessor.process(eventRowID: rowID)  // done: nothing more
            #expect(agent.runs.count.withLock { $0 } == 2)
        }
    }

    @Test func anUnknownEventIdIsAnError() async throws {
        try await withDatabaseApp { server, _ in
            await #expect(throws: WebhookError.self) { try await server.webhookProcessor.process(eventRowID: UUID()) }
        }
    }

    @Test func aTikTokPublishCompleteConfirmsThePublishJob() async throws {
        try await withDatabaseApp(WebhookEndToEndTests.plant) { server, client in
            let pool = try #require(server.database?.pool)
            let connectionID = try await pool.query(
                """
                INSERT INTO connections (tenant_id, connector, name, external_account_id) VALUES ('tenant-a', 'tiktok', 'TikTok', 'openid-7') RETURNING id
                """)[0].decode("id", as: UUID.self)
            _ = try await pool.execute(
                """
                INSERT INTO publish_jobs (tenant_id, kind, status, connection_id, connector, idempotency_key, max_attempts, remote_id)
                VALUES ('tenant-a', 'publish', 'unknown', \(connectionID), 'tiktok', 'post-1', 8, 'v_pub_file~v2-1.7')
                """)
            let body =
                #"{"client_key":"awtest","event":"post.publish.complete","create_time":1767225600,"user_openid":"openid-7","content":"{\"publish_id\":\"v_pub_file~v2-1.7\",\"publish_type\":\"DIRECT_PUBLISH\"}"}"#
            let t = Int(Date().timeIntervalSince1970)
            let s = WebhookEncoding.hex(HMACSHA256.authenticate(message: Array("\(t).\(body)".utf8), key: Array("tiktok-secret-e2e-6e3a".utf8)))
            #expect(
                try await client.request("POST", "/webhooks/tiktok", headers: ["TikTok-Signature": "t=\(t),s=\(s)"], body: Data(body.utf8)).status
                    == 200)
            let rowID = try await pool.query("SELECT id FROM webhook_events")[0].decode("id", as: UUID.self)

            try await server.webhookProcessor.process(eventRowID: rowID)

            let job = try await pool.query("SELECT status, result FROM publish_jobs WHERE idempotency_key = 'post-1'")[0]
            #expect(try job.decode("status", as: String.self) == "succeeded")
            #expect(
                JSONPath.text(JSONPath.value(at: "webhook.event", in: try job.decodeJSON("result", as: JSONValue.self))) == "post.publish.complete")
            #expect(try await pool.query("SELECT status FROM webhook_events WHERE id = \(rowID)")[0].decode("status", as: String.self) == "processed")
        }
    }
}
