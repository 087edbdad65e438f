import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A polling trigger whose action acts as one account of the connection, end to end on a real
/// database and the real server, against the Xero fake: a Xero connection reaches two
/// organisations; `invoices.changed` (mapped to the support agent by a trigger file) reads each
/// organisation with its own `xero-tenant-id`; an invoice added to the second becomes one event
/// routed to that organisation; an organisation that goes offline does not hold back the other,
/// and its reason is the poll's error; nothing is stored twice.
@Suite struct PerAccountPollTests {
    static let triggers = """
        {"triggers": [{"connector": "xero", "eventType": "invoices.changed", "agent": "support", "intent": "triage",
                       "input": {"message": "Invoice {{number}} is {{status}}", "channel": "chat"}}]}
        """

    static func events(_ pool: PostgresPool) async throws -> [PostgresRow] {
        try await pool.query("SELECT event_id, account_id, payload FROM webhook_events WHERE connector = 'xero' ORDER BY received_at")
    }

    @Test func eachOrganisationIsPolledAsItselfAndANewInvoiceIsOneEventOfItsOrganisation() async throws {
        let fake = XeroFake()
        fake.newApp = true
        try fake.start()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("triggers-\(UUID().uuidString).json")
        try Data(Self.triggers.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try await fake.server.serving {
            let endpoints = try XeroConnectionTests.endpoints(fake)
            try await withDatabaseApp({
                OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["XERO": fake.app])
                $0.triggersFile = file.path
            }) { server, client in
                let pool = try #require(server.database?.pool)
                let id = try await OAuthTestSupport.connect(client, connector: "xero") { query in fake.authorize(query).code ?? "" }
                let (first, second) = (XeroFake.tenants[0].id, XeroFake.tenants[1].id)
                fake.addInvoices(1, tenant: first)

                let reads = { fake.requests("GET", "/api.xro/2.0/Invoices").map { $0.header("xero-tenant-id") ?? "" } }
                let learning = try await server.triggerPoller.pass()
                #expect(learning == TriggerPoller.PassResult(polled: 1, events: 0, failed: 0), "the first poll only learns")
                #expect(reads() == [first, second], "one read per organisation, each as itself")

                fake.addInvoices(1, tenant: second)
                let added = try #require(fake.invoices(of: second).last)
                try await TriggerPollerTests.makeDue(pool)
                #expect(try await server.triggerPoller.pass() == TriggerPoller.PassResult(polled: 1, events: 1, failed: 0))
                let stored = try await Self.events(pool)
                #expect(stored.count == 1)
                let event = try #require(stored.first)
                #expect(try event.decode("account_id", as: String?.self) == second, "routed to the organisation it came from")
                #expect(try event.decode("event_id", as: String.self).hasPrefix("poll:invoices.changed:\(id.uuidString.lowercased()):\(second)/"))
                #expect(try event.decode("payload", as: JSONValue.self)["id"] == .string(added.id))

                // The first organisation goes offline: the second is still read, and an invoice
                // there is still an event; the offline one is named in the poll's error.
                fake.takeOffline(first)
                fake.addInvoices(1, tenant: second)
                try await TriggerPollerTests.makeDue(pool)
                #expect(try await server.triggerPoller.pass() == TriggerPoller.PassResult(polled: 1, events: 1, failed: 0))
                let partial = try #require(try await TriggerPollerTests.polls(pool, id))
                let reason = try #require(try partial.decode("last_error", as: String?.self))
                #expect(reason.hasPrefix("account \(first):"), "\(reason)")

                // Back online: nothing it had is new again, nothing of the second is stored twice.
                fake.takeOffline(first, false)
                try await TriggerPollerTests.makeDue(pool)
                #expect(try await server.triggerPoller.pass() == TriggerPoller.PassResult(polled: 1, events: 0, failed: 0))
                #expect(try await Self.events(pool).count == 2)
                #expect(try #require(try await TriggerPollerTests.polls(pool, id)).decode("last_error", as: String?.self) == nil)

                // Every organisation offline: the poll fails and remembers what it had.
                fake.takeOffline(first)
                fake.takeOffline(second)
                try await TriggerPollerTests.makeDue(pool)
                #expect(try await server.triggerPoller.pass() == TriggerPoller.PassResult(polled: 1, events: 0, failed: 1))
                #expect(try #require(try await TriggerPollerTests.polls(pool, id)).decode("seen", as: Int.self) >= 3)
            }
        }
    }

    @Test func aPerAccountTriggerReadingSinceAWatermarkIsStillNotRun() throws {
        let catalog = try ConnectorCatalog.load(directory: URL(fileURLWithPath: "configs/connectors"))
        let xero = try #require(catalog["xero"]?.definition)
        var trigger = try #require(xero.triggers.first { $0.id == "invoices.changed" })
        #expect(xero.pollsEachAccount(trigger) && xero.pollBlocker(trigger) == nil)
        trigger.poll?.since = "where"
        #expect(xero.pollBlocker(trigger)?.contains("watermark kept per connection") == true)
        var unlisted = xero
        unlisted.accounts = nil
        #expect(unlisted.pollBlocker(try #require(xero.triggers.first { $0.id == "invoices.changed" }))?.contains("lists none") == true)
        let opsgenie = try #require(catalog["opsgenie"]?.definition)
        #expect(opsgenie.pollsEachAccount(try #require(opsgenie.triggers.first)) == false)
    }
}
