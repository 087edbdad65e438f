import Foundation
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// The Dynamics 365 definition run by the real runtime against `Dynamics365Fake`, which follows
/// the Dataverse Web API and Microsoft identity platform references: the environment's host
/// (`{{vars.orgHost}}`, pointed at the fake through the base URL override as a deployment's
/// `CONNECTOR_ENDPOINTS_FILE` does), the OData headers on every request, each action's query,
/// body and mapping, the `contacts.changed` polling trigger, and Dataverse's refusals — an
/// expired token, a missing application user, service protection limits, query and payload
/// errors — as the documented outcomes.
@Suite struct Dynamics365RuntimeTests {
    static let connector = "dynamics-365"
    static let path = Dynamics365Fake.apiPath

    static func definition() throws -> ConnectorDefinition {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return try #require(catalog[connector]?.definition)
    }

    static func runtime(_ fake: Dynamics365Fake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: connector), baseURLOverrides: [connector: fake.apiBaseURL])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withDynamics(_ body: (Dynamics365Fake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = Dynamics365Fake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        ConnectorCall(
            connector: connector, action: action, input: .object(input),
            variables: ["tenantId": Dynamics365Fake.tenantID, "orgHost": Dynamics365Fake.orgHost])
    }

    static func items(_ output: JSONValue) -> [JSONValue] { output["items"]?.arrayItems ?? output.arrayItems }

    static func body(_ request: FakeProviderServer.RecordedRequest?) -> JSONValue {
        request.flatMap { try? JSONValue.parse($0.body) } ?? .null
    }

    @Test func theBaseURLIsTheEnvironmentsWebAPIAndEveryRequestSpeaksOData4() async throws {
        let definition = try Self.definition()
        #expect(definition.baseUrl == "https://{{vars.orgHost}}/api/data/v9.2")
        let built = try ConnectorRequestBuilder(definition: definition, baseURLOverride: nil).build(
            try #require(definition.action("whoAmI")?.request),
            renderer: TemplateRenderer(scope: ["vars": .object(["orgHost": .string(Dynamics365Fake.orgHost)]), "input": .object([:])]),
            credentials: ConnectorCredentialsValue.token("eyJ-placeholder").credentials.forRequest())
        #expect(built.url.absoluteString == "https://contoso.crm.dynamics.com/api/data/v9.2/WhoAmI")

        try await withDynamics { fake, runtime in
            let token = fake.issueToken()
            let me = try await runtime.execute(Self.call("whoAmI")) { _ in .token(token) }
            #expect(
                me.output
                    == .object([
                        "userId": .string(Dynamics365Fake.applicationUserID), "businessUnitId": .string(Dynamics365Fake.businessUnitID),
                        "organizationId": .string(Dynamics365Fake.organizationID),
                    ]))
            let sent = try #require(fake.apiRequests.last)
            #expect(sent.method == "GET" && sent.path == Self.path + "/WhoAmI")
            #expect(sent.header("Authorization") == "Bearer \(token)")
            #expect(sent.header("Accept") == "application/json")
            #expect(sent.header("OData-MaxVersion") == "4.0" && sent.header("OData-Version") == "4.0")
        }
    }

    @Test func contactsAreSearchedWithTheSelectOrderFilterAndPageSizeDataverseTakes() async throws {
        try await withDynamics { fake, runtime in
            let token = fake.issueToken()
            let all = try await runtime.execute(Self.call("contacts.search")) { _ in .token(token) }
            let contacts = Self.items(all.output)
            #expect(contacts.compactMap { JSONPath.text($0["lastName"]) } == ["McKay", "Stubberod", "Anderson", "Campbell"], "newest first")
            let yvonne = try #require(contacts.first)
            #expect(yvonne["id"] == .string("49b0be2e-d01c-ed11-b83e-000d3a572421") && yvonne["firstName"] == .string("Yvonne"))
            #expect(yvonne["email"] == .string("yvonne@fourthcoffee.example") && yvonne["jobTitle"] == .string("Purchasing Manager"))
            #expect(yvonne["accountId"] == .string(Dynamics365Fake.fourthCoffee) && yvonne["phone"] == .null)
            #expect(all.pages == 1 && all.output["truncated"] == .bool(false))
            let sent = try #require(fake.apiRequests.last)
            #expect(sent.path == Self.path + "/contacts")
            #expect(
                sent.queryItems["$select"] == [
                    "contactid,firstname,lastname,fullname,emailaddress1,telephone1,jobtitle,_parentcustomerid_value,modifiedon"
                ])
            #expect(sent.queryItems["$orderby"] == ["modifiedon desc"] && sent.queryItems["$filter"] == nil, "no filter unless asked")
            #expect(sent.header("Prefer") == "odata.maxpagesize=100")

            let some = try await runtime.execute(
                Self.call("contacts.search", ["filter": .string("contains(fullname,'an')"), "pageSize": .number(50)])
            ) {
                _ in .token(token)
            }
            #expect(Self.items(some.output).compactMap { JSONPath.text($0["lastName"]) } == ["Stubberod", "Anderson"])
            #expect(fake.apiRequests.last?.queryItems["$filter"] == ["contains(fullname,'an')"])
            #expect(fake.apiRequests.last?.header("Prefer") == "odata.maxpagesize=50")

            let before = fake.apiRequests.count
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("contacts.search", ["filter": .string("nickname eq 'Ada'")])) { _ in .token(token) }
            }
            #expect(refused?.code == .providerRejected && refused?.providerCode == "0x80060888")
            #expect(refused?.message.contains("Could not find a property named 'nickname'") == true, "\(refused?.message ?? "")")
            #expect(fake.apiRequests.count == before + 1, "a query error is not retried")
        }
    }

    @Test func aContactIsCreatedBoundToItsAccountAndReturnedAsRepresentation() async throws {
        try await withDynamics { fake, runtime in
            let token = fake.issueToken()
            let input: [String: JSONValue] = [
                "firstname": .string("Ada"), "lastname": .string("Lovelace"), "emailaddress1": .string("ada@litware.example"),
                "jobtitle": .string("Analyst"), "parentcustomerid_account@odata.bind": .string("/accounts(\(Dynamics365Fake.litware))"),
            ]
            let created = try await runtime.execute(Self.call("contacts.create", input)) { _ in .token(token) }
            let id = try #require(JSONPath.text(created.output["id"]))
            #expect(created.output == .object(["id": .string(id), "fullName": .string("Ada Lovelace")]))
            let row = try #require(fake.contacts.last)
            #expect(row["contactid"] == .text(id) && row["_parentcustomerid_value"] == .text(Dynamics365Fake.litware))
            let sent = try #require(fake.apiRequests.last)
            #expect(sent.method == "POST" && sent.path == Self.path + "/contacts")
            #expect(sent.header("Prefer") == "return=representation" && sent.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(Self.body(sent) == .object(input), "the input is the body, the binding as written")

            // Refused before anything is sent: no last name, a binding that is not an account path.
            let count = fake.apiRequests.count
            for bad: [String: JSONValue] in [
                ["firstname": .string("Nobody")],
                ["lastname": .string("X"), "parentcustomerid_account@odata.bind": .string("accounts(\(Dynamics365Fake.litware))")],
            ] {
                let invalid = await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(Self.call("contacts.create", bad)) { _ in .token(token) }
                }
                #expect(invalid?.code == .invalidInput)
            }
            #expect(fake.apiRequests.count == count)

            // Dataverse's own refusals are permanent, with its code and message.
            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call(
                        "contacts.create",
                        ["lastname": .string("X"), "parentcustomerid_account@odata.bind": .string("/accounts(00000000-0000-0000-0000-000000000001)")])
                ) { _ in .token(token) }
            }
            #expect(missing?.code == .providerRejected && missing?.providerCode == "0x80040217")
            #expect(missing?.message.contains("Does Not Exist") == true)
            let long = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("contacts.create", ["lastname": .string(String(repeating: "x", count: 51))])) { _ in .token(token)
                }
            }
            #expect(long?.code == .providerRejected && long?.providerCode == "0x80044331")
            #expect(fake.contacts.count == 5, "one contact created")
        }
    }

    @Test func aLeadIsCreatedWithItsTopicAndSource() async throws {
        try await withDynamics { fake, runtime in
            let token = fake.issueToken()
            let input: [String: JSONValue] = [
                "subject": .string("Coffee for 40 people"), "firstname": .string("Wei"), "lastname": .string("Ng"),
                "companyname": .string("Northwind"), "emailaddress1": .string("wei@northwind.example"), "leadsourcecode": .number(8),
                "description": .string("Asked on the web form"),
            ]
            let created = try await runtime.execute(Self.call("leads.create", input)) { _ in .token(token) }
            let lead = try #require(fake.leads.first)
            let leadID = try #require(JSONPath.text(created.output["id"]))
            #expect(created.output == .object(["id": .string(leadID), "fullName": .string("Wei Ng")]))
            #expect(lead["leadid"] == .text(leadID) && lead["leadsourcecode"] == .int(8))
            #expect(lead["subject"] == .text("Coffee for 40 people") && lead["companyname"] == .text("Northwind"))
            let sent = try #require(fake.apiRequests.last)
            #expect(sent.path == Self.path + "/leads" && sent.header("Prefer") == "return=representation")
        }
    }

    @Test func opportunitiesAreListedWithTheirValueStageAndCustomer() async throws {
        try await withDynamics { fake, runtime in
            let token = fake.issueToken()
            let open = try await runtime.execute(Self.call("opportunities.list", ["filter": .string("statecode eq 0")])) { _ in .token(token) }
            let deals = Self.items(open.output)
            #expect(deals.count == 2)
            let airpots = try #require(deals.first { $0["name"] == .string("10 Airpot Coffee Makers") })
            #expect(
                airpots
                    == .object([
                        "id": .string("b6ea9a1f-3c4d-ed11-bba1-000d3a5a1f61"), "name": .string("10 Airpot Coffee Makers"),
                        "estimatedValue": .number(25_000), "closeDate": .string("2026-12-31"), "state": .number(0),
                        "stage": .string("2-Develop"), "customerId": .string(Dynamics365Fake.fourthCoffee),
                    ]))
            let sent = try #require(fake.apiRequests.last)
            #expect(sent.path == Self.path + "/opportunities")
            #expect(
                sent.queryItems["$select"] == ["opportunityid,name,estimatedvalue,estimatedclosedate,statecode,statuscode,stepname,_customerid_value"]
            )
            #expect(sent.queryItems["$filter"] == ["statecode eq 0"] && sent.header("Prefer") == "odata.maxpagesize=100")

            let all = try await runtime.execute(Self.call("opportunities.list")) { _ in .token(token) }
            #expect(Self.items(all.output).count == 4)
        }
    }

    @Test func aServiceProtectionLimitIsWaitedOutByRetryAfterOrSurfacedWithItsCode() async throws {
        try await withDynamics { fake, runtime in
            let token = fake.issueToken()
            fake.injectThrottle(calls: 1, retryAfter: 1)
            let retried = try await runtime.execute(Self.call("whoAmI")) { _ in .token(token) }
            #expect(retried.attempts == 2)
            let reads = fake.server.requests("GET", Self.path + "/WhoAmI")
            #expect(reads.count == 2 && reads[1].receivedAt.timeIntervalSince(reads[0].receivedAt) >= 0.95, "Retry-After: 1 was waited for")

            fake.injectThrottle(calls: 1, retryAfter: 600, code: "0x80072321")  // beyond the client's cap: not waited for
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("opportunities.list")) { _ in .token(token) }
            }
            #expect(limited?.code == .providerRateLimited && limited?.providerCode == "0x80072321")
            #expect((598...600).contains(limited?.retryAfterSeconds ?? 0))
        }
    }

    @Test func anExpiredTokenIsRenewedOnceAndAMissingApplicationUserIsAnAuthFailure() async throws {
        try await withDynamics { fake, runtime in
            let first = fake.issueToken()
            let renewed = fake.issueToken()
            fake.expire(token: first)
            let asked = Dynamics365RefreshCount()
            let me = try await runtime.execute(Self.call("whoAmI")) { refresh in
                asked.add(refresh)
                return .token(refresh ? renewed : first, canRefresh: true)
            }
            #expect(JSONPath.text(me.output["userId"]) == Dynamics365Fake.applicationUserID)
            #expect(asked.refreshes == 1)
            #expect(fake.apiRequests.map { $0.header("Authorization") } == ["Bearer \(first)", "Bearer \(renewed)"])

            // Without a way to renew it, the 401 (empty body, WWW-Authenticate) is final.
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("whoAmI")) { _ in .token(first) }
            }
            #expect(refused?.code == .providerAuth && refused?.message.contains("HTTP 401") == true)
            #expect(refused?.message.contains(first) == false)

            fake.removeApplicationUser()
            let outsider = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("whoAmI")) { _ in .token(renewed) }
            }
            #expect(outsider?.code == .providerAuth && outsider?.providerCode == "0x80072560")
            #expect(outsider?.message.contains("not a member of the organization") == true)
        }
    }

    @Test func contactsChangedPollsTheSearchAndANewContactIsANewItem() async throws {
        let definition = try Self.definition()
        let trigger = try #require(definition.triggers.first { $0.id == "contacts.changed" })
        #expect(trigger.type == "polling" && trigger.action == "contacts.search" && trigger.interval == "PT15M")
        #expect(definition.pollBlocker(trigger) == nil, "it runs: the search needs no input per subscriber")
        try await withDynamics { fake, runtime in
            let token = fake.issueToken()
            let first = try await runtime.execute(Self.call("contacts.search")) { _ in .token(token) }
            let learned = PolledItems(first.output, spec: trigger.poll)
            #expect(
                learned.items.count == 4 && learned.items.first?.key.hasPrefix("49b0be2e-d01c-ed11-b83e-000d3a572421") == true, "keyed by contactid")
            fake.addContacts(1)
            let second = try await runtime.execute(Self.call("contacts.search")) { _ in .token(token) }
            let fresh = PolledItems(second.output, spec: trigger.poll).fresh(after: learned.remembered(after: []))
            #expect(fresh.compactMap { JSONPath.text($0.payload["lastName"]) } == ["No0"])
        }
    }
}

/// How often a credential source was asked to refresh.
final class Dynamics365RefreshCount: Sendable {
    private let count = Mutex(0)
    func add(_ refresh: Bool) { if refresh { count.withLock { $0 += 1 } } }
    var refreshes: Int { count.withLock { $0 } }
}
