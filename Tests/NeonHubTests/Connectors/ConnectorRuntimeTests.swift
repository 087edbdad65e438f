import Foundation
import HTTPCore
import HTTPFields
import Logging
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// The runtime against a loopback provider: requests built from templates, every auth
/// placement, every pagination style bounded, responses mapped, failures classified.
@Suite struct ConnectorRuntimeTests {
    /// A catalog of one definition (validated against the real schema), pointed at `fake`.
    static func runtime(_ definition: String, fake: FakeProviderServer, appSettings: [String: [String: String]] = [:]) throws -> ConnectorRuntime {
        let folder = try makeTemporaryDirectory("neonhub-runtime")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(
            at: ConnectorCatalogTests.directory.appendingPathComponent(ConnectorCatalog.schemaFileName),
            to: folder.appendingPathComponent(ConnectorCatalog.schemaFileName))
        try definition.write(to: folder.appendingPathComponent("acme.json"), atomically: true, encoding: .utf8)
        let catalog = try ConnectorCatalog.load(directory: folder)
        let client = OutboundClient.quickRetries(label: "test")
        return ConnectorRuntime(catalog: catalog, client: client, appSettings: appSettings, baseURLOverrides: ["acme": fake.baseURL + "/v2"])
    }

    static func definition(
        auth: String = #"{"type":"api_key","credentials":[{"name":"apiKey","secret":true}]}"#, errors: String = "{}",
        actions: String
    ) -> String {
        """
        {"id":"acme","name":"Acme","category":"crm","wave":"A","availability":"experimental","docs":"https://acme.example/docs",
         "auth":\(auth),"baseUrl":"https://api.acme.example/v2","headers":{"Acme-Version":"2026-01"},
         "rateLimit":{"description":"100/min"},"triggers":[],"errors":\(errors),"actions":[\(actions)]}
        """
    }

