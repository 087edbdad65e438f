import Foundation
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// The QuickBooks Online definition run by the real runtime against `QuickBooksFake` (which
/// follows Intuit's Accounting API and OAuth references): the realm in every path, minorversion
/// 75, each action's query-language statement and JSON body, the mappings, an expired token
/// refreshed once, Intuit's faults as error classes, and what the `invoices.changed` polling
/// trigger sees.
@Suite struct QuickBooksRuntimeTests {
    static let connector = "quickbooks"

    static func definition() throws -> ConnectorDefinition {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return try #require(catalog[connector]?.definition)
    }

    /// A runtime whose base URL is the definition's own shape on the fake's host: the realm
    /// variable still fills the path.
    static func runtime(_ fake: QuickBooksFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let base = try definition().baseUrl.replacingOccurrences(of: "https://quickbooks.api.intuit.com", with: fake.baseURL)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: connector), baseURLOverrides: [connector: base])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withQuickBooks(_ body: (QuickBooksFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = QuickBooksFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static let path = "/v3/company/\(QuickBooksFake.realmId)"

    static func call(_ action: String, _ input: [String: JSONValue] = [:], realm: String = QuickBooksFake.realmId) -> ConnectorCall {
        ConnectorCall(connector: connector, action: action, input: .object(input), variables: ["realmId": realm])
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

    @Test func companyInfoIsReadInTheRealmsPathWithMinorVersion75() async throws {
        #expect(try Self.definition().baseUrl == "https://quickbooks.api.intuit.com/v3/company/{{vars.realmId}}")
        try await withQuickBooks { fake, runtime in
            let token = fake.issueToken()
            let info = try await Self.run(runtime, "companyInfo.get", token: token)
            #expect(
                info.output
                    == .object([
                        "id": .string("1"), "name": .string("Craig's Design and Landscaping Services"), "country": .string("US"),
                        "email": .string("noreply@quickbooks.example"),
                    ]))
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "GET" && sent.path == Self.path + "/companyinfo/\(QuickBooksFake.realmId)")
            #expect(sent.queryItems["minorversion"] == ["75"], "1–74 are ignored since August 2025; 75 is the floor")
            #expect(sent.header("Authorization") == "Bearer \(token)" && sent.header("Accept") == "application/json")
        }
    }

    @Test func invoicesAreQueriedNewestChangeFirstWithExplicitPaging() async throws {
        try await withQuickBooks { fake, runtime in
            let token = fake.issueToken()
            fake.updateInvoice("131", balance: 40)
            let all = try await Self.run(runtime, "invoices.list", token: token)
            #expect(Self.ids(all.output) == ["131", "132", "130"])
            let sent = try #require(fake.requests.last)
            #expect(sent.path == Self.path + "/query" && sent.queryItems["minorversion"] == ["75"])
            #expect(
                sent.queryItems["query"] == [
                    "SELECT * FROM Invoice WHERE Id > '0' ORDERBY MetaData.LastUpdatedTime DESC STARTPOSITION 1 MAXRESULTS 100"
                ])
            let first = try #require(Self.list(all.output).first)
            #expect(
                first
                    == .object([
                        "id": .string("131"), "docNumber": .string("1038"), "customerId": .string("59"),
                        "customerName": .string("Bill's Windsurf Shop"), "total": .number(85), "balance": .number(40),
                        "dueDate": .string("2026-12-02"), "currency": .string("USD"), "updatedAt": .string("2026-11-29T16:53:29-08:00"),
                    ]))

            let second = try await Self.run(runtime, "invoices.list", ["startPosition": .number(2), "maxResults": .number(1)], token: token)
            #expect(Self.ids(second.output) == ["132"])
            let open = try await Self.run(runtime, "invoices.list", ["where": .string("Balance > '0'")], token: token)
            #expect(Set(Self.ids(open.output)) == ["130", "131"])
            let mine = try await Self.run(runtime, "invoices.list", ["where": .string("CustomerRef = '58'")], token: token)
            #expect(Self.ids(mine.output) == ["130"])
        }
    }

    @Test func noMatchingInvoiceIsAnEmptyListNotAnError() async throws {
        try await withQuickBooks { fake, runtime in
            let none = try await Self.run(runtime, "invoices.list", ["where": .string("Balance > '100000'")], token: fake.issueToken())
            #expect(Self.list(none.output).isEmpty, "\(none.output)")
        }
    }

    @Test func anInvoiceIsCreatedFromTheInputAsItsJSONBody() async throws {
        try await withQuickBooks { fake, runtime in
            let input: [String: JSONValue] = [
                "CustomerRef": .object(["value": .string("60")]),
                "Line": .array([
                    .object([
                        "Amount": .number(300), "Description": .string("Spring planting"), "DetailType": .string("SalesItemLineDetail"),
                        "SalesItemLineDetail": .object([
                            "ItemRef": .object(["value": .string("2")]), "Qty": .number(2), "UnitPrice": .number(150),
                        ]),
                    ])
                ]),
                "DueDate": .string("2027-01-15"), "BillEmail": .object(["Address": .string("cool_cars@intuit.example")]),
                "CustomerMemo": .object(["value": .string("Thank you!")]),
            ]
            let created = try await Self.run(runtime, "invoices.create", input, token: fake.issueToken())
            #expect(created.output == .object(["id": .string("201"), "docNumber": .string("1040"), "total": .number(300)]))
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "POST" && sent.path == Self.path + "/invoice" && sent.queryItems["minorversion"] == ["75"])
            #expect(sent.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(try JSONValue.parse(sent.body) == .object(input), "the input is the body")
            let stored = try #require(fake.invoices().last)
            #expect(stored.dueDate == "2027-01-15" && stored.billEmail == "cool_cars@intuit.example" && stored.memo == "Thank you!")
        }
    }

    @Test func refusedWritesArePermanentWithIntuitsCode() async throws {
        try await withQuickBooks { fake, runtime in
            let token = fake.issueToken()
            let line: JSONValue = .object([
                "Amount": .number(10), "DetailType": .string("SalesItemLineDetail"),
                "SalesItemLineDetail": .object(["ItemRef": .object(["value": .string("1")])]),
            ])
            let unknown = await #expect(throws: ConnectorError.self) {
                try await Self.run(
                    runtime, "invoices.create", ["CustomerRef": .object(["value": .string("999")]), "Line": .array([line])], token: token)
            }
            #expect(unknown?.code == .providerRejected && unknown?.providerCode == "2500")
            #expect(unknown?.message.contains("Invalid Reference Id") == true)
            #expect(fake.server.requests("POST", Self.path + "/invoice").count == 1, "a 400 is not retried")

            let duplicate = await #expect(throws: ConnectorError.self) {
                try await Self.run(runtime, "customers.create", ["DisplayName": .string("Cool Cars")], token: token)
            }
            #expect(duplicate?.code == .providerRejected && duplicate?.providerCode == "6240")
            #expect(duplicate?.message.contains("Duplicate Name Exists Error") == true)

            let malformed = await #expect(throws: ConnectorError.self) {
                try await Self.run(runtime, "invoices.list", ["where": .string("Balance > 0 OR Id = '1'")], token: token)
            }
            #expect(malformed?.code == .providerRejected && malformed?.providerCode == "4000")
        }
    }

    @Test func customersAreListedActiveByDefaultAndCreated() async throws {
        try await withQuickBooks { fake, runtime in
            let token = fake.issueToken()
            let active = try await Self.run(runtime, "customers.list", token: token)
            #expect(Self.ids(active.output) == ["58", "59", "60"])
            #expect(
                Self.list(active.output).first
                    == .object([
                        "id": .string("58"), "displayName": .string("Amy's Bird Sanctuary"), "email": .string("birds@intuit.example"),
                        "balance": .number(239),
                    ]))
            #expect(
                fake.requests.last?.queryItems["query"] == ["SELECT * FROM Customer WHERE Active = true STARTPOSITION 1 MAXRESULTS 100"])
            let all = try await Self.run(runtime, "customers.list", ["where": .string("Active IN (true, false)")], token: token)
            #expect(Self.ids(all.output).count == 4)

            let created = try await Self.run(
                runtime, "customers.create",
                [
                    "DisplayName": .string("Diego's Road Warrior Bodyshop"), "GivenName": .string("Diego"), "FamilyName": .string("Rodriguez"),
                    "PrimaryEmailAddr": .object(["Address": .string("diego@example.com")]),
                    "PrimaryPhone": .object(["FreeFormNumber": .string("(650) 555-4477")]),
                ], token: token)
            #expect(created.output == .object(["id": .string("201"), "displayName": .string("Diego's Road Warrior Bodyshop")]))
            #expect(fake.customers().last?.email == "diego@example.com" && fake.customers().last?.phone == "(650) 555-4477")
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceAndARefusedOneIsAnAuthError() async throws {
        try await withQuickBooks { fake, runtime in
            let old = fake.issueToken()
            let fresh = fake.issueToken()
            fake.expire(token: old)
            let asks = QuickBooksCallCounter()
            let result = try await runtime.execute(Self.call("companyInfo.get")) { refresh in
                asks.add()
                return refresh ? .token(fresh) : .token(old, canRefresh: true)
            }
            #expect(JSONPath.text(result.output["name"]) == "Craig's Design and Landscaping Services")
            #expect(asks.value == 2)
            let bearers = fake.requests.compactMap { $0.header("Authorization") }
            #expect(bearers == ["Bearer \(old)", "Bearer \(fresh)"])

            fake.expire(token: fresh)
            let refused = await #expect(throws: ConnectorError.self) { try await Self.run(runtime, "customers.list", token: fresh) }
            #expect(refused?.code == .providerAuth && refused?.message.contains("HTTP 401") == true)
            #expect(refused?.message.contains(fresh) == false)
        }
    }

    @Test func aTokenOfAnotherCompanyIsRefused() async throws {
        try await withQuickBooks { fake, runtime in
            let token = fake.issueToken(realmId: QuickBooksFake.otherRealmId)
            let refused = await #expect(throws: ConnectorError.self) { try await Self.run(runtime, "companyInfo.get", token: token) }
            #expect(refused?.code == .providerAuth && refused?.message.contains("HTTP 403") == true)
            let other = try await runtime.execute(Self.call("companyInfo.get", realm: QuickBooksFake.otherRealmId)) { _ in .token(token) }
            #expect(JSONPath.text(other.output["name"]) == "Sample Bakery")
        }
    }

    @Test func aThrottleIsRetriedAndAPersistentOneIsARateLimit() async throws {
        try await withQuickBooks { fake, runtime in
            let token = fake.issueToken()
            fake.injectThrottle()
            let retried = try await Self.run(runtime, "invoices.list", token: token)
            #expect(retried.attempts == 2 && Self.ids(retried.output).count == 3)

            fake.injectUnavailable()
            let back = try await Self.run(runtime, "companyInfo.get", token: fake.issueToken())
            #expect(back.attempts == 2)

            fake.injectThrottle(calls: 20)
            let limited = await #expect(throws: ConnectorError.self) { try await Self.run(runtime, "customers.list", token: token) }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.message.contains("HTTP 429") == true)
        }
    }

    @Test func thePollingTriggerSeesANewInvoiceAsAnEvent() async throws {
        let definition = try Self.definition()
        let trigger = try #require(definition.triggers.first { $0.id == "invoices.changed" })
        #expect(trigger.type == "polling" && trigger.action == "invoices.list" && definition.pollBlocker(trigger) == nil)
        try await withQuickBooks { fake, runtime in
            let token = fake.issueToken()
            let poll = try Self.poller(trigger, definition, runtime, token)
            let seen = try await poll().remembered(after: [])
            #expect(seen.count == 3)
            let added = fake.addInvoice(amount: 75)
            #expect(try await poll().fresh(after: seen).map { JSONPath.text($0.payload["id"]) } == [added])
        }
    }
}

extension QuickBooksRuntimeTests {
    /// One poll of `trigger` as `TriggerPoller` makes it: the trigger's input, the action, the items.
    static func poller(
        _ trigger: ConnectorDefinition.Trigger, _ definition: ConnectorDefinition, _ runtime: ConnectorRuntime, _ token: String
    ) throws -> @Sendable () async throws -> PolledItems {
        let input = TriggerPoller.input(trigger, action: definition.action("invoices.list"), watermark: nil)
        let action = try #require(trigger.action)
        return {
            let call = ConnectorCall(connector: connector, action: action, input: input, variables: ["realmId": QuickBooksFake.realmId])
            return PolledItems(try await runtime.execute(call) { _ in .token(token) }.output, spec: trigger.poll)
        }
    }
}

/// Counts calls from a `@Sendable` closure.
private final class QuickBooksCallCounter: Sendable {
    private let count = Mutex(0)
    /// One more.
    func add() { count.withLock { $0 += 1 } }
    /// How many so far.
    var value: Int { count.withLock { $0 } }
}
