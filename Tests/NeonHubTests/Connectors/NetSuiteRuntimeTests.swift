import Foundation
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// The NetSuite definition run by the real runtime against `NetSuiteFake` (which follows Oracle's
/// REST web services and OAuth 2.0 help): the record collection paged by limit and offset, one
/// customer's mapped fields, record creation from the input, SuiteQL with `Prefer: transient`,
/// NetSuite's `o:errorDetails` as error classes, an expired token refreshed once, the concurrency
/// limit (429), and what the `invoices.new` polling trigger sees.
@Suite struct NetSuiteRuntimeTests {
    static let connector = "netsuite"
    static let path = "/services/rest"

    static func definition() throws -> ConnectorDefinition {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return try #require(catalog[connector]?.definition)
    }

    /// A runtime whose base URL is the definition's own path on the fake's host.
    static func runtime(_ fake: NetSuiteFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let base = try definition().baseUrl.replacingOccurrences(of: "https://{{vars.accountId}}.suitetalk.api.netsuite.com", with: fake.baseURL)
        return ConnectorRuntime(catalog: catalog, client: OutboundClient.quickRetries(label: connector), baseURLOverrides: [connector: base])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withNetSuite(_ body: (NetSuiteFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = NetSuiteFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        ConnectorCall(connector: connector, action: action, input: .object(input), variables: ["accountId": NetSuiteFake.accountId])
    }

    static func run(_ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue] = [:], token: String) async throws
        -> ConnectorResult
    {
        try await runtime.execute(call(action, input)) { _ in .token(token) }
    }

    static func list(_ output: JSONValue) -> [JSONValue] {
        if case .array(let items) = output { return items }
        if case .array(let items)? = output["items"] { return items }
        return []
    }

    static func ids(_ output: JSONValue) -> [String] { list(output).compactMap { JSONPath.text($0["id"]) } }

    @Test func customersAreListedAsIdsPagedByLimitAndOffset() async throws {
        #expect(try Self.definition().baseUrl == "https://{{vars.accountId}}.suitetalk.api.netsuite.com/services/rest")
        try await withNetSuite { fake, runtime in
            let token = fake.issueToken()
            let all = try await Self.run(runtime, "customers.list", token: token)
            #expect(Self.ids(all.output) == ["107", "108", "109"])
            #expect(Self.list(all.output).first == .object(["id": .string("107")]))
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "GET" && sent.path == Self.path + "/record/v1/customer")
            #expect(sent.queryItems["limit"] == ["100"] && sent.queryItems["offset"] == nil && sent.queryItems["q"] == nil)
            #expect(sent.header("Authorization") == "Bearer \(token)" && sent.header("Accept") == "application/json")

            let filtered = try await Self.run(runtime, "customers.list", ["q": .string("companyName CONTAIN \"glo\"")], token: token)
            #expect(Self.ids(filtered.output) == ["108"])
            #expect(fake.requests.last?.queryItems["q"] == ["companyName CONTAIN \"glo\""])

            let smoke = try await Self.run(runtime, "customers.list", ["limit": .number(1)], token: token)
            #expect(Self.ids(smoke.output) == ["107"])

            fake.addCustomers(150)
            let before = fake.requests.count
            let many = try await Self.run(runtime, "customers.list", ["limit": .number(1000)], token: token)
            #expect(Self.ids(many.output).count == 153 && many.pages == 2)
            let offsets = fake.requests.dropFirst(before).map { $0.queryItems["offset"]?.first }
            #expect(offsets == [nil, "100"])
        }
    }