    static let createContact = #"""
        {"id":"contacts.create","name":"Create","kind":"write","idempotencyHeader":"Idempotency-Key",
         "inputSchema":{"type":"object","required":["email"],"additionalProperties":false,
                        "properties":{"email":{"type":"string","format":"email"},"name":{"type":"string"},"tags":{"type":"array","items":{"type":"string"}}}},
         "request":{"method":"POST","path":"/accounts/{{account.id}}/contacts","query":{"notify":"{{input.notify}}","source":"neonhub"},
                    "headers":{"X-Team":"{{vars.team}}"},
                    "body":{"encoding":"json","template":{"email":"{{input.email}}","name":"{{input.name}}","tags":"{{input.tags}}","token":"{{app.developerToken}}"}}},
         "response":{"fields":{"id":"data.id","location":"headers.location"}}}
        """#

    @Test func aWriteIsBuiltFromItsTemplate() async throws {
        let fake = FakeProviderServer()
        fake.on(
            "POST", "/v2/accounts/*/contacts", reply: .json(201, #"{"data":{"id":"c_1","email":"a@b.co"}}"#, headers: ["Location": "/contacts/c_1"]))
        try fake.start()
        defer { fake.stop() }
        let runtime = try Self.runtime(Self.definition(actions: Self.createContact), fake: fake, appSettings: ["acme": ["developerToken": "dev-tok"]])
        let call = ConnectorCall(
            connector: "acme", action: "contacts.create", input: .object(["email": .string("a@b.co"), "tags": .array([.string("vip")])]),
            accountID: "org/42", variables: ["team": "growth"], idempotencyKey: "key-1")
        let result = try await runtime.execute(call) { _ in .token("sk_test_SECRET") }
        #expect(result.output == .object(["id": .string("c_1"), "location": .string("/contacts/c_1")]))
        let seen = try #require(fake.requests.first)
        #expect(seen.path == "/v2/accounts/org%2F42/contacts")  // the account id stays one path segment
        #expect(seen.queryItems == ["source": ["neonhub"]])  // the optional `notify` is left out
        #expect(seen.header("Authorization") == "Bearer sk_test_SECRET")
        #expect(seen.header("Acme-Version") == "2026-01")
        #expect(seen.header("X-Team") == "growth")
        #expect(seen.header("Idempotency-Key") == "key-1")
        #expect(seen.header("User-Agent")?.hasPrefix("NeonHub/") == true)
        #expect(seen.header("Content-Type") == "application/json")
        #expect(
            try JSONValue.parse(seen.body) == .object(["email": .string("a@b.co"), "tags": .array([.string("vip")]), "token": .string("dev-tok")]))
    }

    @Test func schemaDefaultsFillWhatTheCallerLeftOut() async throws {
        let fake = FakeProviderServer()
        fake.on("POST", "/v2/posts", reply: .json(201, "{}"))
        fake.on("GET", "/v2/posts", reply: .json(200, #"{"items":[{"id":"1"},{"id":"2"},{"id":"3"}]}"#))
        try fake.start()
        defer { fake.stop() }
        let actions = #"""
            {"id":"posts.create","name":"Create","kind":"write",
             "inputSchema":{"type":"object","required":["text"],"additionalProperties":false,
                            "properties":{"text":{"type":"string"},"visibility":{"enum":["PUBLIC","CONNECTIONS"],"default":"PUBLIC"},
                                          "note":{"type":"string"}}},
             "request":{"method":"POST","path":"/posts","query":{"mode":"{{input.visibility}}"},
                        "body":{"encoding":"json","template":{"text":"{{input.text}}","visibility":"{{input.visibility}}","note":"{{input.note}}"}}}},
            {"id":"posts.list","name":"List","kind":"read",
             "inputSchema":{"type":"object","additionalProperties":false,"properties":{"limit":{"type":"integer","default":1}}},
             "request":{"method":"GET","path":"/posts"},
             "pagination":{"style":"offset","itemsPath":"items","offsetParam":"start","limitParam":"count","pageSize":10}}
            """#
        let runtime = try Self.runtime(Self.definition(actions: actions), fake: fake)
        _ = try await runtime.execute(ConnectorCall(connector: "acme", action: "posts.create", input: .object(["text": .string("hi")]))) { _ in
            .token("t")
        }
        _ = try await runtime.execute(
            ConnectorCall(
                connector: "acme", action: "posts.create",
                input: .object(["text": .string("yo"), "visibility": .string("CONNECTIONS")]))
        ) { _ in .token("t") }
        let sent = fake.requests("POST", "/v2/posts")
        #expect(try JSONValue.parse(sent[0].body) == .object(["text": .string("hi"), "visibility": .string("PUBLIC")]))  // no default: left out
        #expect(sent[0].queryItems["mode"] == ["PUBLIC"])
        #expect(try JSONValue.parse(sent[1].body)["visibility"] == .string("CONNECTIONS"))  // the caller's value wins
        // The `limit` default the schema documents bounds a read the caller left unbounded.
        let read = try await runtime.execute(ConnectorCall(connector: "acme", action: "posts.list")) { _ in .token("t") }
        guard case .array(let items)? = read.output["items"] else { Issue.record("no items"); return }
        #expect(items.count == 1 && read.output["truncated"] == .bool(true))
        let all = try await runtime.execute(ConnectorCall(connector: "acme", action: "posts.list", input: .object(["limit": .number(9)]))) { _ in
            .token("t")
        }
        #expect(all.output["items"].flatMap { if case .array(let list) = $0 { list.count } else { nil } } == 3)
    }

    @Test func inputIsValidatedBeforeAnythingIsSent() async throws {
        let fake = FakeProviderServer()
        try fake.start()
        defer { fake.stop() }
        let runtime = try Self.runtime(Self.definition(actions: Self.createContact), fake: fake)
        let error = await #expect(throws: ConnectorError.self) {
            try await runtime.execute(
                ConnectorCall(connector: "acme", action: "contacts.create", input: .object(["email": .string("nope"), "x": .number(1)]))
            ) { _ in .token("t") }
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.details == ["$.email: is not a valid email", "$.x: unknown property"])
        await #expect(throws: ConnectorError.self) { try await runtime.execute(ConnectorCall(connector: "acme", action: "nope")) { _ in .none } }
        await #expect(throws: ConnectorError.self) { try await runtime.execute(ConnectorCall(connector: "other", action: "x")) { _ in .none } }
        #expect(fake.requests.isEmpty)
    }

    @Test func credentialsGoWhereTheDefinitionPlacesThem() async throws {
        let fake = FakeProviderServer()
        fake.on("GET", "/v2/me", reply: .json(200, #"{"ok":true}"#))
        try fake.start()
        defer { fake.stop() }
        let read = #"{"id":"me","name":"Me","kind":"read","inputSchema":{"type":"object"},"request":{"method":"GET","path":"/me"}}"#
        let header = try Self.runtime(
            Self.definition(auth: #"{"type":"api_key","placement":{"in":"header","name":"X-Api-Key"}}"#, actions: read), fake: fake)
        _ = try await header.execute(ConnectorCall(connector: "acme", action: "me")) { _ in .token("k-1") }
        let query = try Self.runtime(
            Self.definition(auth: #"{"type":"api_key","placement":{"in":"query","name":"api_key"}}"#, actions: read), fake: fake)
        _ = try await query.execute(ConnectorCall(connector: "acme", action: "me")) { _ in .token("k-2") }
        let basic = try Self.runtime(Self.definition(auth: #"{"type":"basic"}"#, actions: read), fake: fake)
        _ = try await basic.execute(ConnectorCall(connector: "acme", action: "me")) { _ in .basic(user: "AC123", password: "pw") }
        let seen = fake.requests
        #expect(seen[0].header("X-Api-Key") == "k-1" && seen[0].header("Authorization") == nil)
        #expect(seen[1].queryItems["api_key"] == ["k-2"] && seen[1].header("Authorization") == nil)
        #expect(seen[2].header("Authorization") == "Basic " + Data("AC123:pw".utf8).base64EncodedString())
    }

    static func list(_ pagination: String, query: String = "{}") -> String {
        #"{"id":"items.list","name":"List","kind":"read","inputSchema":{"type":"object","properties":{"limit":{"type":"integer"}}},"#
            + #""request":{"method":"GET","path":"/items","query":\#(query)},"pagination":\#(pagination),"response":{"fields":{"id":"id"}}}"#
    }

    func readAll(_ pagination: String, query: String = "{}", limit: Int? = nil, install: (FakeProviderServer) -> Void) async throws -> (
        JSONValue, [FakeProviderServer.RecordedRequest]
    ) {
        let fake = FakeProviderServer()
        install(fake)
        try fake.start()
        defer { fake.stop() }
        let runtime = try Self.runtime(Self.definition(actions: Self.list(pagination, query: query)), fake: fake)
        let input: JSONValue = limit.map { .object(["limit": .number(Double($0))]) } ?? .object([:])
        let result = try await runtime.execute(ConnectorCall(connector: "acme", action: "items.list", input: input)) { _ in .token("t") }
        return (result.output, fake.requests)
    }

    static func ids(_ output: JSONValue) -> [String] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items.compactMap { JSONPath.text($0["id"]) }
    }

    @Test func cursorPagesFollowTheCursorUntilHasMoreIsFalse() async throws {
        let (output, seen) = try await readAll(
            #"{"style":"cursor","itemsPath":"data","cursorPath":"data.-1.id","cursorParam":"starting_after","hasMorePath":"has_more"}"#
        ) { fake in
            fake.on("GET", "/v2/items") { request in
                switch request.queryItems["starting_after"]?.first {
                case nil: .json(200, #"{"data":[{"id":"a"},{"id":"b"}],"has_more":true}"#)
                case "b": .json(200, #"{"data":[{"id":"c"}],"has_more":false}"#)
                default: .json(400, #"{"error":"bad cursor"}"#)
                }
            }
        }
        #expect(Self.ids(output) == ["a", "b", "c"])
        #expect(output["pages"] == .number(2) && output["truncated"] == .bool(false))
        #expect(seen.map(\.queryItems) == [[:], ["starting_after": ["b"]]])
    }

    @Test func offsetAndPagePaginationStopOnAShortPage() async throws {
        let (offset, offsetSeen) = try await readAll(
            #"{"style":"offset","itemsPath":"members","offsetParam":"offset","limitParam":"count","pageSize":2}"#
        ) { fake in
            fake.on("GET", "/v2/items") { request in
                request.queryItems["offset"]?.first == "2"
                    ? .json(200, #"{"members":[{"id":"3"}]}"#) : .json(200, #"{"members":[{"id":"1"},{"id":"2"}]}"#)
            }
        }
        #expect(Self.ids(offset) == ["1", "2", "3"])
        #expect(offsetSeen.map(\.queryItems) == [["count": ["2"]], ["count": ["2"], "offset": ["2"]]])
        let (page, pageSeen) = try await readAll(#"{"style":"page","itemsPath":"results","pageParam":"page","pageSize":2}"#) { fake in
            fake.on("GET", "/v2/items") { request in
                request.queryItems["page"]?.first == "2" ? .json(200, #"{"results":[]}"#) : .json(200, #"{"results":[{"id":"x"},{"id":"y"}]}"#)
            }
        }
        #expect(Self.ids(page) == ["x", "y"])
        #expect(pageSeen.count == 2)
    }

    @Test func linkHeaderAndNextURLPagination() async throws {
        let (linked, _) = try await readAll(#"{"style":"link_header"}"#.replacingOccurrences(of: "}", with: #","itemsPath":"items"}"#)) { fake in
            fake.on("GET", "/v2/items") { request in
                request.queryItems["page"] == nil
                    ? .json(200, #"{"items":[{"id":"p1"}]}"#, headers: ["Link": #"</v2/items?page=2>; rel="next", </v2/items?page=9>; rel="last""#])
                    : .json(200, #"{"items":[{"id":"p2"}]}"#)
            }
        }
        #expect(Self.ids(linked) == ["p1", "p2"])
        let (next, seen) = try await readAll(#"{"style":"next_url","itemsPath":"data","nextUrlPath":"paging.next"}"#) { fake in
            fake.on("GET", "/v2/items", reply: .json(200, #"{"data":[{"id":"n1"}],"paging":{"next":"/v2/items/more?after=QVFI"}}"#))
            fake.on("GET", "/v2/items/more", reply: .json(200, #"{"data":[{"id":"n2"}],"paging":{}}"#))
        }
        #expect(Self.ids(next) == ["n1", "n2"])
        #expect(seen.last?.header("Authorization") == "Bearer t")
    }

    @Test func graphQLPageInfoAndTheLimitBoundTheRead() async throws {
        let (graph, seen) = try await readAll(
            #"{"style":"graphql","itemsPath":"data.items.nodes","pageInfoPath":"data.items.pageInfo"}"#,
            query: #"{"after":"{{page.cursor}}"}"#
        ) { fake in
            fake.on("GET", "/v2/items") { request in
                request.queryItems["after"] == nil
                    ? .json(200, #"{"data":{"items":{"nodes":[{"id":"g1"}],"pageInfo":{"hasNextPage":true,"endCursor":"Y3Vy"}}}}"#)
                    : .json(200, #"{"data":{"items":{"nodes":[{"id":"g2"}],"pageInfo":{"hasNextPage":false,"endCursor":null}}}}"#)
            }
        }
        #expect(Self.ids(graph) == ["g1", "g2"])
        #expect(seen.map { $0.queryItems["after"] } == [nil, ["Y3Vy"]])
        // A provider that would page for ever stops at the caller's limit.
        let (bounded, boundedSeen) = try await readAll(#"{"style":"cursor","itemsPath":"data","cursorPath":"next","cursorParam":"c"}"#, limit: 5) {
            fake in
            fake.on("GET", "/v2/items", reply: .json(200, #"{"data":[{"id":"1"},{"id":"2"}],"next":"again"}"#))
        }
        #expect(Self.ids(bounded).count == 5)
        #expect(bounded["truncated"] == .bool(true))
        #expect(boundedSeen.count == 3)
    }

    static let metaErrors =
        #"{"codePath":"error.code","messagePath":"error.message","authCodes":[190],"rateLimitCodes":[4,17,32,613],"permanentCodes":[100,368]}"#

    @Test func providerCodesRefineTheHTTPClassAndTheCredentialIsRefreshedOnce() async throws {
        let fake = FakeProviderServer()
        let expired =
            #"{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463}}"#
        fake.on("GET", "/v2/me") { request in
            request.header("Authorization") == "Bearer fresh" ? .json(200, #"{"id":"1"}"#) : .json(400, expired)
        }
        try fake.start()
        defer { fake.stop() }
        let read = #"{"id":"me","name":"Me","kind":"read","inputSchema":{"type":"object"},"request":{"method":"GET","path":"/me"}}"#
        let runtime = try Self.runtime(Self.definition(errors: Self.metaErrors, actions: read), fake: fake)
        let refreshes = Counter()
        let result = try await runtime.execute(ConnectorCall(connector: "acme", action: "me")) { refresh in
            if refresh { refreshes.increment(); return .token("fresh", canRefresh: true) }
            return .token("stale", canRefresh: true)
        }
        #expect(result.output == .object(["id": .string("1")]))
        #expect(refreshes.value == 1)
        // Without a way to refresh, the same answer is a providerAuth error naming Meta's code.
        let error = await #expect(throws: ConnectorError.self) {
            try await runtime.execute(ConnectorCall(connector: "acme", action: "me")) { _ in .token("stale") }
        }
        #expect(error?.code == .providerAuth)
        #expect(error?.providerCode == "190")
        #expect(error?.message.contains("Session has expired") == true)
        #expect(error?.message.contains("stale") == false)
    }

    @Test func rateLimitsPermanentErrorsAndErrorsInsideA200() async throws {
        let fake = FakeProviderServer()
        fake.on(
            "POST", "/v2/limited",
            reply: .json(
                400, #"{"error":{"message":"(#4) Application request limit reached","code":4}}"#, headers: ["X-App-Usage": #"{"call_count":100}"#]))
        fake.on("POST", "/v2/throttled", reply: .json(429, #"{"error":{"message":"slow down"}}"#, headers: ["Retry-After": "120"]))
        fake.on("POST", "/v2/invalid", reply: .json(400, #"{"error":{"message":"(#100) Invalid parameter","code":100}}"#))
        fake.on("POST", "/v2/slack", reply: .json(200, #"{"ok":false,"error":"channel_not_found"}"#))
        try fake.start()
        defer { fake.stop() }
        func action(_ id: String) -> String {
            #"{"id":"\#(id)","name":"x","kind":"write","inputSchema":{"type":"object"},"request":{"method":"POST","path":"/\#(id)"}}"#
        }
        let runtime = try Self.runtime(
            Self.definition(errors: Self.metaErrors, actions: [action("limited"), action("throttled"), action("invalid")].joined(separator: ",")),
            fake: fake)
        func failure(_ runtime: ConnectorRuntime, _ id: String) async -> ConnectorError? {
            await #expect(throws: ConnectorError.self) {
                try await runtime.execute(ConnectorCall(connector: "acme", action: id)) { _ in .token("t") }
            }
        }
        let limited = await failure(runtime, "limited")
        #expect(limited?.code == .providerRateLimited)
        // No Retry-After, but X-App-Usage at 100 %: tried again after the re-check delay, not at once.
        #expect(limited?.retryAfterSeconds == Int(RateLimitReading.recheckAfter))
        #expect(fake.requests("POST", "/v2/limited").count == 1)
        let throttled = await failure(runtime, "throttled")
        #expect(throttled?.code == .providerRateLimited)
        #expect((throttled?.retryAfterSeconds ?? 0) >= 119)
        #expect(fake.requests("POST", "/v2/throttled").count == 1)  // past the cap: not waited for, handed back
        let invalid = await failure(runtime, "invalid")
        #expect(invalid?.code == .providerRejected && invalid?.providerCode == "100")
        let slack = try Self.runtime(
            Self.definition(errors: #"{"okPath":"ok","codePath":"error","rateLimitCodes":["ratelimited"]}"#, actions: action("slack")), fake: fake)
        let notFound = await failure(slack, "slack")
        #expect(notFound?.code == .providerRejected && notFound?.providerCode == "channel_not_found")
    }

    final class Counter: Sendable {
        private let storage = Atomic<Int>(0)
        func increment() { storage.add(1, ordering: .relaxed) }
        var value: Int { storage.load(ordering: .relaxed) }
    }
}
