import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// Where the BambooHR definition disagreed with BambooHR's documentation until these tests showed
/// it: the reason of a refusal is in a header (`errors.messageHeader`), and a 403 is a missing
/// permission of a valid key (`errors.statusClasses`), not a refused credential.
@Suite struct BambooHRDefinitionTests {
    func withBambooHR(_ body: (BambooHRFake, ConnectorRuntime) async throws -> Void) async throws {
        try await BambooHRRuntimeTests().withBambooHR(body)
    }

    /// BambooHR's error bodies are empty: the reason is the `X-BambooHR-Error-Message` header
    /// (https://documentation.bamboohr.com/docs/api-details; github.com/BambooHR/bhr-api-python
    /// specs/public.yaml). `errors.messageHeader` makes it the error's message; with only
    /// `messagePath` a 404 said no more than "HTTP 404".
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

    /// A 403 from BambooHR is a valid key whose user lacks a permission (applicant tracking, a
    /// directory the company does not share; https://documentation.bamboohr.com/docs/api-details,
    /// https://documentation.bamboohr.com/reference/get-job-summaries). `errors.statusClasses` makes it
    /// `providerRejected`; left to the HTTP class it was `providerAuth`, refreshed nothing and put a
    /// working connection in `attention`.
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
