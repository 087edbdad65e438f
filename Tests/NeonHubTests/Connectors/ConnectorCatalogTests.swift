import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The catalog of `configs/connectors`: every connector the product names, each definition
/// valid, and broken definitions refused with the file and the JSON path.
@Suite struct ConnectorCatalogTests {
    static let directory = ThrowawayPostgres.migrationsDirectory.deletingLastPathComponent()
        .appendingPathComponent("configs/connectors", isDirectory: true)

    /// DESIGN §7's connector ids.
    static let designIDs: Set<String> = [
        "meta", "linkedin", "tiktok", "google-business-profile", "mailchimp", "google-ads", "shopify", "gmail", "twilio", "slack",
        "stripe", "whatsapp", "x", "ga4", "search-console", "discord", "reddit", "youtube", "salesforce", "quickbooks", "dynamics-365",
        "xero", "netsuite", "bamboohr", "workday", "adp", "successfactors", "greenhouse", "lever", "docusign", "adobe-sign",
        "dropbox-sign", "pagerduty", "opsgenie", "databricks", "snowflake", "tableau", "power-bi", "hubspot", "zendesk",
        "google-drive", "google-calendar", "dropbox", "github", "trello",
    ]

    @Test func theShippedCatalogHasEveryConnectorAndEveryDefinitionIsValid() throws {
        let catalog = try ConnectorCatalog.load(directory: Self.directory)
        #expect(Set(catalog.definitions.map(\.id)) == Self.designIDs)
        for definition in catalog.definitions {
            #expect(!definition.actions.isEmpty, "\(definition.id)")
            #expect(definition.docs.hasPrefix("https://"), "\(definition.id)")
            // Nothing is stable until implemented and tested against a provider fake (the audit's list).
            #expect(
                definition.availability == (CatalogAudit.testedAgainstProviderFakes.contains(definition.id) ? "stable" : "experimental"),
                "\(definition.id)")
            #expect(
                FileManager.default.fileExists(atPath: Self.directory.appendingPathComponent("fixtures/\(definition.id).json").path),
                "\(definition.id) has mock fixtures")
        }
        #expect(catalog["meta"]?.definition.auth.refresh?.before == ["P7D", "P1D"])
        #expect(catalog["linkedin"]?.definition.headers?["X-Restli-Protocol-Version"] == "2.0.0")
    }

    /// A catalog folder holding the real schema and the given files.
    private func catalogFolder(_ files: [String: String]) throws -> URL {
        let folder = try makeTemporaryDirectory("neonhub-catalog")
        try FileManager.default.copyItem(
            at: Self.directory.appendingPathComponent(ConnectorCatalog.schemaFileName),
            to: folder.appendingPathComponent(ConnectorCatalog.schemaFileName))
        for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return folder
    }

    static let minimal = #"""
        {"id":"acme","name":"Acme","category":"crm","wave":"A","availability":"experimental","docs":"https://acme.example/docs",
         "auth":{"type":"api_key","credentials":[{"name":"apiKey","secret":true}]},"baseUrl":"https://api.acme.example",
         "rateLimit":{"description":"100/min"},"triggers":[],
         "actions":[{"id":"contacts.list","name":"List contacts","kind":"read","inputSchema":{"type":"object"},
                     "request":{"method":"GET","path":"/contacts"}}]}
        """#

    /// What `connectors.executeAction` asks before the connection is read: whether an action
    /// id only reads in every connector that declares it.
    @Test func anActionOnlyReadsWhenEveryConnectorDeclaringItReads() throws {
        let catalog = try ConnectorCatalog.load(directory: Self.directory)
        #expect(catalog.onlyReads(action: "incidents.list"))
        #expect(catalog.onlyReads(action: "ping"))
        #expect(!catalog.onlyReads(action: "alerts.create"))
        #expect(!catalog.onlyReads(action: "no.such.action"))
        #expect(!catalog.onlyReads(action: "statements.execute"), "a code flow (a warehouse runs any SQL it is given)")

        // One id, a read in one connector and a write in another: not a read.
        let alone = try catalogFolder(["acme.json": Self.minimal])
        defer { try? FileManager.default.removeItem(at: alone) }
        #expect(try ConnectorCatalog.load(directory: alone).onlyReads(action: "contacts.list"))
        let writer = Self.minimal.replacingOccurrences(of: #""id":"acme""#, with: #""id":"beta""#)
            .replacingOccurrences(of: #""kind":"read""#, with: #""kind":"write""#)
            .replacingOccurrences(of: #""method":"GET""#, with: #""method":"POST""#)
        let mixed = try catalogFolder(["acme.json": Self.minimal, "beta.json": writer])
        defer { try? FileManager.default.removeItem(at: mixed) }
        #expect(try !ConnectorCatalog.load(directory: mixed).onlyReads(action: "contacts.list"))
    }

    @Test func brokenDefinitionsAreRefusedNamingFileAndPath() throws {
        let broken = Self.minimal
            .replacingOccurrences(of: #""kind":"read""#, with: #""kind":"remove""#)
            .replacingOccurrences(of: #""docs":"https://acme.example/docs""#, with: #""docs":"http://acme.example/docs""#)
        let folder = try catalogFolder([
            "acme.json": Self.minimal, "broken.json": broken.replacingOccurrences(of: #""id":"acme""#, with: #""id":"broken""#),
            "notjson.json": "{",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ConnectorError.self) { try ConnectorCatalog.load(directory: folder) }
        #expect(error?.code == .invalidDefinition)
        let name = folder.lastPathComponent
        #expect(error?.details.count == 3)
        #expect(
            error?.details.prefix(2) == [
                "\(name)/broken.json: $.actions[0].kind: must be one of \"read\", \"write\"",
                "\(name)/broken.json: $.docs: does not match ^https://",
            ])
        #expect(error?.details.last?.hasPrefix("\(name)/notjson.json: $: not valid JSON") == true)
        #expect(error?.message.hasSuffix("(and 2 more)") == true)
    }

    @Test func rulesTheSchemaCannotSay() throws {
        let wrongName = Self.minimal
        let duplicate = Self.minimal.replacingOccurrences(of: #""id":"acme""#, with: #""id":"dup""#)
            .replacingOccurrences(
                of: #""actions":["#, with: #""actions":[{"id":"contacts.list","name":"Again","kind":"write","inputSchema":{},"handler":"dup.x"},"#
            )
            .replacingOccurrences(of: #""triggers":[]"#, with: #""triggers":[],"smoke":{"action":"nope"},"accounts":{"action":"contacts.list"}"#)
        let badInput = Self.minimal.replacingOccurrences(of: #""id":"acme""#, with: #""id":"badinput""#)
            .replacingOccurrences(of: #""inputSchema":{"type":"object"}"#, with: #""inputSchema":{"type":"object","dependentRequired":{}}"#)
        let folder = try catalogFolder(["other.json": wrongName, "dup.json": duplicate, "badinput.json": badInput])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ConnectorError.self) { try ConnectorCatalog.load(directory: folder) }
        let details = error?.details.map { $0.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" } ?? []
        #expect(details.contains("$.actions[0].inputSchema: unsupported keyword \"dependentRequired\" at #"))
        #expect(details.contains("$.actions[1].id: \"contacts.list\" is declared twice"))
        #expect(details.contains("$.accounts.action: \"contacts.list\" is not a read action"))
        #expect(details.contains("$.smoke.action: no action \"nope\""))
        #expect(details.contains("$.id: \"acme\" does not match the file name other.json"))
    }
}
