import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// Where configs/connectors/netsuite.json once disagreed with Oracle's documentation, each written
/// as the test that fails if the definition drifts back: a created record's id comes from the 204's
/// `Location` (the definition's `headers.Location | lastPathSegment`).
@Suite struct NetSuiteDefinitionTests {
    func withNetSuite(_ body: (NetSuiteFake, ConnectorRuntime) async throws -> Void) async throws {
        try await NetSuiteRuntimeTests().withNetSuite(body)
    }

    /// "The URL of the newly created record is given in the Location header of the response", with
    /// no body (HTTP 204; https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1545141395.html).
    /// `customers.create` had no `response` mapping, so the run's output carried no id: the caller
    /// could not tell which customer it made.
    @Test
    func aCreatedCustomersIdIsTakenFromTheLocationHeader() async throws {
        try await withNetSuite { fake, runtime in
            let created = try await NetSuiteRuntimeTests.run(
                runtime, "customers.create", ["companyName": .string("Initech"), "subsidiary": .object(["id": .string("1")])],
                token: fake.issueToken())
            let id = try #require(fake.customers.last?.id)
            #expect(JSONPath.text(created.output["id"]) == id, "\(created.output)")
        }
    }

    /// The same documented 204 and `Location` for an invoice
    /// (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1545141395.html):
    /// `invoices.create` mapped nothing, so the new invoice's id was lost.
    @Test
    func aCreatedInvoicesIdIsTakenFromTheLocationHeader() async throws {
        try await withNetSuite { fake, runtime in
            let created = try await NetSuiteRuntimeTests.run(
                runtime, "invoices.create",
                ["entity": .object(["id": .string("108")]), "item": .object(["items": .array([.object(["item": .object(["id": .string("11")])])])])],
                token: fake.issueToken())
            let id = try #require(fake.invoices.last?.id)
            #expect(JSONPath.text(created.output["id"]) == id, "\(created.output)")
        }
    }
}
