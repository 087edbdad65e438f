import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// Where the Dynamics 365 definition once disagreed with Microsoft's documentation, each kept as
/// a test that fails if the definition (or the runtime feature it needs) drifts back: the
/// `@odata.nextLink` member followed (an escaped dot in the path), edited contacts as changes,
/// and a missing privilege as a permanent refusal.
@Suite struct Dynamics365DefinitionTests {
    func withDynamics(_ body: (Dynamics365Fake, ConnectorRuntime) async throws -> Void) async throws {
        try await Dynamics365RuntimeTests().withDynamics(body)
    }

    /// Dataverse answers a page as `{"@odata.context", "value", "@odata.nextLink"}`: the next
    /// link is the top-level member named `@odata.nextLink`, to be followed unchanged with the
    /// same `Prefer: odata.maxpagesize`
    /// (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/page-results).
    /// `pagination.nextUrlPath: "@odata.nextLink"` was read as the dot path `@odata` → `nextLink`,
    /// which no answer has: every search and list stopped after its first page and said it was
    /// complete (`truncated: false`). The definition now writes `@odata\\.nextLink`, the escaped
    /// dot `JSONPath` keeps in the key.
    @Test
    func aSearchFollowsTheNextLinkUnchangedWithTheSamePageSize() async throws {
        try await withDynamics { fake, runtime in
            let token = fake.issueToken()
            fake.addContacts(246)  // 250 contacts: pages of 100, 100 and 50
            let all = try await runtime.execute(Dynamics365RuntimeTests.call("contacts.search")) { _ in .token(token) }
            #expect(Dynamics365RuntimeTests.items(all.output).count == 250)
            #expect(all.pages == 3 && all.output["truncated"] == .bool(false))
            let reads = fake.server.requests("GET", Dynamics365Fake.apiPath + "/contacts")
            try #require(reads.count == 3)
            #expect(reads.allSatisfy { $0.header("Prefer") == "odata.maxpagesize=100" }, "the same page size on every page")
            #expect(reads.allSatisfy { $0.header("Authorization") == "Bearer \(token)" })
            #expect(reads[1].query?.contains("$skiptoken=%3Ccookie%20pagenumber=%222%22") == true, "the skiptoken as given: \(reads[1].query ?? "")")
            #expect(reads[2].query?.contains("$skiptoken=%3Ccookie%20pagenumber=%223%22") == true)

            let bounded = try await runtime.execute(Dynamics365RuntimeTests.call("contacts.search", ["limit": .number(150)])) { _ in .token(token) }
            #expect(Dynamics365RuntimeTests.items(bounded.output).count == 150)
            #expect(bounded.output["truncated"] == .bool(true), "more pages were left")
        }
    }

    /// `contacts.changed` says it "polls contacts ordered by modifiedon": a contact edited since the
    /// last poll is a change. Dataverse moves `modifiedon` on every update
    /// (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/contact#BKMK_ModifiedOn),
    /// The trigger named no `poll.version` and `contacts.search` mapped no `modifiedon` (it was in
    /// `$select` only), so only contacts with a new `contactid` became events; an edited one never
    /// did. The search now maps `modifiedOn: modifiedon` and the trigger polls by that version.
    @Test
    func anEditedContactIsAChange() async throws {
        let definition = try Dynamics365RuntimeTests.definition()
        let trigger = try #require(definition.triggers.first { $0.id == "contacts.changed" })
        try await withDynamics { fake, runtime in
            let token = fake.issueToken()
            let first = try await runtime.execute(Dynamics365RuntimeTests.call("contacts.search")) { _ in .token(token) }
            let learned = PolledItems(first.output, spec: trigger.poll)
            fake.touch(contact: "72bf4d48-34cb-ed11-b596-0022481d68cd")  // Nancy Anderson gets a new job title
            let second = try await runtime.execute(Dynamics365RuntimeTests.call("contacts.search")) { _ in .token(token) }
            let fresh = PolledItems(second.output, spec: trigger.poll).fresh(after: learned.remembered(after: []))
            #expect(fresh.compactMap { JSONPath.text($0.payload["lastName"]) } == ["Anderson"])
            #expect(fresh.first?.payload["jobTitle"] == .string("Chief Coffee Officer"))
        }
    }

    /// A missing privilege is `403 PrivilegeDenied` (`0x80040220`), a client error of a valid
    /// token whose application user's security role lacks it, listed apart from the 401
    /// authentication failures
    /// (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors#identify-status-codes,
    /// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/web-service-error-codes).
    /// The definition listed `0x80040220` among `errors.authCodes`: a role without `prvCreateLead`
    /// made `leads.create` an authentication failure, which renewed a valid token for nothing and
    /// put a connection whose other actions work in `attention`. It is in `permanentCodes` now.
    @Test
    func aMissingPrivilegeIsAPermanentRefusalNotAnAuthFailure() async throws {
        try await withDynamics { fake, runtime in
            let token = fake.issueToken()
            fake.deny(privilege: "prvCreateLead")
            let refreshes = Dynamics365RefreshCount()
            let denied = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Dynamics365RuntimeTests.call("leads.create", ["lastname": .string("Ng")])) { refresh in
                    refreshes.add(refresh)
                    return .token(token, canRefresh: true)
                }
            }
            #expect(denied?.code == .providerRejected, "\(denied?.code.rawValue ?? "")")
            #expect(denied?.providerCode == "0x80040220" && denied?.message.contains("prvCreateLead") == true)
            #expect(refreshes.refreshes == 0, "a valid token is not renewed")
        }
    }
}
