import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// Where `configs/connectors/xero.json` once disagreed with Xero's documentation. Each test states
/// the documented behaviour and fails if the definition drifts from it again: granular scopes,
/// `page=1` on the first request, invoices versioned by `UpdatedDateUTC`, the fields `searchTerm`
/// searches, and an offline organisation as a temporary condition.
@Suite struct XeroDefinitionTests {
    static func definition() throws -> ConnectorDefinition { try XeroRuntimeTests.definition() }

    /// Apps created on or after 2 March 2026 only get the granular scopes (`accounting.invoices`,
    /// `accounting.payments`, …); `accounting.transactions` is refused for them, and apps created
    /// before have until September 2027 to move:
    /// https://developer.xero.com/faq/granular-scopes,
    /// https://developer.xero.com/documentation/guides/oauth2/scopes/
    @Test
    func aNewAppCanConsentToTheDefinitionsScopes() throws {
        let scopes = try #require(try Self.definition().auth.scopes)
        #expect(!scopes.contains("accounting.transactions"))
        #expect(scopes.contains("accounting.invoices"), "invoices.list and invoices.create need accounting.invoices")
        let fake = XeroFake()
        fake.newApp = true
        let consent = fake.authorize([
            "response_type": "code", "client_id": fake.app.clientID, "redirect_uri": fake.app.redirectURI,
            "scope": scopes.joined(separator: " "),
        ])
        #expect(consent.code != nil, "\(consent)")
    }

    /// Xero pages a GET of Invoices only when `page` is sent ("page=1 – Up to 100 invoices will
    /// be returned in a single API call with line items shown for each invoice"; `pageSize` up to
    /// 1000 goes with it); without it every matching invoice comes back at once:
    /// XeroAPI/Xero-OpenAPI xero_accounting.yaml getInvoices `page`,
    /// https://developer.xero.com/documentation/api/accounting/invoices#paging-invoices
    @Test
    func theFirstInvoicesRequestAsksForPageOne() async throws {
        let fake = XeroFake()
        fake.addInvoices(247)
        try fake.start()
        try await fake.server.serving {
            let runtime = try XeroRuntimeTests.runtime(fake)
            let result = try await XeroRuntimeTests.execute(runtime, "invoices.list", ["limit": .number(200)], token: fake.issueToken())
            #expect(XeroRuntimeTests.items(result.output).count == 200)
            let sent = fake.requests("GET", "/api.xro/2.0/Invoices")
            #expect(sent.map { $0.queryItems["page"] ?? [] } == [["1"], ["2"]])
            #expect(sent.allSatisfy { $0.queryItems["pageSize"] == ["100"] })
        }
    }

    /// A changed invoice is recognised by `UpdatedDateUTC` (and Xero's `If-Modified-Since`
    /// returns "only records created or modified since this timestamp"): a trigger named
    /// `invoices.changed` needs a `poll.version` read from it, else only new invoice ids are events:
    /// https://developer.xero.com/documentation/api/accounting/requests-and-responses,
    /// XeroAPI/Xero-OpenAPI xero_accounting.yaml components.parameters.ifModifiedSince
    @Test
    func theChangedTriggerVersionsInvoicesByUpdatedDateUTC() throws {
        let definition = try Self.definition()
        let trigger = try #require(definition.triggers.first { $0.id == "invoices.changed" })
        let version = try #require(trigger.poll?.version)
        let fields = definition.action("invoices.list")?.response?.fields ?? [:]
        #expect(fields[version] == "UpdatedDateUTC")
    }

    /// Contacts' `searchTerm` "performs a case-insensitive text search across the Name,
    /// FirstName, LastName, ContactNumber and EmailAddress fields" — not the account number:
    /// XeroAPI/Xero-OpenAPI xero_accounting.yaml getContacts `searchTerm`,
    /// https://developer.xero.com/documentation/api/accounting/contacts
    @Test
    func theContactSearchDescriptionNamesTheSearchedFields() async throws {
        let action = try #require(try Self.definition().action("contacts.list"))
        let description = JSONPath.text(action.inputSchema["properties"]?["searchTerm"]?["description"]) ?? ""
        #expect(!description.lowercased().contains("account number"))
        let fake = XeroFake()
        try fake.start()
        try await fake.server.serving {
            let runtime = try XeroRuntimeTests.runtime(fake)
            let byAccount = try await XeroRuntimeTests.execute(runtime, "contacts.list", ["searchTerm": .string("BAY-01")], token: fake.issueToken())
            #expect(XeroRuntimeTests.items(byAccount.output).isEmpty, "the account number is not searched")
        }
    }

    /// "503 Organisation offline: The organisation temporarily cannot be connected to" — a
    /// temporary condition, once listed by the definition as permanent and retryable at once:
    /// https://developer.xero.com/documentation/api/http-response-codes
    @Test
    func anOfflineOrganisationIsOnlyRetryable() throws {
        let errors = try #require(try Self.definition().errors)
        #expect(!(errors.permanentCodes ?? []).contains(.string("OrganisationOfflineException")))
        #expect((errors.retryableCodes ?? []).contains(.string("OrganisationOfflineException")))
    }
}
