import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// `neonhub connectors smoke` against provider fakes reached through `CONNECTOR_ENDPOINTS_FILE`:
/// a good token passes, a refused one fails with the provider's reason and never shows the
/// token, a connector without an entry is skipped, a provider that does not answer times out.
@Suite struct ConnectorSmokeTests {
    /// Meta and LinkedIn fakes plus Mailchimp routes, whose `/ping` answers after a minute.
    final class Providers: Sendable {
        let meta = MetaGraphFake()
        let linkedin = LinkedInFake()
        let mailchimp = FakeProviderServer()

        init() throws {
            mailchimp.on(
                "GET", "/ping", reply: FakeProviderServer.Reply.json(200, #"{"health_status":"Everything's Chimpy!"}"#).delayed(.seconds(120)))
            mailchimp.on("GET", "/lists", reply: FakeProviderServer.Reply.json(200, #"{"lists":[],"total_items":0}"#))
            try meta.start()
            try linkedin.start()
            try mailchimp.start()
        }

        func endpointsFile() throws -> String {
            try OAuthTestSupport.endpointsFile([
                "meta": ["baseUrl": meta.apiBaseURL], "linkedin": ["baseUrl": linkedin.baseURL],
                "mailchimp": ["baseUrl": mailchimp.baseURL],
            ])
        }

        func stop() async {
            meta.stop()
            linkedin.stop()
            await mailchimp.stopWithoutBlocking()
        }
    }

    static func config(metaToken: String, linkedinToken: String) -> String {
        """
        {"_comment": "test", "meta": {"credentials": {"accessToken": "\(metaToken)"}, "read": {"action": "pages.list", "input": {"limit": 5}}},
         "linkedin": {"credentials": {"accessToken": "\(linkedinToken)"}},
         "mailchimp": {"credentials": {"username": "x", "apiKey": "smoke-key-PLANTED-us21"}, "variables": {"dc": "us21"}}}
        """
    }

    @Test func passFailSkipAndTimeoutThroughTheRealRuntime() async throws {
        let providers = try Providers()
        let metaToken = providers.meta.issueUserToken()
        let badToken = "AQV-not-a-token-PLANTED-4711"
        let config = try SmokeConfig.parse(Array(Self.config(metaToken: metaToken, linkedinToken: badToken).utf8))
        let appConfig = try AppConfig.load(from: ["CONNECTOR_ENDPOINTS_FILE": try providers.endpointsFile()])
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let runtime = try ConnectorSmoke.runtime(config: appConfig, catalog: catalog, logger: Logger(label: "smoke"))
        let results = await ConnectorSmoke(catalog: catalog, runtime: runtime, timeout: .seconds(30)).run(config)
        await providers.stop()

        func result(_ connector: String, _ check: String) -> SmokeResult? { results.first { $0.connector == connector && $0.check == check } }
        // Meta: the smoke action and the configured read pass, and really reached the fake.
        #expect(result("meta", "testConnection")?.outcome == .pass)
        #expect(result("meta", "testConnection")?.action == "me.get")
        #expect(
            result("meta", "read")
                == SmokeResult(
                    connector: "meta", check: "read", action: "pages.list", outcome: .pass,
                    latencyMs: result("meta", "read")?.latencyMs, message: "ok, 2 items"))
        #expect(providers.meta.requests.contains { $0.path.hasSuffix("/me/accounts") })
        // LinkedIn: the refused token fails both checks with LinkedIn's own reason; the read defaults to the accounts listing.
        let refused = try #require(result("linkedin", "testConnection"))
        #expect(refused.outcome == .fail)
        #expect(refused.message.hasPrefix("providerAuth: "), "\(refused.message)")
        #expect(
            refused.message.contains("Invalid access token") || refused.message.contains("INVALID_ACCESS_TOKEN") || refused.message.contains("401"),
            "\(refused.message)")
        #expect(result("linkedin", "read")?.action == "organizations.list")
        #expect(result("linkedin", "read")?.outcome == .fail)
        // Mailchimp: the provider answers after two minutes; the check gives up at 30 s (the
        // deadline's own result, not the provider's). 30 s, not less: the other checks must pass
        // within it while the whole suite loads the machine (8 s failed Meta's first call there).
        #expect(result("mailchimp", "testConnection")?.outcome == .fail)
        #expect(result("mailchimp", "testConnection")?.message == "timed out after 30 s")
        #expect(result("mailchimp", "read")?.outcome == .pass)
        // Every other connector is skipped, once.
        #expect(result("slack", "testConnection")?.outcome == .skip)
        #expect(results.filter { $0.outcome == .skip }.count == catalog.definitions.count - 3)
        // No credential anywhere in what is printed or written.
        let printed = SmokeResult.table(results) + SmokeResult.json(results).jsonText
        for secret in [metaToken, badToken, "smoke-key-PLANTED-us21"] { #expect(!printed.contains(secret)) }
        #expect(SmokeResult.json(results)["summary"]?["pass"] == .number(3))
    }

    @Test func unusableEntriesFailAsConfigAndWritesAreRefused() async throws {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        // Nothing leaves the machine: LinkedIn's smoke call goes to a closed loopback port.
        let endpoints = try OAuthTestSupport.endpointsFile(["linkedin": ["baseUrl": "http://127.0.0.1:9"]])
        let runtime = try ConnectorSmoke.runtime(
            config: try AppConfig.load(from: ["CONNECTOR_ENDPOINTS_FILE": endpoints]), catalog: catalog,
            logger: Logger(label: "smoke"))
        let config = try SmokeConfig.parse(
            Array(
                """
                {"nosuch": {}, "meta": {}, "mailchimp": {"credentials": {"apiKey": "k-us21"}},
                 "linkedin": {"credentials": {"accessToken": "t"}, "read": {"action": "posts.delete"}}}
                """.utf8))
        let results = await ConnectorSmoke(catalog: catalog, runtime: runtime, timeout: .milliseconds(200)).run(config)
        func result(_ connector: String, _ check: String) -> SmokeResult? { results.first { $0.connector == connector && $0.check == check } }
        #expect(result("nosuch", "config")?.message == "no connector nosuch in the catalog")
        #expect(result("meta", "config")?.message.contains("missing credentials.accessToken") == true)
        #expect(result("mailchimp", "config")?.message.contains("missing credentials: username") == true)
        #expect(result("linkedin", "read")?.message == "posts.delete is a write action; the smoke test runs reads only")
        #expect(throws: ConnectorError.self) { try SmokeConfig.parse(Array(#"{"meta": {"credentials": {"accessToken": 1}}}"#.utf8)) }
        #expect(throws: ConnectorError.self) { try SmokeConfig.parse(Array("[]".utf8)) }
    }

    @Test func theCommittedExampleParsesAndCoversMetaAndLinkedIn() throws {
        let example = CatalogAudit.smokeExample(catalogDirectory: ConnectorCatalogTests.directory)
        let config = try SmokeConfig.load(example)
        #expect(Set(config.entries.keys).isSuperset(of: ["meta", "linkedin"]))
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        for (id, entry) in config.entries {
            let definition = try #require(catalog[id]?.definition, "\(id) is not in the catalog")
            if let read = entry.readAction { #expect(definition.action(read)?.kind == "read", "\(id).\(read)") }
        }
    }

    /// The command as run: exit 1 on a failure, the table on stdout, the JSON file written.
    @Test func theBinaryPrintsTheTableWritesJSONAndExitsNonZeroOnAFailure() async throws {
        let providers = try Providers()
        let folder = try makeTemporaryDirectory("neonhub-smoke")
        defer { try? FileManager.default.removeItem(at: folder) }
        let configFile = folder.appendingPathComponent("smoke.json")
        let metaToken = providers.meta.issueUserToken()
        try Self.config(metaToken: metaToken, linkedinToken: providers.linkedin.issueAccessToken())
            .write(to: configFile, atomically: true, encoding: .utf8)
        let jsonOut = folder.appendingPathComponent("out/smoke.json")
        let run = try await VaultRotateCommandTests.neonhub(
            [
                "connectors", "smoke", "--directory", ConnectorCatalogTests.directory.path, "--config", configFile.path, "--timeout", "0.5",
                "--json-out", jsonOut.path,
            ],
            environment: ["CONNECTOR_ENDPOINTS_FILE": try providers.endpointsFile()])
        await providers.stop()
        #expect(run.status == 1, "mailchimp timed out: \(run.out) \(run.err)")
        let lines = run.out.split(separator: "\n")
        #expect(lines.first?.hasPrefix("connector") == true)
        #expect(lines.contains { $0.hasPrefix("linkedin ") && $0.contains("read (organizations.list)") && $0.contains(" pass ") })
        #expect(lines.contains { $0.hasPrefix("mailchimp ") && $0.contains(" fail ") && $0.contains("timed out") })
        #expect(
            run.out.contains("pass 5, fail 1, skip \(try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory).definitions.count - 3)"))
        #expect(!run.out.contains(metaToken) && !run.err.contains(metaToken))
        let written = try JSONValue.parse(Array(try Data(contentsOf: jsonOut)))
        #expect(written["summary"]?["fail"] == .number(1))
        #expect(!String(decoding: try Data(contentsOf: jsonOut), as: UTF8.self).contains(metaToken))
    }
}
