import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Trello definition run by the real runtime against the Trello fake (which follows
/// Atlassian's Trello REST reference): the app key and user token as query parameters, board
/// lists and cards by filter, card writes as parameters, plain-text errors and the JSON 429.
@Suite struct TrelloRuntimeTests {
    static func runtime(_ fake: TrelloFake, appKey: String = TrelloFake.apiKey) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "trello"), appSettings: ["trello": ["apiKey": appKey]],
            baseURLOverrides: ["trello": fake.baseURL + "/1"])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withTrello(_ body: (TrelloFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = TrelloFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static let token = ConnectorCredentialsValue.token(TrelloFake.token)
    static let board = TrelloFake.boards[0].id

    static func call(_ action: String, _ input: [String: JSONValue] = [:], board: String? = TrelloRuntimeTests.board) -> ConnectorCall {
        ConnectorCall(connector: "trello", action: action, input: .object(input), accountID: board)
    }

    static func ids(_ output: JSONValue) -> [String] {
        guard case .array(let items) = output["items"] ?? output else { return [] }
        return items.compactMap { JSONPath.text($0["id"]) }
    }

    @Test func boardsListsAndCardsAreReadWithTheAppKeyAndTheUsersToken() async throws {
        try await withTrello { fake, runtime in
            let boards = try await runtime.execute(Self.call("boards.list", board: nil)) { _ in Self.token }
            #expect(Self.ids(boards.output) == TrelloFake.boards.filter { !$0.closed }.map(\.id))
            let sent = try #require(fake.requests.last)
            #expect(sent.path == "/1/members/me/boards")
            #expect(sent.queryItems["key"] == [TrelloFake.apiKey] && sent.queryItems["token"] == [TrelloFake.token])
            #expect(sent.queryItems["filter"] == ["open"])
            #expect(sent.header("Authorization") == nil)

            let lists = try await runtime.execute(Self.call("lists.list")) { _ in Self.token }
            #expect(Self.ids(lists.output) == TrelloFake.lists.filter { !$0.closed }.map(\.id))
            #expect(fake.requests.last?.path == "/1/boards/\(Self.board)/lists")

            // The filter is a path segment: open cards (in any list), or only those in open lists.
            let open = try await runtime.execute(Self.call("cards.list")) { _ in Self.token }
            #expect(Self.ids(open.output).count == 3)
            #expect(fake.requests.last?.path == "/1/boards/\(Self.board)/cards/open")
            let all = try await runtime.execute(Self.call("cards.list", ["filter": .string("all")])) { _ in Self.token }
            #expect(Self.ids(all.output).count == 4)
        }
    }

    @Test func aCardIsCreatedAndMovedWithItsParameters() async throws {
        try await withTrello { fake, runtime in
            let created = try await runtime.execute(
                Self.call(
                    "cards.create",
                    [
                        "idList": .string(TrelloFake.lists[0].id), "name": .string("Draft the January newsletter"),
                        "desc": .string("Theme: new year, new routines & 20 % off"), "due": .string("2026-12-20T17:00:00Z"),
                        "pos": .string("top"),
                    ])
            ) { _ in Self.token }
            let id = try #require(JSONPath.text(created.output["id"]))
            let card = try #require(fake.cards.first { $0.id == id })
            #expect(card.desc == "Theme: new year, new routines & 20 % off", "the & and % reach Trello encoded, not split")
            #expect(card.due == "2026-12-20T17:00:00Z")
            #expect(card.pos < 16384, "top of the list")
            #expect(created.output["url"] == .string("https://trello.com/c/\(id.suffix(8))"))

            let moved = try await runtime.execute(
                Self.call("cards.update", ["id": .string(id), "idList": .string(TrelloFake.lists[1].id), "dueComplete": .bool(true)])
            ) { _ in Self.token }
            #expect(moved.output["listId"] == .string(TrelloFake.lists[1].id))
            #expect(fake.cards.first { $0.id == id }?.dueComplete == true)
            #expect(fake.cards.first { $0.id == id }?.name == "Draft the January newsletter", "unset fields are not sent")
        }
    }

    @Test func plainTextErrorsAreClassifiedByStatus() async throws {
        try await withTrello { fake, runtime in
            let wrongList = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call("cards.create", ["idList": .string("5abbe4b7ddc1b351ef96ffff"), "name": .string("x")])
                ) { _ in Self.token }
            }
            #expect(wrongList?.code == .providerRejected)
            #expect(wrongList?.message.contains("invalid value for idList") == true)
            #expect(fake.cards.count == 4)

            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("cards.update", ["id": .string("5abbe4b7ddc1b351ef96ffff"), "closed": .bool(true)])) { _ in
                    Self.token
                }
            }
            #expect(missing?.code == .providerRejected)

            fake.revoke(token: TrelloFake.token)
            let revoked = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("boards.list", board: nil)) { _ in Self.token }
            }
            #expect(revoked?.code == .providerAuth)
            #expect(revoked?.message.contains(TrelloFake.token) == false)
        }
    }

    @Test func theTokensRateLimitIsRateLimitedWithTrellosCode() async throws {
        try await withTrello { fake, runtime in
            fake.injectRateLimit(calls: 1)
            let retried = try await runtime.execute(Self.call("lists.list")) { _ in Self.token }
            #expect(retried.attempts == 2)
            fake.injectRateLimit(calls: 10)
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("lists.list")) { _ in Self.token }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "API_TOKEN_LIMIT_EXCEEDED")
        }
    }

    @Test func withoutTheAppKeyTrelloRefusesTheCall() async throws {
        let fake = TrelloFake()
        try fake.start()
        try await fake.server.serving {
            let runtime = try Self.runtime(fake, appKey: "0000000000000000000000000000dead")
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("boards.list", board: nil)) { _ in Self.token }
            }
            #expect(refused?.code == .providerAuth)
            #expect(refused?.message.contains("0000000000000000000000000000dead") == false)
        }
    }
}
