import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// Where the Power BI definition (`configs/connectors/power-bi.json`) once disagreed with Power
/// BI's documentation. Each test states the documented behaviour and fails if the definition
/// drifts from it again: only fields Get Groups returns, no mail options for a service principal,
/// no refresh id promised, and a cut-short DAX result raised rather than passed off as whole.
@Suite struct PowerBIDefinitionTests {
    func withPowerBI(_ body: (PowerBIFake, ConnectorRuntime) async throws -> Void) async throws {
        try await PowerBIRuntimeTests().withPowerBI(body)
    }

    /// Get Groups answers `Group` objects with id, name, isReadOnly, isOnDedicatedCapacity,
    /// capacityId, defaultDatasetStorageFormat, dataflowStorageId (and logAnalyticsWorkspace for a
    /// single group) — no `type`, which only the admin API (Groups GetGroupsAsAdmin) has:
    /// https://learn.microsoft.com/en-us/rest/api/power-bi/groups/get-groups#group. The mapping
    /// `type: type` therefore never yields a value.
    @Test
    func everyWorkspaceFieldTheDefinitionMapsIsOneGetGroupsReturns() async throws {
        let documented: Set<String> = [
            "id", "name", "isReadOnly", "isOnDedicatedCapacity", "capacityId", "defaultDatasetStorageFormat", "dataflowStorageId",
            "logAnalyticsWorkspace",
        ]
        let fields = try #require(try PowerBIRuntimeTests.definition().action("groups.list")?.response?.fields)
        #expect(Set(fields.values).isSubset(of: documented), "\(fields.values.sorted())")
        try await withPowerBI { fake, runtime in
            let token = fake.issueToken()
            let listed = try await runtime.execute(PowerBIRuntimeTests.call("groups.list")) { _ in .token(token) }
            for workspace in PowerBIRuntimeTests.items(listed.output) {
                for name in fields.keys { #expect(workspace[name] != nil, "\(name) is never returned") }
            }
        }
    }

    /// `notifyOption` "is not applicable to enhanced refreshes or API operations with a service
    /// principal" (https://learn.microsoft.com/en-us/rest/api/power-bi/datasets/refresh-dataset-in-group#notifyoption;
    /// mail goes to the dataset owner's mailbox, which an app has not). This connector only ever
    /// calls as a service principal (`oauth2_client_credentials`), so `MailOnFailure` and
    /// `MailOnCompletion` can only be refused by Power BI; the input schema should allow
    /// `NoNotification` alone and refuse the others before anything is sent.
    @Test
    func mailNotifyOptionsAreRefusedBeforeAnythingIsSent() async throws {
        try await withPowerBI { fake, runtime in
            let token = fake.issueToken()
            for option in ["MailOnFailure", "MailOnCompletion"] {
                let refused = await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(
                        PowerBIRuntimeTests.call(
                            "datasets.refresh", ["datasetId": .string(PowerBIFake.campaigns), "notifyOption": .string(option)],
                            workspace: PowerBIFake.marketing)
                    ) { _ in .token(token) }
                }
                #expect(refused?.code == .invalidInput, "\(refused?.code.rawValue ?? "")")
            }
            #expect(fake.apiRequests.isEmpty)
        }
    }

    /// The 202 of Refresh Dataset In Group carries `x-ms-request-id` (the refresh id) and
    /// `Location` "only if any request payload except `notifyOption` is set", i.e. for an enhanced
    /// refresh (https://learn.microsoft.com/en-us/rest/api/power-bi/datasets/refresh-dataset-in-group#response;
    /// the `202` headers of github.com/microsoft/PowerBI-CSharp sdk/swaggers/swagger.json). The
    /// definition sends only `notifyOption` yet says the refresh id comes back in the
    /// RequestId/Location headers: it does not, and `RequestId` is Power BI's activity id.
    @Test
    func theRefreshDescriptionPromisesNoHeaderAPlainRefreshLacks() async throws {
        let action = try #require(try PowerBIRuntimeTests.definition().action("datasets.refresh"))
        try await withPowerBI { fake, runtime in
            let token = fake.issueToken()
            _ = try await runtime.execute(
                PowerBIRuntimeTests.call("datasets.refresh", ["datasetId": .string(PowerBIFake.campaigns)], workspace: PowerBIFake.marketing)
            ) { _ in .token(token) }
            #expect(fake.refreshes.first?.enhanced == false)
        }
        #expect(action.description?.contains("Location") != true, "\(action.description ?? "")")
    }

    /// "A query that requests more than one table, or more than the allowed number of table rows,
    /// will result in: limited data being returned; a response error, such as … `More than
    /// {allowed number} rows in a query result`; a successful HTTP status code (200)"
    /// (https://learn.microsoft.com/en-us/rest/api/power-bi/datasets/execute-queries-in-group; the
    /// `error` members of `DatasetExecuteQueriesQueryResult`/`TableResult` in the OpenAPI document).
    /// The definition maps `results.0.tables.0.rows` and names no `errors.errorListPaths`/`okPath`
    /// for it, so cut-short rows pass as the whole answer; the error must be raised or kept.
    @Test
    func aResultCutShortIsNotPassedOffAsTheWholeAnswer() async throws {
        try await withPowerBI { fake, runtime in
            let token = fake.issueToken()
            fake.rowLimit = 2
            let input: [String: JSONValue] = ["datasetId": .string(PowerBIFake.campaigns), "query": .string("EVALUATE 'Campaigns'")]
            do {
                let result = try await runtime.execute(PowerBIRuntimeTests.call("datasets.executeQueries", input, workspace: PowerBIFake.marketing)) {
                    _ in .token(token)
                }
                #expect(String(describing: result.output).contains("More than 2 rows"), "the truncation is visible: \(result.output)")
            } catch let error as ConnectorError {
                #expect(error.message.contains("More than 2 rows"), "\(error.message)")
            }
        }
    }
}
