import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// Where the Greenhouse definition disagreed with Greenhouse's documentation until these tests
/// showed it: it targeted Harvest v1 (`https://harvest.greenhouse.io/v1`, Basic with an API key),
/// which Greenhouse removed on 31 August 2026; it now follows Harvest v3
/// (https://harvestdocs.greenhouse.io/docs/authentication,
/// https://harvestdocs.greenhouse.io/docs/step-by-step-migration-instructions): the customer's
/// client-credentials grant, the `Link` cursor alone, operator filters, v3's fields.
@Suite struct GreenhouseDefinitionTests {
    func withGreenhouse(_ body: (GreenhouseFake) async throws -> Void) async throws {
        try await GreenhouseRuntimeTests().withGreenhouse(body)
    }

    /// The definition's own base URL, on the fake's host.
    static func runtime(_ fake: GreenhouseFake) throws -> ConnectorRuntime { try GreenhouseRuntimeTests.runtime(fake) }

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        GreenhouseRuntimeTests.call(action, input)
    }

    static func list(_ output: JSONValue) -> [JSONValue] { GreenhouseRuntimeTests.list(output) }

    /// https://harvestdocs.greenhouse.io/docs/pagination: v3 lives at `https://harvest.greenhouse.io/v3`;
    /// v1 and v2 were removed on 31 August 2026.
    @Test func theBaseURLIsHarvestV3() async throws {
        #expect(try GreenhouseRuntimeTests.definition().baseUrl == "https://harvest.greenhouse.io/v3")
        try await withGreenhouse { fake in
            let token = GreenhouseRuntimeTests.bearer(fake)
            let open = try await Self.runtime(fake).execute(Self.call("jobs.list")) { _ in token }
            #expect(Self.list(open.output).compactMap { JSONPath.text($0["name"]) } == ["Backend Engineer", "Growth Marketer"])
            #expect(fake.requests.last?.path == "/v3/jobs")
        }
    }

    /// https://harvestdocs.greenhouse.io/docs/authentication: custom integrations use OAuth 2.0
    /// client credentials — `POST https://auth.greenhouse.io/token`, HTTP Basic with the
    /// customer's own client id and secret, `grant_type=client_credentials` and an optional `sub`
    /// (user id); then `Authorization: Bearer`. Basic with an API key is gone with v1/v2.
    @Test func authIsTheCustomersClientCredentialsGrant() throws {
        let auth = try GreenhouseRuntimeTests.definition().auth
        #expect(auth.type == "oauth2_client_credentials")
        #expect(auth.tokenUrl == "https://auth.greenhouse.io/token")
        #expect(auth.clientAuthentication == "basic")
        let names = Set((auth.credentials ?? []).map(\.name))
        #expect(names.isSuperset(of: ["clientId", "clientSecret"]), "\(names)")
        #expect(!names.contains("apiKey"))
    }

    /// https://harvestdocs.greenhouse.io/docs/pagination: no `page` parameter in v3; the next page
    /// is the `Link` cursor URL, sent as it is.
    @Test func pagingNamesNoPageParameter() throws {
        for action in try GreenhouseRuntimeTests.definition().actions where action.pagination != nil {
            #expect(action.pagination?.pageParam == nil, "\(action.id)")
            #expect(action.pagination?.style == "link_header")
        }
    }

    /// https://harvestdocs.greenhouse.io/docs/list-endpoints: dates filter as
    /// `updated_at=gte|<timestamp>`; v1's `updated_after` is not a v3 parameter (the definition sent it). The polling
    /// trigger `candidates.updated` reads this.
    @Test func candidatesUpdatedSinceAWatermarkUseUpdatedAtWithAnOperator() async throws {
        try await withGreenhouse { fake in
            let token = GreenhouseRuntimeTests.bearer(fake)
            let since = ISO8601DateFormatter().string(from: Date(timeIntervalSinceNow: -5 * 86_400))
            let recent = try await Self.runtime(fake).execute(Self.call("candidates.list", ["updatedAfter": .string(since)])) { _ in token }
            #expect(Self.list(recent.output).compactMap { JSONPath.text($0["lastName"]) } == ["Hopper"])
            #expect(fake.requests.last?.queryItems["updated_at"] == ["gte|\(since)"])
        }
    }

    /// v3 has no `GET /v3/candidates/{id}`: a candidate is read from the list with `ids`
    /// (https://harvestdocs.greenhouse.io/docs/list-endpoints), and its applications are their own
    /// resource (`/v3/applications?candidate_ids=…`), not embedded.
    @Test func aCandidateIsReadThroughTheIdsFilter() async throws {
        try await withGreenhouse { fake in
            let token = GreenhouseRuntimeTests.bearer(fake)
            let ada = try await Self.runtime(fake).execute(Self.call("candidates.get", ["id": .number(5001)])) { _ in token }
            let candidate = Self.list(ada.output).first ?? ada.output
            #expect(candidate["firstName"] == .string("Ada") && candidate["email"] == .string("ada@example.com"))
            #expect(fake.requests.last?.path == "/v3/candidates" && fake.requests.last?.queryItems["ids"] == ["5001"])
        }
    }

    /// A v3 job carries `department_id` and `office_ids`, not `departments`/`offices` objects
    /// (https://harvestdocs.greenhouse.io/docs/step-by-step-migration-instructions; the v3 job
    /// schema as read by airbytehq/airbyte source-greenhouse manifest.yaml): `departments.0.name`
    /// and `offices.0.name` map nothing.
    @Test func jobsMapTheirDepartmentAndOfficeIds() async throws {
        try await withGreenhouse { fake in
            let token = GreenhouseRuntimeTests.bearer(fake)
            let open = try await Self.runtime(fake).execute(Self.call("jobs.list")) { _ in token }
            let backend = try #require(Self.list(open.output).first)
            #expect(backend["departmentId"] == .number(7), "\(backend)")
            #expect(backend["officeIds"] == .array([.number(3)]))
        }
    }

    /// A v3 application has `job_id`, `stage_name`, `source_id` and `created_at` (no `jobs`,
    /// `current_stage`, `source` objects or `applied_at`), and filters by a parent's ids
    /// (`job_ids=…`) and `last_activity_at=gte|…` (https://harvestdocs.greenhouse.io/docs/list-endpoints).
    @Test func applicationsFilterByJobIdsAndMapV3Fields() async throws {
        try await withGreenhouse { fake in
            let token = GreenhouseRuntimeTests.bearer(fake)
            let since = ISO8601DateFormatter().string(from: Date(timeIntervalSinceNow: -20 * 86_400))
            let found = try await Self.runtime(fake).execute(
                Self.call("applications.list", ["jobId": .number(101), "lastActivityAfter": .string(since)])
            ) { _ in token }
            let rows = Self.list(found.output)
            #expect(rows.compactMap { $0["id"]?.numberValue } == [9001, 9002])
            let sent = try #require(fake.requests.last)
            #expect(sent.queryItems["job_ids"] == ["101"] && sent.queryItems["last_activity_at"] == ["gte|\(since)"])
            let first = try #require(rows.first)
            #expect(first["stage"] == .string("Technical Interview"), "\(first)")
            #expect(first["jobId"] == .number(101) && first["sourceId"] == .number(11))
            #expect(JSONPath.text(first["appliedAt"]) != nil)
        }
    }
}
