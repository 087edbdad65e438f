import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// Polling triggers run end to end, on a real database and the real server, against the
/// Opsgenie fake: a trigger file maps Opsgenie's `incidents.open` to the support agent; the
/// first poll of the connection only learns the open incidents; an incident opened afterwards
/// is stored once as a `poll` event with its processing job, and processing it runs the agent
/// with the incident in its input; polling again stores nothing twice; a tenant that turned the
/// trigger off is not polled; a refused key is recorded as the poll's error and stops the polls.
@Suite struct TriggerPollerTests {
    static let triggers = """
        {"triggers": [{"connector": "opsgenie", "eventType": "incidents.open", "agent": "support", "intent": "triage",
                       "input": {"message": "Incident {{tinyId}} ({{priority}}): {{message}}", "channel": "chat"}}]}
        """

    /// The app with Opsgenie on `fake`, the trigger file above, a connected key; `body` gets the
    /// server, the client, the pool and the connection id.
    static func withPolledOpsgenie(
        _ fake: OpsgenieFake, _ body: (NeonHubServer, HTTPTestClient, PostgresPool, UUID) async throws -> Void
    ) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("triggers-\(UUID().uuidString).json")
        try Data(triggers.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let endpoints = try OAuthTestSupport.endpointsFile(["opsgenie": ["baseUrl": fake.baseURL]])
        try await withDatabaseApp({
            OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:])
            $0.triggersFile = file.path
        }) { server, client in
            let pool = try #require(server.database?.pool)
            let connected = try await OpsgenieConnectionTests.connect(client, key: OpsgenieFake.apiKey)
            let id = try #require(resultData(try connected.json())?["id"] as? String)
            try await body(server, client, pool, try #require(UUID(uuidString: id)))
        }
    }

    static func polls(_ pool: PostgresPool, _ id: UUID) async throws -> PostgresRow? {
        try await pool.query(
            "SELECT polls, events, jsonb_array_length(seen) AS seen, learned_at IS NOT NULL AS learned, last_error FROM trigger_polls WHERE connection_id = \(id)"
        ).first
    }

    static func makeDue(_ pool: PostgresPool) async throws { try await pool.execute("UPDATE trigger_polls SET next_poll_at = now()") }

    @Test func aNewIncidentBecomesOneEventThatRunsTheTriggersAgent() async throws {
        let fake = OpsgenieFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withPolledOpsgenie(fake) { server, client, pool, id in
                let reads = fake.server.requests("GET", "/v1/incidents").count
                let learning = try await server.triggerPoller.pass()
                #expect(learning == TriggerPoller.PassResult(polled: 1, events: 0, failed: 0), "the first poll only learns")
                #expect(fake.server.requests("GET", "/v1/incidents").count == reads + 1)
                let learned = try #require(try await Self.polls(pool, id))
                #expect(try learned.decode("learned", as: Bool.self) && learned.decode("seen", as: Int.self) == 2, "the two open incidents")
                #expect(try await server.triggerPoller.pass().polled == 0, "not due again before its interval")

                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction",
                    ["connectionId": id.uuidString, "action": "incidents.create", "input": ["message": "Checkout is down", "priority": "P1"]])
                #expect(status == 200, "\(envelope)")
                let incident = try #require(fake.incidents.last)
                try await Self.makeDue(pool)
                #expect(try await server.triggerPoller.pass() == TriggerPoller.PassResult(polled: 1, events: 1, failed: 0))

                let stored = try await pool.query(
                    """
                    SELECT id, event_id, event_type, source, status, tenant_id, connection_id, payload FROM webhook_events WHERE connector = 'opsgenie'
                    """)
                #expect(stored.count == 1)
                let event = try #require(stored.first)
                #expect(try event.decode("event_type", as: String.self) == "incidents.open")
                #expect(try event.decode("source", as: String.self) == "poll" && event.decode("status", as: String.self) == "received")
                #expect(try event.decode("tenant_id", as: String.self) == "tenant-a" && event.decode("connection_id", as: UUID.self) == id)
                let payload = try event.decode("payload", as: JSONValue.self)
                #expect(payload["id"] == .string(incident.id) && payload["message"] == .string("Checkout is down"))
                let rowID = try event.decode("id", as: UUID.self)
                let jobs = try await pool.query("SELECT status FROM publish_jobs WHERE kind = 'webhook_event' AND webhook_event_id = \(rowID)")
                #expect(jobs.count == 1, "queued with the event, in its transaction")

                try await server.webhookProcessor.process(eventRowID: rowID)
                let processed = try #require(
                    try await pool.query("SELECT status, run_id FROM webhook_events WHERE id = \(rowID)").first)
                #expect(try processed.decode("status", as: String.self) == "processed")
                let runID = try #require(try processed.decode("run_id", as: UUID?.self))
                let run = try #require(try await pool.query("SELECT agent, input FROM agent_runs WHERE id = \(runID)").first)
                #expect(try run.decode("agent", as: String.self) == "support")
                let input = try run.decode("input", as: JSONValue.self)
                #expect(input["message"] == .string("Incident \(incident.tinyID) (P1): Checkout is down"))
                let eventID = try event.decode("event_id", as: String.self)
                #expect(eventID.hasPrefix("poll:incidents.open:\(id.uuidString.lowercased()):"))
                #expect(input["webhookEvent"]?["eventId"] == .string(eventID))

                // Polling again finds the same incidents: nothing is stored twice.
                try await Self.makeDue(pool)
                #expect(try await server.triggerPoller.pass() == TriggerPoller.PassResult(polled: 1, events: 0, failed: 0))
                #expect(try await pool.query("SELECT 1 FROM webhook_events").count == 1)
                let after = try #require(try await Self.polls(pool, id))
                #expect(try after.decode("polls", as: Int.self) == 3 && after.decode("events", as: Int.self) == 1)
                let metrics = String(decoding: server.metrics.render(), as: UTF8.self)
                #expect(metrics.contains(#"neonhub_trigger_polls_total{connector="opsgenie",trigger="incidents.open",outcome="ok"} 3"#))
                #expect(metrics.contains(#"neonhub_trigger_polled_events_total{connector="opsgenie",trigger="incidents.open"} 1"#))

                // The tenant turns the trigger off: the connection is no longer polled.
                try await pool.execute(
                    "INSERT INTO webhook_triggers (tenant_id, connector, event_type, enabled) VALUES ('tenant-a', 'opsgenie', 'incidents.open', false)"
                )
                try await Self.makeDue(pool)
                #expect(try await server.triggerPoller.pass().polled == 0)
            }
        }
    }

    @Test func aRefusedKeyIsThePollsErrorAndTheMemoryStays() async throws {
        let fake = OpsgenieFake()
        try fake.start()
        try await fake.server.serving {
            try await Self.withPolledOpsgenie(fake) { server, _, pool, id in
                _ = try await server.triggerPoller.pass()
                fake.revoke(key: OpsgenieFake.apiKey)
                fake.addIncidents(1)
                try await Self.makeDue(pool)
                #expect(try await server.triggerPoller.pass() == TriggerPoller.PassResult(polled: 1, events: 0, failed: 1))
                let failed = try #require(try await Self.polls(pool, id))
                let reason = try #require(try failed.decode("last_error", as: String?.self))
                #expect(!reason.isEmpty && !reason.contains(OpsgenieFake.apiKey), "\(reason)")
                #expect(try failed.decode("seen", as: Int.self) == 2 && failed.decode("learned", as: Bool.self), "the memory stays")
                #expect(try await pool.query("SELECT 1 FROM webhook_events").count == 0)
                let status = try await pool.query("SELECT status FROM connections WHERE id = \(id)").first?.decode("status", as: String.self)
                #expect(status == "attention")
                try await Self.makeDue(pool)
                #expect(try await server.triggerPoller.pass().polled == 0, "a connection that needs attention is not polled")
            }
        }
    }
}
