// A fake of Trello's REST API on loopback, following Atlassian's documentation — not what our
// connector definition assumes:
//
// - Authorization: the app's API key and a user's token as the `key` and `token` query
//   parameters (or an `Authorization: OAuth oauth_consumer_key="…", oauth_token="…"` header);
//   a bad key or token answers 401 with a plain-text body ("invalid key", "invalid token"):
//   https://developer.atlassian.com/cloud/trello/guides/rest-api/authorization/
// - Boards of a member (`GET /1/members/{id}/boards`, `filter`, `fields`):
//   https://developer.atlassian.com/cloud/trello/rest/api-group-members/#api-members-id-boards-get
// - Lists of a board (`GET /1/boards/{id}/lists`, `filter` all/closed/none/open, `fields`) and
//   its cards by filter (`GET /1/boards/{id}/cards/{filter}`, filter all/closed/none/open/visible):
//   https://developer.atlassian.com/cloud/trello/rest/api-group-boards/
// - Cards (`POST /1/cards` with `idList` required and name, desc, pos, due, idLabels, idMembers,
//   urlSource as parameters; `PUT /1/cards/{id}` with name, desc, closed, idList, due,
//   dueComplete): https://developer.atlassian.com/cloud/trello/rest/api-group-cards/
// - Parameters may come as query parameters (as the reference shows them) or in a JSON or form
//   body: https://developer.atlassian.com/cloud/trello/guides/rest-api/api-introduction/
// - Rate limits: 300 requests per 10 s per key and 100 per 10 s per token, reported in
//   `x-rate-limit-api-key-*` and `x-rate-limit-api-token-*` headers; over them 429 with a JSON
//   body naming API_KEY_LIMIT_EXCEEDED or API_TOKEN_LIMIT_EXCEEDED:
//   https://developer.atlassian.com/cloud/trello/guides/rest-api/rate-limits/
//
// Assumed where the references are silent: errors other than 429 are plain text, as Trello
// answers them ("invalid value for idList", "invalid id", "The requested resource was not
// found."); the 429 body's `message` text.

import Foundation
import HTTPFields
import Synchronization

/// Trello on loopback: a member with three boards (one closed), their lists and cards, card
/// creation and updates, Trello's plain-text errors and rate-limit headers.
///
/// Knobs: `injectRateLimit(calls:)`, `revoke(token:)`; what it holds: `cards`.
public final class TrelloFake: ServedFake {
    /// The app's API key (TRELLO_API_KEY).
    public static let apiKey = "d9a5a1b6f2e34c7a8b0c1d2e3f405162"
    /// A user token of the member.
    public static let token = "ATTA9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1b0a9F0E1D2C3"
    /// The member's open boards and a closed one.
    public static let boards: [(id: String, name: String, closed: Bool)] = [
        ("5abbe4b7ddc1b351ef961414", "Content calendar", false), ("5abbe4b7ddc1b351ef961415", "Launch plan", false),
        ("5abbe4b7ddc1b351ef961416", "Old campaigns", true),
    ]
    /// The lists of the first board: two open and one archived.
    public static let lists: [(id: String, name: String, closed: Bool)] = [
        ("5abbe4b7ddc1b351ef961412", "Ideas", false), ("5abbe4b7ddc1b351ef961413", "In progress", false),
        ("5abbe4b7ddc1b351ef961419", "Archive", true),
    ]

    /// A card as the fake stores it.
    public struct Card: Sendable {
        /// The card's id (24 hex digits).
        public var id: String
        /// Its name.
        public var name: String
        /// Its description.
        public var desc: String
        /// The list it is in.
        public var idList: String
        /// Its due date, as sent.
        public var due: String?
        /// Whether the due date is done.
        public var dueComplete: Bool
        /// Whether it is archived.
        public var closed: Bool
        /// Its label ids.
        public var idLabels: [String]
        /// Its position.
        public var pos: Double
    }

    struct State: Sendable {
        var cards: [Card] = []
        var revoked: Set<String> = []
        var sequence = 0x100
    }

    public let server = FakeProviderServer()
    let state = Mutex(State())
    let rateLimits = ScriptedFaults<String>()

    /// A member with the boards above; the first board has three open cards and an archived one.
    public init() {
        state.withLock { state in
            state.cards = [
                Card(
                    id: "5abbe4b7ddc1b351ef961501", name: "Newsletter: December", desc: "", idList: Self.lists[0].id, dueComplete: false,
                    closed: false, idLabels: [], pos: 16384),
                Card(
                    id: "5abbe4b7ddc1b351ef961502", name: "Black Friday recap", desc: "", idList: Self.lists[1].id, dueComplete: false, closed: false,
                    idLabels: [], pos: 16384),
                Card(
                    id: "5abbe4b7ddc1b351ef961503", name: "Holiday posts", desc: "", idList: Self.lists[1].id, dueComplete: false, closed: false,
                    idLabels: [], pos: 32768),
                Card(
                    id: "5abbe4b7ddc1b351ef961504", name: "Summer sale", desc: "", idList: Self.lists[0].id, dueComplete: true, closed: true,
                    idLabels: [], pos: 49152),
            ]
        }
        server.onEveryRequest { [weak self] request in
            self?.handle(request) ?? .init(status: 503, body: Array("unavailable".utf8))
        }
    }

    /// `http://127.0.0.1:<port>`: stands for `https://api.trello.com/1` (without the `/1`).
    public var baseURL: String { server.baseURL }

    /// Every card, in creation order.
    public var cards: [Card] { state.withLock { $0.cards } }

    /// The next `calls` requests answer 429 for the token's limit.
    public func injectRateLimit(calls: Int = 1) { rateLimits.add("API_TOKEN_LIMIT_EXCEEDED", calls: calls) }

    /// From now on `token` is refused (revoked by the member).
    public func revoke(token: String) { _ = state.withLock { $0.revoked.insert(token) } }

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    /// A plain-text answer, as Trello gives its errors.
    static func text(_ status: Int, _ body: String) -> Reply {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "Content-Type", value: "text/plain; charset=utf-8")
        return Reply(status: status, headers: headers, body: Array(body.utf8))
    }

    /// The request's parameters: the query's, then a JSON or form body's (Trello takes both).
    static func parameters(_ request: Request) -> [String: String] {
        var parameters = request.queryItems.compactMapValues(\.last)
        let type = request.header("Content-Type")?.lowercased() ?? ""
        if type.hasPrefix("application/json"), let body = request.json as? [String: Any] {
            for (name, value) in body { parameters[name] = "\(value)" }
        } else if type.hasPrefix("application/x-www-form-urlencoded") {
            for (name, values) in request.formItems { parameters[name] = values.last }
        }
        return parameters
    }

    private func handle(_ request: Request) -> Reply {
        let parameters = Self.parameters(request)
        guard parameters["key"] == Self.apiKey else { return Self.text(401, "invalid key") }
        guard let token = parameters["token"], token == Self.token, !state.withLock({ $0.revoked.contains(token) }) else {
            return Self.text(401, "invalid token")
        }
        if let code = rateLimits.take() {
            return .json(429, object: ["error": code, "message": "Rate limit exceeded"])
        }
        var reply = route(request, parameters)
        for (scope, max) in [("key", 300), ("token", 100)] {
            reply.headers.replaceOrAdd(name: "x-rate-limit-api-\(scope)-interval-ms", value: "10000")
            reply.headers.replaceOrAdd(name: "x-rate-limit-api-\(scope)-max", value: String(max))
            reply.headers.replaceOrAdd(name: "x-rate-limit-api-\(scope)-remaining", value: String(max - 1))
        }
        return reply
    }
}
