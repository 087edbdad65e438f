import Foundation
import HTTPFields
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// The Salesforce definition run by the real runtime against `SalesforceFake`, which follows the
/// REST API and OAuth references: the org's own host (`{{vars.instanceHost}}`, pointed at the fake
/// through the base URL override as a deployment's `CONNECTOR_ENDPOINTS_FILE` does), each of the
/// five actions as Salesforce takes them, query batches followed through `nextRecordsUrl` (a path
/// on the instance) and bounded, and Salesforce's error arrays — an expired session, the spent
/// daily allocation, a malformed query, field errors, an unavailable server — as the documented
/// outcomes.
@Suite struct SalesforceRuntimeTests {
    static let instanceHost = "neonhub-demo.my.salesforce.com"

    static func runtime(_ fake: SalesforceFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "salesforce"), baseURLOverrides: ["salesforce": fake.apiBaseURL])
    }

    func withSalesforce(_ fake: SalesforceFake = SalesforceFake(), _ body: (SalesforceFake, ConnectorRuntime) async throws -> Void) async throws {
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static func execute(_ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue] = [:], token: String) async throws
        -> ConnectorResult
    {
        let call = ConnectorCall(connector: "salesforce", action: action, input: .object(input), variables: ["instanceHost": instanceHost])
        return try await runtime.execute(call) { _ in .token(token) }
    }

    static func body(_ request: FakeProviderServer.RecordedRequest?) -> JSONValue {
        request.flatMap { try? JSONValue.parse($0.body) } ?? .null
    }

    @Test func theInstanceHostIsTheBaseURLsHost() async throws {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let definition = try #require(catalog["salesforce"]?.definition)
        let built = try ConnectorRequestBuilder(definition: definition, baseURLOverride: nil).build(
            try #require(definition.action("records.query")?.request),
            renderer: TemplateRenderer(
                scope: ["vars": .object(["instanceHost": .string(Self.instanceHost)]), "input": .object(["soql": .string("SELECT Id FROM Lead")])]),
            credentials: ConnectorCredentialsValue.token("00D-placeholder").credentials.forRequest())
        #expect(built.url.absoluteString == "https://neonhub-demo.my.salesforce.com/services/data/v62.0/query?q=SELECT%20Id%20FROM%20Lead")
        #expect(built.headers["Authorization"] == "Bearer 00D-placeholder" && built.headers["Accept"] == "application/json")
    }

    @Test func aQueryFollowsNextRecordsUrlOnTheInstanceAndStopsAtItsLimit() async throws {
        try await withSalesforce { fake, runtime in
            let token = fake.issueToken()
            fake.batchSize = 200
            let soql = "SELECT Id, Name, Email FROM Contact"
            // 450 contacts in batches of 200: three requests, the later two the locator paths.
            let all = try await Self.execute(runtime, "records.query", ["soql": .string(soql), "limit": .number(2000)], token: token)
            #expect(all.pages == 3)
            #expect(all.output["items"]?.arrayItems.count == 450)
            #expect(all.output["truncated"] == .bool(false))
            let first = try #require(fake.apiRequests("GET", "/query").first)
            #expect(first.queryItems["q"] == [soql])
            #expect(first.header("Authorization") == "Bearer \(token)" && first.header("Accept") == "application/json")
            let more = fake.apiRequests("GET", "/query/*")
            #expect(more.count == 2)
            #expect(more.allSatisfy { $0.query == nil && $0.header("Authorization") == "Bearer \(token)" }, "nextRecordsUrl is sent as given")
            #expect(more.map(\.path).allSatisfy { $0.hasPrefix("/services/data/v62.0/query/01g") })

            // A limit ends the read: 250 records are two batches, and the third is never asked for.
            let bounded = try await Self.execute(runtime, "records.query", ["soql": .string(soql), "limit": .number(250)], token: token)
            #expect(bounded.output["items"]?.arrayItems.count == 250)
            #expect(bounded.pages == 2)
            #expect(bounded.output["truncated"] == .bool(true))
            #expect(fake.apiRequests("GET", "/query/*").count == 3)

            // Past the definition's bound (2,000) is refused before anything is sent.
            let before = fake.requests.count
            let tooMany = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "records.query", ["soql": .string(soql), "limit": .number(2001)], token: token)
            }
            #expect(tooMany?.code == .invalidInput)
            #expect(fake.requests.count == before)
        }
    }

    @Test func aContactSearchSendsTheDocumentedParametersAndMapsTheRecords() async throws {
        try await withSalesforce { fake, runtime in
            let token = fake.issueToken()
            let found = try await Self.execute(runtime, "contacts.search", ["text": .string("Grace")], token: token)
            let contacts = found.output.arrayItems
            #expect(contacts.count == 25, "Contact.limit defaults to 25")
            let grace = try #require(fake.records("Contact").first { $0.fields["FirstName"] == "Grace" })
            #expect(contacts.first?["id"] == .string(grace.id))
            #expect(contacts.first?["firstName"] == .string("Grace") && contacts.first?["email"] == grace.fields["Email"].map(JSONValue.string))
            #expect(contacts.first?["accountId"] == grace.fields["AccountId"].map(JSONValue.string))
            #expect(contacts.first?["title"] != nil && contacts.first?["phone"] != nil && contacts.first?["lastName"] != nil)
            let sent = try #require(fake.apiRequests("GET", "/parameterizedSearch").last)
            #expect(sent.queryItems["q"] == ["Grace"] && sent.queryItems["sobject"] == ["Contact"] && sent.queryItems["in"] == ["ALL"])
            #expect(sent.queryItems["Contact.fields"] == ["Id,FirstName,LastName,Email,Phone,Title,AccountId"])
            #expect(sent.queryItems["Contact.limit"] == ["25"])

            let five = try await Self.execute(runtime, "contacts.search", ["text": .string("example.com"), "limit": .number(5)], token: token)
            #expect(five.output.arrayItems.count == 5)
            let short = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "contacts.search", ["text": .string("G")], token: token)
            }
            #expect(short?.code == .invalidInput, "Salesforce needs two characters; the schema says so first")
        }
    }

    @Test func contactsLeadsAndOpportunitiesAreCreatedWithTheDocumentedBodies() async throws {
        try await withSalesforce { fake, runtime in
            let token = fake.issueToken()
            let account = try #require(fake.records("Account").first?.id)
            let contactInput: [String: JSONValue] = [
                "LastName": .string("Lovelace"), "FirstName": .string("Ada"), "Email": .string("ada@example.com"),
                "Phone": .string("+44 20 7946 0000"),
                "Title": .string("Analyst"), "AccountId": .string(account), "LeadSource": .string("Web"),
            ]
            let contact = try await Self.execute(runtime, "contacts.create", contactInput, token: token)
            let stored = try #require(fake.records("Contact").last)
            #expect(contact.output["id"] == .string(stored.id) && contact.output["success"] == .bool(true))
            #expect(stored.fields["Email"] == "ada@example.com" && stored.fields["AccountId"] == account)
            let sent = try #require(fake.apiRequests("POST", "/sobjects/Contact").last)
            #expect(Self.body(sent) == .object(contactInput), "the input is the sObject's field map")
            #expect(sent.header("Content-Type")?.hasPrefix("application/json") == true)

            let lead = try await Self.execute(
                runtime, "leads.create",
                [
                    "LastName": .string("Hopper"), "Company": .string("Navy"), "Email": .string("grace@example.com"),
                    "Status": .string("Working - Contacted"),
                ],
                token: token)
            let storedLead = try #require(fake.records("Lead").last)
            #expect(lead.output["id"] == .string(storedLead.id) && storedLead.id.hasPrefix("00Q"))
            #expect(storedLead.fields["Company"] == "Navy" && storedLead.fields["Status"] == "Working - Contacted")

            let opportunity = try await Self.execute(
                runtime, "opportunities.create",
                [
                    "Name": .string("Spring launch"), "StageName": .string("Prospecting"), "CloseDate": .string("2026-03-31"),
                    "Amount": .number(1500), "AccountId": .string(account),
                ], token: token)
            let storedOpportunity = try #require(fake.records("Opportunity").last)
            #expect(opportunity.output["id"] == .string(storedOpportunity.id) && opportunity.output["success"] == .bool(true))
            #expect(storedOpportunity.fields["Amount"] == "1500" && storedOpportunity.fields["CloseDate"] == "2026-03-31")
            #expect(Self.body(fake.apiRequests("POST", "/sobjects/Opportunity").last)["Amount"] == .number(1500))
        }
    }

    @Test func salesforcesFieldErrorsArePermanentWithTheirCodeAndMessage() async throws {
        try await withSalesforce { fake, runtime in
            let token = fake.issueToken()
            let malformed = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "records.query", ["soql": .string("SELEC Id FROM Contact")], token: token)
            }
            #expect(malformed?.code == .providerRejected)
            #expect(malformed?.providerCode == "MALFORMED_QUERY")
            #expect(malformed?.message.contains("unexpected token: 'SELEC'") == true, "\(malformed?.message ?? "")")
            #expect(fake.apiRequests("GET", "/query").count == 1, "not retried")

            let field = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "records.query", ["soql": .string("SELECT Id, Shoe FROM Contact")], token: token)
            }
            #expect(field?.code == .providerRejected && field?.providerCode == "INVALID_FIELD")
            #expect(field?.message.contains("No such column 'Shoe' on entity 'Contact'") == true)

            let long = await #expect(throws: ConnectorError.self) {
                try await Self.execute(
                    runtime, "contacts.create", ["LastName": .string("X"), "Title": .string(String(repeating: "t", count: 129))], token: token)
            }
            #expect(long?.code == .providerRejected && long?.providerCode == "STRING_TOO_LONG")
            #expect(long?.message.contains("Title: data value too large") == true)
            #expect(fake.records("Contact").count == 450)
        }
    }

    @Test func anExpiredSessionIsAnAuthErrorAndIsRefreshedOnceWhereTheConnectionCan() async throws {
        try await withSalesforce { fake, runtime in
            let old = fake.issueToken()
            fake.expire(token: old)
            let expired = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "records.query", ["soql": .string("SELECT Id FROM Account")], token: old)
            }
            #expect(expired?.code == .providerAuth)
            #expect(expired?.providerCode == "INVALID_SESSION_ID")
            #expect(expired?.message.contains("Session expired or invalid") == true)

            // A refreshable credential: asked again with refresh: true, and the call goes on.
            let fresh = fake.issueToken()
            let asked = SalesforceRefreshFlags()
            let call = ConnectorCall(
                connector: "salesforce", action: "records.query", input: .object(["soql": .string("SELECT Id FROM Account")]),
                variables: ["instanceHost": Self.instanceHost])
            let result = try await runtime.execute(call) { refresh in
                asked.record(refresh)
                return .token(refresh ? fresh : old, canRefresh: true)
            }
            #expect(asked.values == [false, true])
            #expect(result.output["items"]?.arrayItems.count == 1)
            #expect(fake.apiRequests("GET", "/query").last?.header("Authorization") == "Bearer \(fresh)")
        }
    }

    @Test func theSpentDailyAllocationIsARateLimitThatIsNotRetriedOrRefreshed() async throws {
        try await withSalesforce(SalesforceFake(dailyLimit: 1)) { fake, runtime in
            let token = fake.issueToken()
            _ = try await Self.execute(runtime, "records.query", ["soql": .string("SELECT Id FROM Account")], token: token)
            let asked = SalesforceRefreshFlags()
            let call = ConnectorCall(
                connector: "salesforce", action: "contacts.create", input: .object(["LastName": .string("Late")]),
                variables: ["instanceHost": Self.instanceHost])
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(call) { refresh in
                    asked.record(refresh)
                    return .token(token, canRefresh: true)
                }
            }
            #expect(limited?.code == .providerRateLimited, "403 REQUEST_LIMIT_EXCEEDED is the org's allocation, not the credential")
            #expect(limited?.providerCode == "REQUEST_LIMIT_EXCEEDED")
            #expect(
                limited?.retryAfterSeconds == Int(RateLimitReading.recheckAfter),
                "Salesforce names no time to wait; Sforce-Limit-Info says the allocation is spent, so it is looked at again later")
            #expect(asked.values == [false], "no refresh for a rate limit")
            #expect(fake.apiRequests("POST", "/sobjects/Contact").count == 1, "not retried")
            #expect(fake.records("Contact").count == 450)
        }
    }

    @Test func anUnavailableServerIsRetriedForReadsAndALockedRowIsRetryableLater() async throws {
        try await withSalesforce { fake, runtime in
            let token = fake.issueToken()
            fake.failNext(status: 503, errorCode: "SERVER_UNAVAILABLE", message: "Server temporarily unavailable")
            let read = try await Self.execute(runtime, "records.query", ["soql": .string("SELECT Id FROM Account")], token: token)
            #expect(read.attempts == 2)
            #expect(read.output["items"]?.arrayItems.count == 1)

            fake.failNext(status: 400, errorCode: "UNABLE_TO_LOCK_ROW", message: "unable to obtain exclusive access to this record")
            let locked = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, "leads.create", ["LastName": .string("Busy"), "Company": .string("Acme")], token: token)
            }
            #expect(locked?.code == .providerUnavailable, "the definition lists UNABLE_TO_LOCK_ROW as retryable")
            #expect(locked?.providerCode == "UNABLE_TO_LOCK_ROW")
            #expect(fake.records("Lead").isEmpty)
        }
    }
}

/// The `refresh` flags a credential source was asked with, in order.
final class SalesforceRefreshFlags: Sendable {
    private let state = Mutex<[Bool]>([])
    func record(_ refresh: Bool) { state.withLock { $0.append(refresh) } }
    var values: [Bool] { state.withLock { $0 } }
}
