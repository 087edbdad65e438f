import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// Where the BambooHR definition disagreed with BambooHR's documentation until these tests showed
/// it: the reason of a refusal is in a header (`errors.messageHeader`), and a 403 is a missing
/// permission of a valid key (`errors.statusClasses`), not a refused credential.
@Suite struct BambooHRDefinitionTests {
    func withBambooHR(_ body: (BambooHRFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = BambooHRFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try BambooHRRuntimeTests.runtime(fake)) }
    }

    /// `errors.messagePath: "message"` reads a JSON body, but BambooHR's error bodies are empty:
    /// the reason is in the `X-BambooHR-Error-Message` response header
    /// (https://documentation.bamboohr.com/docs/api-details; the OpenAPI document,
    /// github.com/BambooHR/bhr-api-python specs/public.yaml: "The error message is returned in the
    /// `x-bamboohr-error-message` response header; the body is empty"). A 404 for an unknown
    /// employee should say so; today the error only says "HTTP 404". The definition has no way to
    /// name a header (ErrorRules has only body paths): the runtime needs one, e.g. `errors.messageHeader`.
    @Test func aRefusalCarriesBambooHRsReasonFromTheErrorHeader() async throws {
        try await withBambooHR { _, runtime in
            let key = try BambooHRRuntimeTests.key()
            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(BambooHRRuntimeTests.call("employees.get", ["id": .string("4040")])) { _ in key }
            }
            #expect(missing?.code == .providerRejected)
            #expect(missing?.message.contains("Employee not found") == true, "\(missing?.message ?? "")")

            let badField = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(BambooHRRuntimeTests.call("employees.get", ["id": .string("124"), "fields": .string("fooBar")])) {
                    _ in key
                }
            }
            #expect(badField?.message.contains("Invalid field in request: fooBar") == true, "\(badField?.message ?? "")")
        }
    }

    /// A 403 from BambooHR means the key's user lacks a permission (no applicant tracking access,
    /// a directory the company does not share), not a bad key: "The application is attempting to
    /// perform an action it does not have privileges to access"
    /// (https://documentation.bamboohr.com/docs/api-details; https://documentation.bamboohr.com/reference/get-job-summaries:
    /// "The owner of the API key used must have access to ATS settings"). It should be permanent
    /// (`providerRejected`, as PagerDuty's 2010 is) with the reason; the definition (`errors` has
    /// no status or code rule) leaves it to the HTTP class, `providerAuth`, which sends a
    /// connection whose key is valid to `attention`.
    @Test func aMissingPermissionIsPermanentNotAnAuthenticationFailure() async throws {
        try await withBambooHR { fake, runtime in
            let key = try BambooHRRuntimeTests.key(BambooHRFake.employeeKey)
            let denied = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(BambooHRRuntimeTests.call("jobs.list")) { _ in key }
            }
            #expect(denied?.code == .providerRejected, "\(denied?.code.rawValue ?? "")")
            #expect(denied?.message.contains("You do not have access to this resource") == true)

            fake.stopSharingDirectory()
            let unshared = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(BambooHRRuntimeTests.call("employees.directory")) { _ in key }
            }
            #expect(unshared?.code == .providerRejected, "\(unshared?.code.rawValue ?? "")")
        }
    }
}
