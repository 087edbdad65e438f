import Foundation
import HTTPFields
import TestSupport
import Testing

@testable import NeonHub

/// A next page the provider names (`Link`, a next URL) is followed with the connection's
/// credential only on the provider's own host: a link to anywhere else is refused, and that
/// host receives nothing.
@Suite struct PaginationHostTests {
    @Test func aLinkToAnotherHostIsNotFollowedWithTheCredential() async throws {
        let elsewhere = FakeProviderServer()
        elsewhere.on("GET", "/user/repos", reply: .json(200, "[]"))
        try elsewhere.start()
        try await elsewhere.serving {
            let provider = FakeProviderServer()
            var link = HTTPHeaders()
            link.replaceOrAdd(name: "Link", value: "<\(elsewhere.baseURL)/user/repos?page=2&per_page=100>; rel=\"next\"")
            provider.on("GET", "/user/repos", reply: .json(200, #"[{"id": 1, "full_name": "octocat/Hello-World"}]"#, headers: link))
            try provider.start()
            try await provider.serving {
                let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
                let runtime = ConnectorRuntime(
                    catalog: catalog, client: OutboundClient.quickRetries(label: "github"), baseURLOverrides: ["github": provider.baseURL])
                let refused = await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(ConnectorCall(connector: "github", action: "repos.list", input: .object([:]))) { _ in
                        .token("gho_16C7e42F292c6912E7710c838347Ae178B4a")
                    }
                }
                #expect(refused?.code == .providerRejected)
                #expect(refused?.message.contains("another host") == true)
                #expect(provider.requests.count == 1)
                #expect(elsewhere.requests.isEmpty, "the other host received nothing, and no token")
            }
        }
    }
}
