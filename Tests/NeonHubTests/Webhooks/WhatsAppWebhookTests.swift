import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// WhatsApp's `messages` webhooks (statuses of sent messages and inbound messages, as Meta's
/// status webhook reference shows them, built by the WhatsApp Cloud fake): one event per status
/// or message, routed by the phone number id, and a status applied to the publish job whose
/// remote id is the message's wamid.
@Suite struct WhatsAppWebhookTests {
    static let fake = WhatsAppCloudFake()

    @Test func eachStatusIsOneEventRoutedByThePhoneNumberId() throws {
        let body = Self.fake.statusWebhook(
            [(wamid: "wamid.A1", status: "delivered", errorCode: nil), (wamid: "wamid.B2", status: "failed", errorCode: 131047)],
            phoneNumberID: Self.fake.phoneNumbers[1].id)
        let events = try WebhookEventParserTests.events(.whatsapp, body)
        #expect(events.map(\.eventID) == ["wamid.A1:delivered", "wamid.B2:failed"])
        #expect(events.map(\.eventType) == ["message.status", "message.status"])
        #expect(events.map(\.accountID) == [Self.fake.phoneNumbers[1].id, Self.fake.phoneNumbers[1].id])
        #expect(JSONPath.value(at: "value.statuses.0.id", in: events[1].payload) == .string("wamid.B2"))
        #expect(JSONPath.value(at: "value.statuses.1", in: events[1].payload) == nil, "each event keeps only its own status")
        #expect(JSONPath.value(at: "value.statuses.0.errors.0.code", in: events[1].payload) == .number(131047))

        #expect(
            PublishStatusUpdate.from(connector: .whatsapp, eventType: events[0].eventType, payload: events[0].payload)
                == PublishStatusUpdate(remoteID: "wamid.A1", confirmed: true, remoteURL: nil))
        #expect(
            PublishStatusUpdate.from(connector: .whatsapp, eventType: events[1].eventType, payload: events[1].payload)
                == PublishStatusUpdate(remoteID: "wamid.B2", confirmed: false, remoteURL: nil))
        // The same status redelivered has the same id (deduplicated); the next status of the message is a new event.
        let again = try WebhookEventParserTests.events(.whatsapp, Self.fake.statusWebhook([(wamid: "wamid.A1", status: "delivered", errorCode: nil)]))
        let read = try WebhookEventParserTests.events(.whatsapp, Self.fake.statusWebhook([(wamid: "wamid.A1", status: "read", errorCode: nil)]))
        #expect(again[0].eventID == events[0].eventID)
        #expect(read[0].eventID == "wamid.A1:read")
    }

    @Test func inboundMessagesAndOtherFieldsAreEventsToo() throws {
        let body =
            #"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"14155550100","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sam"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.IN1","timestamp":"1772380000","type":"text","text":{"body":"Is my order on its way?"}}]}},{"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":1234567890123451,"message_template_name":"order_shipped","message_template_language":"en_US"}}]}]}"#
        let events = try WebhookEventParserTests.events(.whatsapp, body)
        #expect(events.map(\.eventType) == ["messages", "message_template_status_update"])
        #expect(events[0].eventID == "wamid.IN1")
        #expect(events[0].accountID == "106540352242922")
        #expect(JSONPath.text(JSONPath.value(at: "value.messages.0.text.body", in: events[0].payload)) == "Is my order on its way?")
        #expect(JSONPath.text(JSONPath.value(at: "value.contacts.0.wa_id", in: events[0].payload)) == "16505551234")
        #expect(events[1].accountID == "102290129340398", "a WABA-level change is the WABA's")
        #expect(PublishStatusUpdate.from(connector: .whatsapp, eventType: events[0].eventType, payload: events[0].payload) == nil)
    }

    @Test func aDeliveredStatusConfirmsTheSendAndAFailedOneIsRecorded() async throws {
        try await withDatabaseApp(WebhookEndToEndTests.plant) { server, client in
            let pool = try #require(server.database?.pool)
            let phone = Self.fake.phoneNumbers[0].id
            let connectionID = try await pool.query(
                """
                INSERT INTO connections (tenant_id, connector, name, accounts) VALUES ('tenant-a', 'whatsapp', 'WhatsApp', \("[{\"id\": \"\(phone)\", \"name\": \"NeonHub Demo\", \"kind\": \"phone_number\"}]")::jsonb) RETURNING id
                """)[0].decode("id", as: UUID.self)
            for (key, wamid) in [("send-1", "wamid.A1"), ("send-2", "wamid.B2")] {
                _ = try await pool.execute(
                    """
                    INSERT INTO publish_jobs (tenant_id, kind, status, connection_id, connector, idempotency_key, max_attempts, remote_id)
                    VALUES ('tenant-a', 'publish', 'unknown', \(connectionID), 'whatsapp', \(key), 8, \(wamid))
                    """)
            }
            let body = Self.fake.statusWebhook([
                (wamid: "wamid.A1", status: "delivered", errorCode: nil), (wamid: "wamid.B2", status: "failed", errorCode: 131047),
            ])
            let signature =
                "sha256=" + WebhookEncoding.hex(HMACSHA256.authenticate(message: Array(body.utf8), key: Array("meta-secret-e2e-91ab".utf8)))
            let reply = try await client.request("POST", "/webhooks/whatsapp", headers: ["X-Hub-Signature-256": signature], body: Data(body.utf8))
            #expect(reply.status == 200)
            #expect(try reply.json()["received"] as? Int == 2)
            let rows = try await pool.query("SELECT id, status FROM webhook_events WHERE connector = 'whatsapp' ORDER BY event_id")
            #expect(
                try rows.map { try $0.decode("status", as: String.self) } == ["received", "received"],
                "routed to the connection by its phone number id")
            for row in rows { try await server.webhookProcessor.process(eventRowID: try row.decode("id", as: UUID.self)) }

            let delivered = try await pool.query("SELECT status, result FROM publish_jobs WHERE idempotency_key = 'send-1'")[0]
            #expect(try delivered.decode("status", as: String.self) == "succeeded")
            #expect(
                JSONPath.text(JSONPath.value(at: "webhook.value.statuses.0.status", in: try delivered.decodeJSON("result", as: JSONValue.self)))
                    == "delivered")
            let failed = try await pool.query("SELECT status, result FROM publish_jobs WHERE idempotency_key = 'send-2'")[0]
            #expect(try failed.decode("status", as: String.self) == "unknown", "a failed status confirms nothing")
            #expect(
                JSONPath.value(at: "webhook.value.statuses.0.errors.0.code", in: try failed.decodeJSON("result", as: JSONValue.self))
                    == .number(131047))

            // Meta redelivers: the same statuses are duplicates, stored once.
            let redelivered = try await client.request(
                "POST", "/webhooks/whatsapp", headers: ["X-Hub-Signature-256": signature], body: Data(body.utf8))
            #expect(redelivered.status == 200)
            #expect(try await WebhookEndToEndTests.count(pool, "SELECT count(*)::int FROM webhook_events WHERE connector = 'whatsapp'") == 2)
        }
    }
}
