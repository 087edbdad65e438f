import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The HubSpot definition run by the real runtime against the HubSpot fake (which follows the
/// CRM v3 and account-info references): what the catalog sends must be what HubSpot accepts —
/// the list's `after` query cursor, the search's `after` body cursor, create bodies — and
/// HubSpot's answers — conflicts, expired tokens, missing scopes, rate limits — must come back
/// as the documented outcomes.
@Suite struct HubSpotRuntimeTests {
    static func runtime(_ fake: HubSpotFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "hubspot"), baseURLOverrides: ["hubspot": fake.baseURL])
    }

    func withHubSpot(_ fake: HubSpotFake = HubSpotFake(), _ body: (HubSpotFake, ConnectorRuntime) async throws -> Void) async throws {
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static func execute(_ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue] = [:], token: String) async throws
        -> ConnectorResult
    {
        try await runtime.execute(ConnectorCall(connector: "hubspot", action: action, input: .object(input))) { _ in .token(token) }
    }

    static func items(_ output: JSONValue) -> [JSONValue] { output["items"]?.arrayItems ?? output.arrayItems }

    static func body(_ request: FakeProviderServer.RecordedRequest) -> JSONValue { (try? JSONValue.parse(request.body)) ?? .null }

    @Test func theAccountAndEveryContactPageAreReadAsTheReferenceSays() async throws {
        try await withHubSpot { fake, runtime in
            let token = fake.issueToken()
            let account = try await Self.execute(runtime, "account.details", token: token)
            #expect(account.output["id"]?.numberValue == Double(HubSpotFake.portalID))
            #expect(JSONPath.text(account.output["currency"]) != nil && JSONPath.text(account.output["uiDomain"]) != nil)
            let read = try #require(fake.requests("GET", "/account-info/v3/details").last)
            #expect(read.header("Authorization") == "Bearer \(token)")

            // 250 contacts in pages of 100: three requests chained by paging.next.after.
            let listed = try await Self.execute(runtime, "contacts.list", ["limit": .number(250)], token: token)
            let contacts = Self.items(listed.output)
            #expect(contacts.count == 250)
            #expect(listed.pages == 3)
            #expect(contacts.compactMap { JSONPath.text($0["id"]) } == fake.contacts.prefix(250).map(\.id))
            #expect(JSONPath.text(contacts.first?["email"]) == fake.contacts.first?.properties["email"])
            let pages = fake.requests("GET", "/crm/v3/objects/contacts")
            #expect(pages.count == 3)
            for page in pages {
                #expect(page.queryItems["limit"] == ["100"])
                #expect(page.queryItems["archived"] == ["false"])
                #expect(page.queryItems["properties"] == ["email,firstname,lastname,lifecyclestage,company"])
            }
            #expect(pages[0].queryItems["after"] == nil)
            #expect(pages[1].queryItems["after"] != nil && pages[1].queryItems["after"] != pages[2].queryItems["after"])
        }
    }

    @Test func aSearchIsSentAsTheReferenceSaysAndPagedThroughItsBodyCursor() async throws {
        try await withHubSpot { fake, runtime in
            let token = fake.issueToken()
            let filters: JSONValue = .array([
                .object(["filters": .array([.object(["propertyName": .string("email"), "operator": .string("HAS_PROPERTY")])])])
            ])
            let found = try await Self.execute(
                runtime, "contacts.search",
                [
                    "filterGroups": filters, "limit": .number(250),
                    "sorts": .array([.object(["propertyName": .string("createdate"), "direction": .string("ASCENDING")])]),
                ], token: token)
            #expect(Self.items(found.output).count == 250)
            #expect(found.pages == 2)
            #expect(found.output["total"]?.numberValue == Double(fake.contacts.count))
            let sent = fake.requests("POST", "/crm/v3/objects/contacts/search").map(Self.body)
            #expect(sent.count == 2)
            #expect(sent.allSatisfy { $0["limit"] == .number(200) && $0["filterGroups"] == filters })
            #expect(sent[0]["after"] == nil, "the first page starts at the beginning")
            #expect(JSONPath.text(sent[1]["after"]) != nil, "the next page sends back paging.next.after in the body")
            #expect(sent[0]["properties"] == .array(["email", "firstname", "lastname", "lifecyclestage"].map { .string($0) }))
        }
    }

    @Test func aContactIsCreatedAndASecondWithTheSameEmailIsAConflict() async throws {
        try await withHubSpot { fake, runtime in
            let token = fake.issueToken()
            let properties: JSONValue = .object([
                "email": .string("ada@example.com"), "firstname": .string("Ada"), "lastname": .string("Lovelace"),
            ])
            let created = try await Self.execute(runtime, "contacts.create", ["properties": properties], token: token)
            let id = try #require(JSONPath.text(created.output["id"]))
            #expect(created.output["email"] == .string("ada@example.com"))
            #expect(fake.contacts.contains { $0.id == id && $0.properties["firstname"] == "Ada" })
            let sent = try #require(fake.requests("POST", "/crm/v3/objects/contacts").last)
            #expect(Self.body(sent) == .object(["properties": properties]))
            #expect(sent.header("Content-Type")?.hasPrefix("application/json") == true)

            let again = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "contacts.create", ["properties": properties], token: token)
            }
            #expect(again?.code == .providerRejected)
            #expect(again?.providerCode == "CONFLICT")
            #expect(again?.message.contains(id) == true, "HubSpot names the existing contact")
            #expect(fake.contacts.filter { $0.properties["email"] == "ada@example.com" }.count == 1)
        }
    }

    @Test func aDealIsCreatedWithItsContactAssociation() async throws {
        try await withHubSpot { fake, runtime in
            let token = fake.issueToken()
            let contact = try #require(fake.contacts.first?.id)
            let deal = try await Self.execute(
                runtime, "deals.create",
                [
                    "properties": .object([
                        "dealname": .string("Spring launch"), "amount": .string("1500"), "dealstage": .string("appointmentscheduled"),
                        "pipeline": .string("default"),
                    ]),
                    "associations": .array([
                        .object([
                            "to": .object(["id": .string(contact)]),
                            "types": .array([.object(["associationCategory": .string("HUBSPOT_DEFINED"), "associationTypeId": .number(3)])]),
                        ])
                    ]),
                ], token: token)
            #expect(deal.output["name"] == .string("Spring launch"))
            #expect(deal.output["amount"] == .string("1500"))
            let stored = try #require(fake.deals.last)
            #expect(JSONPath.text(deal.output["id"]) == stored.id)
            #expect(stored.associations == [contact])
        }
    }

    @Test func expiredAndUnderScopedTokensAreAuthErrorsAndARateLimitIsRetried() async throws {
        try await withHubSpot { fake, runtime in
            let token = fake.issueToken()
            fake.expire(token: token)
            let expired = await #expect(throws: ConnectorError.self) { try await Self.execute(runtime, "account.details", token: token) }
            #expect(expired?.code == .providerAuth)
            #expect(expired?.providerCode == "EXPIRED_AUTHENTICATION")

            let readOnly = fake.issueToken(scopes: ["oauth", "crm.objects.contacts.read"])
            let refused = await #expect(throws: ConnectorError.self) {
                try await Self.execute(
                    runtime, "contacts.create", ["properties": .object(["email": .string("grace@example.com")])], token: readOnly)
            }
            #expect(refused?.code == .providerAuth, "reconnecting with the scope is the fix")
            #expect(refused?.providerCode == "MISSING_SCOPES")
            #expect(!fake.contacts.contains { $0.properties["email"] == "grace@example.com" })

            let fresh = fake.issueToken()
            fake.injectRateLimit(count: 1)
            let listed = try await Self.execute(runtime, "contacts.list", ["limit": .number(5)], token: fresh)
            #expect(Self.items(listed.output).count == 5)
            #expect(listed.attempts == 2, "the 429 was retried")
        }
    }
}
