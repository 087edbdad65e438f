import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Xero definition run by the real runtime against the Xero fake (which follows Xero's
/// Accounting API reference, its OpenAPI document and the identity guides): the tenants of
/// `/connections` as accounts, the `xero-tenant-id` header from the call's account, every
/// action's query, body and mapping, the limit headers, and the error classes.
@Suite struct XeroRuntimeTests {
    static let connector = "xero"
    static let tenant = XeroFake.tenants[0].id

    static func definition() throws -> ConnectorDefinition {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return try #require(catalog[connector]?.definition)
    }

    static func runtime(_ fake: XeroFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(catalog: catalog, client: OutboundClient.quickRetries(label: connector), baseURLOverrides: [connector: fake.baseURL])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withXero(_ fake: XeroFake = XeroFake(), _ body: (XeroFake, ConnectorRuntime) async throws -> Void) async throws {
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static func execute(
        _ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue] = [:], token: String, account: String? = tenant,
        idempotencyKey: String? = nil
    ) async throws -> ConnectorResult {
        try await runtime.execute(
            ConnectorCall(connector: connector, action: action, input: .object(input), accountID: account, idempotencyKey: idempotencyKey)
        ) { _ in .token(token) }
    }

    static func items(_ output: JSONValue) -> [JSONValue] {
        if case .array(let items) = output { return items }
        return output["items"]?.arrayItems ?? []
    }

    @Test func theConnectionsAreTheAccountsWithTheTenantIdAsAccountId() async throws {
        let definition = try Self.definition()
        #expect(definition.accounts?.action == "connections.list")
        try await withXero { fake, runtime in
            let token = fake.issueToken()
            let listed = try await Self.execute(runtime, "connections.list", token: token, account: nil)
            let tenants = Self.items(listed.output)
            #expect(tenants.compactMap { JSONPath.text($0["id"]) } == XeroFake.tenants.map(\.id))
            #expect(tenants.first?["name"] == .string("Demo Company (UK)") && tenants.first?["type"] == .string("ORGANISATION"))
            #expect(tenants.first?["connectionId"] == .string(XeroFake.tenants[0].connectionID))
            let sent = try #require(fake.requests("GET", "/connections").last)
            #expect(sent.header("Authorization") == "Bearer \(token)" && sent.header("xero-tenant-id") == nil)
        }
    }

    @Test func invoicesAreListedForTheCallsTenantWithFiltersAndMapped() async throws {
        try await withXero { fake, runtime in
            let token = fake.issueToken()
            let listed = try await Self.execute(
                runtime, "invoices.list", ["statuses": .string("AUTHORISED,PAID"), "where": .string(#"Type=="ACCREC""#)], token: token)
            let invoices = Self.items(listed.output)
            #expect(invoices.compactMap { JSONPath.text($0["status"]) } == ["PAID", "AUTHORISED"], "UpdatedDateUTC DESC")
            let authorised = try #require(invoices.last)
            let stored = fake.invoices()[0]
            #expect(authorised["id"] == .string(stored.id) && authorised["number"] == .string("INV-0001"))
            #expect(authorised["type"] == .string("ACCREC") && authorised["contactName"] == .string("Bayside Club"))
            #expect(authorised["total"] == .number(575) && authorised["amountDue"] == .number(575) && authorised["currency"] == .string("GBP"))
            #expect(authorised["dueDate"] == .string("2026-12-20T00:00:00"))
            let sent = try #require(fake.requests("GET", "/api.xro/2.0/Invoices").last)
            #expect(sent.header("xero-tenant-id") == Self.tenant, "the account is the tenant")
            #expect(sent.queryItems["Statuses"] == ["AUTHORISED,PAID"] && sent.queryItems["where"] == [#"Type=="ACCREC""#])
            #expect(sent.queryItems["order"] == ["UpdatedDateUTC DESC"] && sent.queryItems["summaryOnly"] == ["true"])
            #expect(sent.header("Accept") == "application/json")

            // The other organisation is another account: its own invoices.
            let other = try await Self.execute(runtime, "invoices.list", token: token, account: XeroFake.tenants[1].id)
            #expect(Set(Self.items(other.output).compactMap { JSONPath.text($0["id"]) }) == Set(fake.invoices(of: XeroFake.tenants[1].id).map(\.id)))
            let contact = fake.contacts()[1].id
            let byContact = try await Self.execute(runtime, "invoices.list", ["contactIds": .string(contact)], token: token)
            #expect(Self.items(byContact.output).compactMap { JSONPath.text($0["status"]) } == ["PAID"])
            #expect(fake.requests("GET", "/api.xro/2.0/Invoices").last?.queryItems["ContactIDs"] == [contact])
        }
    }

    @Test func aLimitCutsTheListAndAMalformedFilterIsRejected() async throws {
        let fake = XeroFake()
        fake.addInvoices(30)
        try await withXero(fake) { fake, runtime in
            let token = fake.issueToken()
            let limited = try await Self.execute(runtime, "invoices.list", ["limit": .number(10)], token: token)
            #expect(Self.items(limited.output).count == 10)
            #expect(fake.requests("GET", "/api.xro/2.0/Invoices").first?.queryItems["pageSize"] == ["100"])
            let bad = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "invoices.list", ["where": .string("Total>5")], token: token)
            }
            #expect(bad?.code == .providerRejected && bad?.providerCode == "QueryParseException")
        }
    }

    @Test func anInvoiceIsCreatedWithTheInvoicesEnvelopeAndTheIdempotencyKey() async throws {
        try await withXero { fake, runtime in
            let token = fake.issueToken()
            let contact = fake.contacts()[0].id
            let input: [String: JSONValue] = [
                "Type": .string("ACCREC"), "Contact": .object(["ContactID": .string(contact)]), "Status": .string("AUTHORISED"),
                "Date": .string("2026-12-04"), "DueDate": .string("2027-01-03"), "Reference": .string("PO-7"),
                "LineItems": .array([
                    .object(["Description": .string("Design"), "Quantity": .number(4), "UnitAmount": .number(125), "AccountCode": .string("200")])
                ]),
            ]
            let created = try await Self.execute(runtime, "invoices.create", input, token: token, idempotencyKey: "inv-create-1")
            #expect(created.output["number"] == .string("INV-0003") && created.output["status"] == .string("AUTHORISED"))
            #expect(created.output["total"] == .number(575))
            #expect(created.output["id"] == .string(fake.invoices().last?.id ?? "-"))
            let sent = try #require(fake.requests("POST", "/api.xro/2.0/Invoices").last)
            #expect(sent.header("Idempotency-Key") == "inv-create-1" && sent.header("xero-tenant-id") == Self.tenant)
            let invoices = (sent.json as? [String: Any])?["Invoices"] as? [[String: Any]]
            #expect(invoices?.count == 1 && invoices?.first?["Reference"] as? String == "PO-7")

            // Xero's validation error is permanent, with its type as the code.
            var missing = input
            missing["LineItems"] = .array([.object(["Description": .string("Design")])])
            let refused = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "invoices.create", missing, token: token)
            }
            #expect(refused?.code == .providerRejected && refused?.providerCode == "ValidationException")
            #expect(fake.requests("POST", "/api.xro/2.0/Invoices").count == 2, "a 400 is not retried")
        }
    }

    @Test func contactsAreSearchedAndCreated() async throws {
        try await withXero { fake, runtime in
            let token = fake.issueToken()
            let found = try await Self.execute(runtime, "contacts.list", ["searchTerm": .string("bayside")], token: token)
            let contact = try #require(Self.items(found.output).first)
            #expect(contact["name"] == .string("Bayside Club") && contact["email"] == .string("secretarybob@bayside.example"))
            #expect(contact["status"] == .string("ACTIVE") && contact["isCustomer"] == .bool(true))
            let sent = try #require(fake.requests("GET", "/api.xro/2.0/Contacts").last)
            #expect(sent.queryItems["searchTerm"] == ["bayside"] && sent.queryItems["summaryOnly"] == ["true"])
            let all = try await Self.execute(runtime, "contacts.list", token: token)
            #expect(Self.items(all.output).count == 2, "archived contacts are left out")

            let created = try await Self.execute(
                runtime, "contacts.create", ["Name": .string("Harbour Cafe"), "EmailAddress": .string("hello@harbour.example")], token: token,
                idempotencyKey: "contact-1")
            #expect(created.output["name"] == .string("Harbour Cafe") && created.output["id"] == .string(fake.contacts().last?.id ?? "-"))
            let body = fake.requests("POST", "/api.xro/2.0/Contacts").last?.json as? [String: Any]
            #expect((body?["Contacts"] as? [[String: Any]])?.first?["Name"] as? String == "Harbour Cafe")
            let duplicate = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "contacts.create", ["Name": .string("Harbour Cafe")], token: token)
            }
            #expect(duplicate?.code == .providerRejected && duplicate?.providerCode == "ValidationException")
        }
    }

    @Test func authTenantRateLimitAndOfflineErrorsAreClassified() async throws {
        try await withXero { fake, runtime in
            let token = fake.issueToken()
            fake.expire(token: token)
            let expired = await #expect(throws: ConnectorError.self) { try await Self.execute(runtime, "contacts.list", token: token) }
            #expect(expired?.code == .providerAuth)

            let fresh = fake.issueToken()
            let stranger = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "contacts.list", token: fresh, account: "00000000-0000-4000-8000-000000000000")
            }
            #expect(stranger?.code == .providerAuth, "403 AuthenticationUnsuccessful: the tenant is not connected")

            fake.injectRateLimit(problem: "day", retryAfter: 3600)
            let limited = await #expect(throws: ConnectorError.self) { try await Self.execute(runtime, "contacts.list", token: fresh) }
            #expect(limited?.code == .providerRateLimited && limited?.retryAfterSeconds == 3600)

            // A short minute limit on a read is waited out and retried.
            fake.injectRateLimit(problem: "minute", retryAfter: 1)
            let retried = try await Self.execute(runtime, "contacts.list", token: fresh)
            #expect(retried.attempts == 2 && Self.items(retried.output).count == 2)

            fake.takeOffline(Self.tenant)
            let offline = await #expect(throws: ConnectorError.self) { try await Self.execute(runtime, "contacts.list", token: fresh) }
            #expect(offline?.code == .providerUnavailable, "an organisation offline is temporary")
        }
    }

    @Test func theInvoicesChangedTriggerIsPolledOncePerTenant() throws {
        let definition = try Self.definition()
        let trigger = try #require(definition.triggers.first { $0.id == "invoices.changed" })
        #expect(trigger.type == "polling" && trigger.action == "invoices.list")
        #expect(definition.pollsEachAccount(trigger) && definition.pollBlocker(trigger) == nil, "end to end: PerAccountPollTests")
    }
}
