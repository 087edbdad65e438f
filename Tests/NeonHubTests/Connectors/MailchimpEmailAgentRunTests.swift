import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// The email agent acting through a real Mailchimp connection: the `email` agent's own copy
/// (`EmailAgent`) becomes a campaign created through the `connector.action` tool — a connection
/// stored through `connectors.connect` (the API key sealed, its data centre taken from the key,
/// tested with the smoke action against the fake), the runtime running the catalog definition
/// against `MailchimpFake` — and the run, with the call as its `tool_executions` row, recorded.
@Suite struct MailchimpEmailAgentRunTests {
    /// Writes the campaign's subject lines with the email agent, then creates the campaign
    /// with the best one through `connector.action` (`mailchimp.campaigns.create`).
    struct MailchimpCampaignAgent: Agent {
        let name = "email-mailchimp"
        let description = "writes a campaign's subject line and creates the campaign in Mailchimp"
        let intents = ["campaign"]
        let actions: SupportAgentConnectorRunTests.LateConnectorActions

        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            let copy = try await EmailAgent().run(
                .object(["campaign": input["campaign"] ?? .null, "variants": .number(1)]), intent: "subject_lines", toolbox: toolbox)
            guard case .array(let subjects)? = copy["subjectLines"], let subject = subjects.first?["text"] else { return copy }
            let created = try await ConnectorActionTool(actions: actions).invoke(
                .object([
                    "connector": .string("mailchimp"), "action": .string("campaigns.create"),
                    "input": .object([
                        "listId": input["listId"] ?? .null, "subjectLine": subject, "fromName": .string("NeonHub Coffee"),
                        "replyTo": .string("hello@example.com"),
                    ]),
                ]), toolbox: toolbox)
            return .object(["subject": subject, "campaign": created])
        }
    }

    @Test func theEmailAgentsSubjectLineBecomesAMailchimpCampaignAndTheRunIsRecorded() async throws {
        let fake = MailchimpFake()
        try fake.start()
        defer { fake.stop() }
        let endpoints = try OAuthTestSupport.endpointsFile(["mailchimp": ["baseUrl": fake.apiBaseURL]])
        let actions = SupportAgentConnectorRunTests.LateConnectorActions()
        try await withDatabaseApp(
            agents: [MailchimpCampaignAgent(actions: actions)],
            {
                $0.tokenVaultKey = OAuthTestSupport.fixedVaultKey
                $0.connectorEndpointsFile = endpoints
            }
        ) { server, client in
            actions.bind(try SupportAgentConnectorRunTests.service(of: server))
            let connect = try await client.request(
                "POST", "/trpc/connectors.connect", headers: SupportAgentConnectorRunTests.admin(),
                body: try JSONSerialization.data(withJSONObject: [
                    "connector": "mailchimp", "credentials": ["username": "neonhub", "apiKey": MailchimpFake.apiKey],
                ]))
            #expect(connect.status == 200, "\(connect.text)")
            #expect(fake.server.requests("GET", "/3.0/ping").count == 1)  // the key was tested first
            #expect(!connect.text.contains(MailchimpFake.apiKey))
            let pool = try #require(server.database?.pool)
            let connection = try #require(try await pool.query("SELECT variables->>'dc' AS dc FROM connections WHERE connector = 'mailchimp'").first)
            #expect(try connection.decode("dc", as: String.self) == "us21")  // the key's suffix

            let (status, envelope) = try await client.mutation(
                "agents.run",
                [
                    "agent": "email-mailchimp", "intent": "campaign",
                    "input": [
                        "campaign": "Our spring coffee menu: five new single-origin roasts, 20% off this week", "listId": MailchimpFake.lists[0].0,
                    ],
                ])
            #expect(status == 200)
            let result = try #require(resultData(envelope))
            #expect(result["status"] as? String == "succeeded", "\(envelope)")
            let runID = try #require((result["runId"] as? String).flatMap(UUID.init(uuidString:)))
            let output = try #require(result["output"] as? [String: Any])
            let subject = try #require(output["subject"] as? String)

            #expect(fake.campaigns.count == 1)
            let campaign = try #require(fake.campaigns.first)
            #expect(campaign.subjectLine == subject && campaign.listID == MailchimpFake.lists[0].0 && campaign.type == "regular")
            #expect((output["campaign"] as? [String: Any])?["id"] as? String == campaign.id)

            let tools = try await pool.query(
                """
                SELECT status, input->>'connector' AS connector, input->>'action' AS action, output::text AS output FROM tool_executions
                WHERE run_id = \(runID) AND tool = 'connector.action'
                """)
            #expect(tools.count == 1)
            #expect(try tools.first?.decode("connector", as: String.self) == "mailchimp")
            #expect(try tools.first?.decode("action", as: String.self) == "campaigns.create")
            #expect(try tools.first?.decode("status", as: String.self) == "succeeded")
            #expect(try tools.first?.decode("output", as: String.self).contains(campaign.id) == true)
            let leaked = try await pool.query(
                "SELECT count(*)::int AS n FROM tool_executions WHERE run_id = \(runID) AND (input::text || output::text) LIKE \("%" + MailchimpFake.apiKey + "%")"
            )
            #expect(try leaked.first?.decode("n", as: Int.self) == 0)
        }
    }
}
