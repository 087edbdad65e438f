import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// The support agent acting through real connections: a run of the support agent's own triage
/// and reply drafting (`SupportAgent`) that then calls a connector action through the
/// `connector.action` tool — the server's connector service, a connection stored through
/// `connectors.connect` (sealed in the vault, tested with the smoke action against the fake),
/// the runtime running the catalog definition against the provider fake — and the run, with the
/// call as its `tool_executions` row, recorded in Postgres.
@Suite struct SupportAgentConnectorRunTests {
    /// The server's connector service, bound once the server exists (agents are built before it).
    final class LateConnectorActions: ConnectorActions {
        private let bound = Mutex<(any ConnectorActions)?>(nil)
        struct Unbound: Error {}

        func bind(_ actions: any ConnectorActions) { bound.withLock { $0 = actions } }

        func available(tenant: String) async -> [String] {
            guard let actions = bound.withLock({ $0 }) else { return [] }
            return await actions.available(tenant: tenant)
        }

        func perform(_ request: ConnectorActionRequest, tenant: String) async throws -> JSONValue {
            guard let actions = bound.withLock({ $0 }) else { throw Unbound() }
            return try await actions.perform(request, tenant: tenant)
        }
    }

    /// The support agent answering on the customer's channel: it triages the message and drafts
    /// the reply (`SupportAgent`), then performs `connector`.`action` with the input `send`
    /// builds from the draft, through `connector.action`.
    struct SupportReplyAgent: Agent {
        let name: String
        let description = "triages a support message and answers it through a connector"
        let intents = ["reply"]
        let actions: LateConnectorActions
        let connector: String
        let action: String
        let send: @Sendable (_ input: JSONValue, _ triage: JSONValue) -> JSONValue

        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            let triage = try await SupportAgent().run(input, intent: "reply", toolbox: toolbox)
            let sent = try await ConnectorActionTool(actions: actions).invoke(
                .object(["connector": .string(connector), "action": .string(action), "input": send(input, triage)]), toolbox: toolbox)
            return .object(["triage": triage, "sent": sent])
        }
    }

    /// The connector service the server built (what the built-in `connector` agent acts through).
    static func service(of server: NeonHubServer) throws -> any ConnectorActions {
        let agent = server.orchestrator.catalog.lazy.compactMap { $0.agent as? ConnectorAgent }.first
        return try #require(agent?.tool.actions)
    }

    static func admin() -> [String: String] {
        ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"]
    }

    @Test func theSupportAgentRepliesBySMSThroughTwilioAndTheRunIsRecorded() async throws {
        let fake = TwilioFake()
        try fake.start()
        defer { fake.stop() }
        let endpoints = try OAuthTestSupport.endpointsFile(["twilio": ["baseUrl": fake.apiBaseURL]])
        let actions = LateConnectorActions()
        let agent = SupportReplyAgent(name: "support-sms", actions: actions, connector: "twilio", action: "messages.send") { input, triage in
            .object(["to": input["phone"] ?? .null, "from": .string(TwilioFake.numbers[0]), "body": triage["reply"] ?? .null])
        }
        try await withDatabaseApp(
            agents: [agent],
            {
                $0.tokenVaultKey = OAuthTestSupport.fixedVaultKey
                $0.connectorEndpointsFile = endpoints
                $0.publicURL = "https://hub.example.test"
            }
        ) { server, client in
            actions.bind(try Self.service(of: server))
            let connect = try await client.request(
                "POST", "/trpc/connectors.connect", headers: Self.admin(),
                body: try JSONSerialization.data(withJSONObject: [
                    "connector": "twilio", "credentials": ["username": TwilioFake.apiKeySid, "password": TwilioFake.apiKeySecret],
                    "variables": ["accountSid": TwilioFake.accountSid],
                ]))
            #expect(connect.status == 200, "\(connect.text)")
            // The credentials were tested with the smoke action before they were stored.
            #expect(fake.server.requests("GET", "/2010-04-01/Accounts/*").count == 1)

            let (status, envelope) = try await client.mutation(
                "agents.run",
                [
                    "agent": "support-sms", "intent": "reply",
                    "input": [
                        "message": "I was charged twice for my order and need a refund please", "customerName": "Ada", "channel": "sms",
                        "phone": "+14155550199",
                    ],
                ])
            #expect(status == 200)
            let result = try #require(resultData(envelope))
            #expect(result["status"] as? String == "succeeded", "\(envelope)")
            let runID = try #require((result["runId"] as? String).flatMap(UUID.init(uuidString:)))

            // Twilio received the drafted reply as the SMS, with our status callback.
            let sent = try #require(fake.messages.first)
            #expect(fake.messages.count == 1)
            #expect(sent.to == "+14155550199" && sent.from == TwilioFake.numbers[0])
            #expect(sent.body.hasPrefix("Hi Ada,") && sent.body.contains("billing"))
            #expect(sent.statusCallback == "https://hub.example.test/webhooks/twilio")
            let request = try #require(fake.server.requests("POST", "/2010-04-01/Accounts/*/Messages.json").last)
            #expect(
                request.header("Authorization") == "Basic " + Data("\(TwilioFake.apiKeySid):\(TwilioFake.apiKeySecret)".utf8).base64EncodedString())

            let output = try #require(result["output"] as? [String: Any])
            #expect((output["triage"] as? [String: Any])?["intent"] as? String == "billing")
            #expect((output["sent"] as? [String: Any])?["id"] as? String == sent.sid)

            let pool = try #require(server.database?.pool)
            let tools = try await pool.query(
                """
                SELECT tool, status, input->>'connector' AS connector, input->>'action' AS action, output::text AS output
                FROM tool_executions WHERE run_id = \(runID) AND tool = 'connector.action'
                """)
            #expect(tools.count == 1)
            #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
            #expect(try tools.first?.decode("connector", as: String.self) == "twilio")
            #expect(try tools.first?.decode("action", as: String.self) == "messages.send")
            #expect(try tools.first?.decode("output", as: String.self).contains(sent.sid) == true)
            let stored = try await pool.query(
                "SELECT count(*)::int AS n FROM tool_executions WHERE run_id = \(runID) AND output::text LIKE \("%" + TwilioFake.apiKeySecret + "%")")
            #expect(try stored.first?.decode("n", as: Int.self) == 0)
            let run = try await pool.query("SELECT agent, status FROM agent_runs WHERE id = \(runID)")
            #expect(try run.first?.decode("agent", as: String.self) == "support-sms")
            #expect(try run.first?.decode("status", as: String.self) == "succeeded")
        }
    }

    @Test func theSupportAgentLooksUpThePaymentInStripeAndTheRunIsRecorded() async throws {
        let fake = StripeFake()
        try fake.start()
        defer { fake.stop() }
        let endpoints = try OAuthTestSupport.endpointsFile(["stripe": ["baseUrl": fake.baseURL]])
        let actions = LateConnectorActions()
        let agent = SupportReplyAgent(name: "support-billing", actions: actions, connector: "stripe", action: "paymentIntents.get") { input, _ in
            .object(["id": input["paymentIntent"] ?? .null, "expand": .array([.string("latest_charge")])])
        }
        try await withDatabaseApp(
            agents: [agent],
            {
                $0.tokenVaultKey = OAuthTestSupport.fixedVaultKey
                $0.connectorEndpointsFile = endpoints
            }
        ) { server, client in
            actions.bind(try Self.service(of: server))
            let connect = try await client.request(
                "POST", "/trpc/connectors.connect", headers: Self.admin(),
                body: try JSONSerialization.data(withJSONObject: [
                    "connector": "stripe", "credentials": ["apiKey": StripeFake.readOnlyKey],
                ]))
            #expect(connect.status == 200, "\(connect.text)")
            #expect(fake.server.requests("GET", "/v1/balance").count == 1)  // the smoke read tested the key first

            let (status, envelope) = try await client.mutation(
                "agents.run",
                [
                    "agent": "support-billing", "intent": "reply",
                    "input": [
                        "message": "I was charged twice for my order, please check the payment", "customerName": "Jenny",
                        "paymentIntent": StripeFake.paidIntent,
                    ],
                ])
            #expect(status == 200)
            let result = try #require(resultData(envelope))
            #expect(result["status"] as? String == "succeeded", "\(envelope)")
            let runID = try #require((result["runId"] as? String).flatMap(UUID.init(uuidString:)))
            let output = try #require(result["output"] as? [String: Any])
            #expect((output["triage"] as? [String: Any])?["intent"] as? String == "billing")
            let payment = try #require(output["sent"] as? [String: Any])
            #expect(payment["status"] as? String == "succeeded")
            #expect(payment["amount"] as? Int == 2000)

            let read = try #require(fake.server.requests("GET", "/v1/payment_intents/*").last)
            #expect(read.path == "/v1/payment_intents/\(StripeFake.paidIntent)")
            #expect(read.queryItems["expand[]"] == ["latest_charge"])
            #expect(read.header("Authorization") == "Bearer \(StripeFake.readOnlyKey)")
            #expect(read.header("Stripe-Version") == "2026-02-25.clover")

            let pool = try #require(server.database?.pool)
            let tools = try await pool.query(
                """
                SELECT status, input->>'connector' AS connector, input->>'action' AS action FROM tool_executions
                WHERE run_id = \(runID) AND tool = 'connector.action'
                """)
            #expect(tools.count == 1)
            #expect(try tools.first?.decode("connector", as: String.self) == "stripe")
            #expect(try tools.first?.decode("action", as: String.self) == "paymentIntents.get")
            #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
            let leaked = try await pool.query(
                "SELECT count(*)::int AS n FROM tool_executions WHERE run_id = \(runID) AND (input::text || coalesce(output::text, '')) LIKE \("%" + StripeFake.readOnlyKey + "%")"
            )
            #expect(try leaked.first?.decode("n", as: Int.self) == 0)
        }
    }
}