    @Test func aCustomerIsReadWithItsMappedFields() async throws {
        try await withNetSuite { fake, runtime in
            let customer = try await Self.run(runtime, "customers.get", ["id": .string("107")], token: fake.issueToken())
            #expect(
                customer.output
                    == .object([
                        "id": .string("107"), "entityId": .string("CUST107 Acme Corp"), "companyName": .string("Acme Corp"),
                        "email": .string("ap@acme.example"), "phone": .string("555-0107"), "balance": .number(300),
                        "dateCreated": .string("2025-03-04T09:12:00Z"),
                    ]))
            #expect(fake.requests.last?.path == Self.path + "/record/v1/customer/107")
        }
    }

    @Test func aCustomerAndAnInvoiceAreCreatedFromTheInputAsTheirJSONBodies() async throws {
        try await withNetSuite { fake, runtime in
            let token = fake.issueToken()
            let customer: [String: JSONValue] = [
                "companyName": .string("Initech"), "email": .string("ap@initech.example"), "subsidiary": .object(["id": .string("2")]),
            ]
            _ = try await Self.run(runtime, "customers.create", customer, token: token)
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "POST" && sent.path == Self.path + "/record/v1/customer")
            #expect(sent.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(try JSONValue.parse(sent.body) == .object(customer), "the input is the body")
            #expect(fake.customers.last?.companyName == "Initech" && fake.customers.last?.subsidiary == "2")

            let invoice: [String: JSONValue] = [
                "entity": .object(["id": .string("107")]), "tranDate": .string("2026-12-03"), "memo": .string("December"),
                "item": .object([
                    "items": .array([.object(["item": .object(["id": .string("10")]), "quantity": .number(3), "rate": .number(150)])])
                ]),
            ]
            _ = try await Self.run(runtime, "invoices.create", invoice, token: token)
            #expect(fake.requests.last?.path == Self.path + "/record/v1/invoice")
            #expect(try JSONValue.parse(try #require(fake.requests.last).body) == .object(invoice))
            let stored = try #require(fake.invoices.last)
            #expect(stored.entity == "107" && stored.total == 450 && stored.memo == "December" && stored.tranDate == "2026-12-03")
        }
    }

    @Test func invoicesAreQueriedWithSuiteQLNewestFirst() async throws {
        try await withNetSuite { fake, runtime in
            let token = fake.issueToken()
            let all = try await Self.run(runtime, "invoices.query", token: token)
            #expect(Self.ids(all.output) == ["302", "301", "303"])
            #expect(
                Self.list(all.output).first
                    == .object([
                        "id": .string("302"), "number": .string("INV1002"), "date": .string("11/15/2026"), "customerId": .string("108"),
                        "total": .string("125"), "status": .string("A"),
                    ]))
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "POST" && sent.path == Self.path + "/query/v1/suiteql")
            #expect(sent.header("Prefer") == "transient" && sent.queryItems["limit"] == ["100"])
            #expect(
                (sent.json as? [String: Any])?["q"] as? String
                    == "SELECT t.id, t.tranid, t.trandate, t.entity, t.foreigntotal, t.status FROM transaction t WHERE t.type = 'CustInvc' AND 1 = 1 ORDER BY t.trandate DESC"
            )
            let mine = try await Self.run(runtime, "invoices.query", ["where": .string("t.entity = 107")], token: token)
            #expect(Self.ids(mine.output) == ["301", "303"])
        }
    }

    @Test func refusalsArePermanentWithNetSuitesErrorCode() async throws {
        try await withNetSuite { fake, runtime in
            let token = fake.issueToken()
            let missing = await #expect(throws: ConnectorError.self) {
                try await Self.run(runtime, "customers.get", ["id": .string("4040")], token: token)
            }
            #expect(missing?.code == .providerRejected && missing?.providerCode == "NONEXISTENT_ID")
            #expect(missing?.message.contains("The record instance does not exist") == true, "\(missing?.message ?? "")")
            #expect(fake.server.requests("GET", Self.path + "/record/v1/customer/4040").count == 1, "a 404 is not retried")

            let badQuery = await #expect(throws: ConnectorError.self) {
                try await Self.run(runtime, "invoices.query", ["where": .string("t.colour = 1")], token: token)
            }
            #expect(badQuery?.code == .providerRejected && badQuery?.providerCode == "INVALID_PARAMETER")

            let badSubsidiary = await #expect(throws: ConnectorError.self) {
                try await Self.run(
                    runtime, "customers.create", ["companyName": .string("Nowhere"), "subsidiary": .object(["id": .string("99")])], token: token)
            }
            #expect(badSubsidiary?.code == .providerRejected && badSubsidiary?.providerCode == "INVALID_CONTENT")
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceAndARefusedOneIsAnAuthError() async throws {
        try await withNetSuite { fake, runtime in
            let old = fake.issueToken()
            let fresh = fake.issueToken()
            fake.expire(token: old)
            let asks = NetSuiteCallCounter()
            let result = try await runtime.execute(Self.call("customers.get", ["id": .string("108")])) { refresh in
                asks.add()
                return refresh ? .token(fresh) : .token(old, canRefresh: true)
            }
            #expect(JSONPath.text(result.output["companyName"]) == "Globex")
            #expect(asks.value == 2)
            #expect(fake.requests.compactMap { $0.header("Authorization") } == ["Bearer \(old)", "Bearer \(fresh)"])

            fake.expire(token: fresh)
            let refused = await #expect(throws: ConnectorError.self) { try await Self.run(runtime, "customers.list", token: fresh) }
            #expect(refused?.code == .providerAuth && refused?.providerCode == "INVALID_LOGIN")
            #expect(refused?.message.contains(fresh) == false)
        }
    }

    @Test func theConcurrencyLimitIsRetriedAndAPersistentOneIsARateLimit() async throws {
        try await withNetSuite { fake, runtime in
            let token = fake.issueToken()
            fake.injectConcurrencyLimit()
            let retried = try await Self.run(runtime, "invoices.query", token: token)
            #expect(retried.attempts == 2 && Self.ids(retried.output).count == 3)

            fake.injectConcurrencyLimit(calls: 20)
            let limited = await #expect(throws: ConnectorError.self) { try await Self.run(runtime, "customers.list", token: token) }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "CONCURRENCY_LIMIT_EXCEEDED" || limited?.message.contains("HTTP 429") == true)
        }
    }

    @Test func thePollingTriggerSeesANewInvoiceAsAnEvent() async throws {
        let definition = try Self.definition()
        let trigger = try #require(definition.triggers.first { $0.id == "invoices.new" })
        #expect(trigger.type == "polling" && trigger.action == "invoices.query")
        try await withNetSuite { fake, runtime in
            let input = TriggerPoller.input(trigger, action: definition.action("invoices.query"), watermark: nil)
            let token = fake.issueToken()
            let poll = { @Sendable () async throws -> PolledItems in
                let call = ConnectorCall(
                    connector: Self.connector, action: "invoices.query", input: input, variables: ["accountId": NetSuiteFake.accountId])
                return PolledItems(try await runtime.execute(call) { _ in .token(token) }.output, spec: trigger.poll)
            }
            let seen = try await poll().remembered(after: [])
            #expect(seen.count == 3)
            let added = fake.addInvoice(amount: 75)
            #expect(try await poll().fresh(after: seen).map { JSONPath.text($0.payload["id"]) } == [added])
        }
    }
}

/// Counts calls from a `@Sendable` closure.
private final class NetSuiteCallCounter: Sendable {
    private let count = Mutex(0)
    /// One more.
    func add() { count.withLock { $0 += 1 } }
    /// How many so far.
    var value: Int { count.withLock { $0 } }
}
