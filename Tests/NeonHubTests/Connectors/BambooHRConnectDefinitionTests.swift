import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// The BambooHR connect check reads the key's own employee, not the directory a company may
/// not share (it read the directory until this test showed it).
@Suite struct BambooHRConnectDefinitionTests {
    /// `smoke.action: "employees.directory"` tests a key with the directory, which BambooHR
    /// answers 403 when the company shares neither its directory nor its org chart (and 404 when
    /// the directory is empty): https://documentation.bamboohr.com/reference/get-employees-directory.
    /// A valid key of such a company is refused at connect. `employees.get` with id 0 (the key's
    /// own employee, https://documentation.bamboohr.com/reference/get-employee) depends on no
    /// company setting.
    @Test func aValidKeyConnectsEvenWhenTheCompanyDoesNotShareItsDirectory() async throws {
        let fake = BambooHRFake()
        try fake.start()
        fake.stopSharingDirectory()
        try await fake.server.serving {
            let base = "\(fake.baseURL)/api/gateway.php/{{vars.companyDomain}}/v1"
            let endpoints = try OAuthTestSupport.endpointsFile(["bamboohr": ["baseUrl": base]])
            try await withDatabaseApp({ OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: [:]) }) { _, client in
                let connected = try await BambooHRConnectionTests.connect(client, key: BambooHRFake.apiKey)
                #expect(connected.status == 200, "\(connected.text)")
            }
        }
    }
}
