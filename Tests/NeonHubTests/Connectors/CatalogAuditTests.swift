import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// `neonhub connectors audit` and `phases`: what stands between each connector and `stable`.
@Suite struct CatalogAuditTests {
    @Test func theShippedCatalogPassesAndNamesWhatEachConnectorNeeds() throws {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let audit = CatalogAudit(catalog: catalog, fixtures: ConnectorCatalogTests.directory.appendingPathComponent("fixtures"))
        #expect(audit.passes)
        // Stable: exactly the connectors tested against their provider fakes.
        let stable = CatalogAudit.testedAgainstProviderFakes
        let total = catalog.definitions.count
        #expect(audit.countsByAvailability["stable"] == stable.count)
        #expect((audit.countsByAvailability["experimental"] ?? 0) == total - stable.count)
        let meta = try #require(audit.entries.first { $0.id == "meta" })
        // Instagram publishing and LinkedIn image posts are registered flows, tested against the fakes.
        #expect(CatalogAudit.registeredFlows.isSuperset(of: ["meta.instagramPublish", "linkedin.imagePost", "gmail.send", "gmail.draft"]))
        #expect(meta.findings.isEmpty && meta.isWired)
        let linkedin = try #require(audit.entries.first { $0.id == "linkedin" })
        #expect(linkedin.findings.isEmpty && linkedin.isWired)
        // GA4 (its properties flow registered) and Search Console are stable too.
        #expect(CatalogAudit.registeredFlows.contains("ga4.properties"))
        for id in ["ga4", "search-console"] {
            #expect(audit.entries.first { $0.id == id }?.findings.isEmpty == true, "\(id)")
        }
        // Other connectors' flows are still reported.
        let unbuilt = catalog.definitions.filter { definition in
            definition.actions.contains { $0.handler.map { !CatalogAudit.registeredFlows.contains($0) } ?? false }
        }
        for definition in unbuilt {
            #expect(audit.entries.first { $0.id == definition.id }?.findings.map(\.kind).contains("flow_not_built") == true, "\(definition.id)")
        }
        // Every connector is stable now; one not tested against a fake would be `untested`
        // (aConnectorMarkedStableThatIsNotFailsTheAudit).
        #expect((audit.countsByKind["untested"] ?? 0) == total - stable.count)
        #expect(audit.text().contains("connectors: \(total) (") && audit.text().contains("stable \(stable.count)"))
        #expect(audit.json()["passes"] == .bool(true))
        let marketing = catalog.definitions.filter { $0.wave == "marketing" }
        #expect(audit.phases().contains("wave marketing: \(marketing.filter { stable.contains($0.id) }.count)/\(marketing.count) stable"))
        #expect(marketing.filter { stable.contains($0.id) }.count >= 3)  // meta, linkedin, mailchimp
        let messaging = catalog.definitions.filter { $0.wave == "messaging" }
        #expect(audit.phases().contains("wave messaging: \(messaging.filter { stable.contains($0.id) }.count)/\(messaging.count) stable"))
        for id in stable.sorted() {
            let entry = try #require(audit.entries.first { $0.id == id })
            #expect(entry.findings.isEmpty && entry.isWired, "\(id)")
        }
    }

    @Test func stableNeedsAnEntryInTheSmokeConfigExample() throws {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let entries = SmokeConfig.connectorIDs(in: CatalogAudit.smokeExample(catalogDirectory: ConnectorCatalogTests.directory))
        #expect(entries.isSuperset(of: CatalogAudit.testedAgainstProviderFakes))
        let audit = CatalogAudit(
            catalog: catalog, fixtures: ConnectorCatalogTests.directory.appendingPathComponent("fixtures"), smokeEntries: entries)
        let meta = try #require(audit.entries.first { $0.id == "meta" })
        #expect(!meta.findings.contains { $0.kind == "no_smoke_entry" })
        #expect((audit.countsByKind["no_smoke_entry"] ?? 0) == catalog.definitions.count - entries.count)
        // Without an entry, a connector that is otherwise ready cannot claim stable.
        let withoutMeta = CatalogAudit(
            catalog: catalog, fixtures: ConnectorCatalogTests.directory.appendingPathComponent("fixtures"),
            smokeEntries: entries.subtracting(["meta"]))
        let unlisted = try #require(withoutMeta.entries.first { $0.id == "meta" })
        #expect(unlisted.findings.map(\.kind) == ["no_smoke_entry"])
        #expect(unlisted.findings.first?.hint == "add meta to configs/connector-smoke.config.example.json")
        #expect(unlisted.isWired, "a missing smoke entry is a testing gap, not a wiring one")
        #expect(!withoutMeta.passes, "meta is marked stable without a smoke entry")
    }

    @Test func aConnectorMarkedStableThatIsNotFailsTheAudit() throws {
        let folder = try makeTemporaryDirectory("neonhub-audit")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(
            at: ConnectorCatalogTests.directory.appendingPathComponent(ConnectorCatalog.schemaFileName),
            to: folder.appendingPathComponent(ConnectorCatalog.schemaFileName))
        let stable = ConnectorCatalogTests.minimal.replacingOccurrences(of: #""availability":"experimental""#, with: #""availability":"stable""#)
            .replacingOccurrences(of: "https://api.acme.example", with: "https://api.example.com")
        try stable.write(to: folder.appendingPathComponent("acme.json"), atomically: true, encoding: .utf8)
        let audit = CatalogAudit(catalog: try ConnectorCatalog.load(directory: folder), fixtures: folder.appendingPathComponent("fixtures"))
        #expect(!audit.passes)
        let entry = try #require(audit.entries.first)
        #expect(entry.isFalselyStable)
        #expect(Set(entry.findings.map(\.kind)) == ["no_fixtures", "no_smoke", "placeholder_url", "untested"])
        #expect(audit.text().contains("acme (marked stable!)"))
    }
}
