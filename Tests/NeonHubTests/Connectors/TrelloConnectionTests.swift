import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Trello connection end to end, on a real database and the real server, pointed at the
/// Trello fake through `CONNECTOR_ENDPOINTS_FILE`: `connectors.connect` tests the user token with
/// the app key (TRELLO_API_KEY), the member's boards become the connection's accounts, a card is
/// created on one of them as a recorded run, and neither the token nor the key — both sent in
/// the query string, as Trello takes them — appears in a table, a log line or a response.
@Suite struct TrelloConnectionTests {
    static let admin = ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"]

    @Test func theBoardsAreTheAccountsACardIsARecordedRunAndTheQueryStringSecretsNeverLeak() async throws {
        let fake = TrelloFake()
        try fake.start()
        let logs = LogCapture()
        try await fake.server.serving {
            let endpoints = try OAuthTestSupport.endpointsFile(["trello": ["baseUrl": fake.baseURL + "/1"]])
            try await withDatabaseApp(
                logger: logs.logger(),
                {
                    OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:])
                    $0.connectorEnvironment["TRELLO_API_KEY"] = TrelloFake.apiKey
                }
            ) { server, client in
                let connected = try await client.request(
                    "POST", "/trpc/connectors.connect", headers: Self.admin,
                    body: try JSONSerialization.data(withJSONObject: ["connector": "trello", "credentials": ["token": TrelloFake.token]]))
                #expect(connected.status == 200, "\(connected.text)")
                let id = try #require(resultData(try connected.json())?["id"] as? String)
                let (_, listed) = try await client.query("connectors.listAccounts", ["connectionId": id])
                let accounts = ((listed["result"] as? [String: Any])?["data"] as? [[String: Any]]) ?? []
                #expect(accounts.compactMap { $0["id"] as? String } == TrelloFake.boards.filter { !$0.closed }.map(\.id))
                #expect(accounts.allSatisfy { $0["kind"] as? String == "board" })

                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction",
                    [
                        "connectionId": id, "accountId": TrelloFake.boards[0].id, "action": "cards.create",
                        "input": ["idList": TrelloFake.lists[0].id, "name": "Plan the spring campaign"],
                    ])
                #expect(status == 200, "\(envelope)")
                #expect(fake.cards.contains { $0.name == "Plan the spring campaign" })
                let (_, cards) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "accountId": TrelloFake.boards[0].id, "action": "cards.list", "input": [:]])
                #expect((resultData(cards)?["output"] as? [Any])?.count == 4, "the three open cards and the new one")

                let pool = try #require(server.database?.pool)
                let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
                let responses =
                    [connected.text]
                    + [listed, envelope, cards, fetched].map {
                        String(decoding: (try? JSONSerialization.data(withJSONObject: $0)) ?? Data(), as: UTF8.self)
                    }
                let planted = [TrelloFake.token, TrelloFake.apiKey]
                #expect(try await plaintextFindings(of: planted, in: pool) == [])
                #expect(logs.count > 0)
                for secret in planted {
                    #expect(!logs.text.contains(secret), "a log line holds a secret")
                    #expect(!responses.contains { $0.contains(secret) }, "a response holds a secret")
                }
            }
        }
    }
}
