public import Foundation

/// What stands between each connector and `stable`: `neonhub connectors audit` and
/// `neonhub connectors phases` print it. A connector is fully wired when every action runs
/// (a request template, or a registered flow), it has mock fixtures and a smoke action, and
/// no base URL is a placeholder; `stable` also needs tests against a provider fake and an
/// entry in the smoke config example (what `neonhub connectors smoke` runs against a real account).
public struct CatalogAudit: Sendable {
    /// One thing a connector still needs, with a hint on how to give it.
    public struct Finding: Sendable, Equatable {
        /// A stable kind (`flow_not_built`, `no_fixtures`, `no_smoke`, `no_smoke_entry`, `placeholder_url`, `untested`).
        public var kind: String
        /// What exactly, and what to do.
        public var hint: String
    }

    /// One connector's standing.
    public struct Entry: Sendable {
        public var id: String
        public var wave: String
        public var availability: String
        public var actions: Int
        public var findings: [Finding]
        /// Every action runs and nothing but tests (fake or real-account) is missing.
        public var isWired: Bool { findings.allSatisfy { ["untested", "no_smoke_entry"].contains($0.kind) } }
        /// `stable` was claimed while something is missing: an error of the catalog.
        public var isFalselyStable: Bool { availability == "stable" && !findings.isEmpty }
    }

    /// Connectors whose runtime tests run against a fake of the provider's documented API
    /// (`Tests/TestSupport/Fakes`). The audit cannot see tests from a deployed binary, so
    /// this list is kept beside the fakes' owners: add a connector when its fake tests land.
    public static let testedAgainstProviderFakes: Set<String> = [
        "meta", "linkedin", "stripe", "twilio", "ga4", "search-console", "gmail", "whatsapp", "slack", "discord", "snowflake", "databricks",
        "hubspot", "pagerduty", "zendesk", "google-calendar", "github", "trello",
        "opsgenie", "bamboohr", "salesforce", "google-drive", "dropbox",
        "tiktok",
        "x", "reddit",
        "google-ads",
        "google-business-profile",
        "mailchimp",
        "youtube",
        "shopify",
        "lever", "dropbox-sign", "greenhouse",
        "dynamics-365", "xero", "quickbooks", "power-bi", "successfactors", "adp",
        "netsuite", "adobe-sign",
        "tableau", "docusign", "workday",
    ]

    /// Flows (`handler` actions) that have a Swift implementation: the runtime's registry.
    public static var registeredFlows: Set<String> { ConnectorFlowRegistry.standard.ids }

    /// Every connector, sorted by id.
    public let entries: [Entry]

    /// The smoke config example beside a catalog folder (`configs/connectors` →
    /// `configs/connector-smoke.config.example.json`).
    public static func smokeExample(catalogDirectory: URL) -> URL {
        catalogDirectory.deletingLastPathComponent().appendingPathComponent("connector-smoke.config.example.json")
    }

    /// Audits a loaded catalog; `fixtures` is the catalog's `fixtures/` folder; `smokeEntries`
    /// the connector ids of the smoke config example (nil: not checked).
    public init(catalog: ConnectorCatalog, fixtures: URL, smokeEntries: Set<String>? = nil) {
        entries = catalog.definitions.map { definition in
            var findings: [Finding] = []
            for action in definition.actions {
                if let handler = action.handler, !Self.registeredFlows.contains(handler) {
                    findings.append(Finding(kind: "flow_not_built", hint: "\(action.id) needs the \(handler) flow in Connectors/Providers/"))
                }
            }
            if !FileManager.default.fileExists(atPath: fixtures.appendingPathComponent("\(definition.id).json").path) {
                findings.append(Finding(kind: "no_fixtures", hint: "add fixtures/\(definition.id).json for mock mode"))
            }
            if definition.smoke == nil { findings.append(Finding(kind: "no_smoke", hint: "declare a smoke read action")) }
            if let smokeEntries, !smokeEntries.contains(definition.id) {
                findings.append(Finding(kind: "no_smoke_entry", hint: "add \(definition.id) to configs/connector-smoke.config.example.json"))
            }
            let urls =
                definition.declaredBaseURLs
                + [definition.auth.authorizeUrl, definition.auth.tokenUrl, definition.auth.refreshUrl, definition.auth.revokeUrl].compactMap {
                    $0
                }
            for url in urls where ["example.com", "placeholder", "todo", "changeme"].contains(where: { url.lowercased().contains($0) }) {
                findings.append(Finding(kind: "placeholder_url", hint: "\(url) is a placeholder"))
            }
            if !Self.testedAgainstProviderFakes.contains(definition.id) {
                findings.append(Finding(kind: "untested", hint: "no runtime tests against a provider fake yet"))
            }
            return Entry(
                id: definition.id, wave: definition.wave, availability: definition.availability,
                actions: definition.actions.count, findings: findings)
        }
    }

    /// Connectors per availability.
    public var countsByAvailability: [String: Int] { Dictionary(grouping: entries, by: \.availability).mapValues(\.count) }

    /// Findings per kind, over every connector.
    public var countsByKind: [String: Int] {
        var counts: [String: Int] = [:]
        for entry in entries { for finding in entry.findings { counts[finding.kind, default: 0] += 1 } }
        return counts
    }

    /// Whether the catalog is consistent (no connector claims `stable` with findings).
    public var passes: Bool { !entries.contains(where: \.isFalselyStable) }

    /// The report as text.
    public func text() -> String {
        var lines = [
            "connectors: \(entries.count) (" + countsByAvailability.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                + ")",
            "fully wired (every action runs, fixtures, smoke action): \(entries.filter(\.isWired).count)",
            "findings: " + countsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
        ]
        let attention = entries.filter { !$0.findings.isEmpty }.sorted {
            ($0.isFalselyStable ? 0 : 1, $0.findings.count, $0.id) < ($1.isFalselyStable ? 0 : 1, $1.findings.count, $1.id)
        }
        if !attention.isEmpty { lines.append("needs attention:") }
        for entry in attention {
            let mark = entry.isFalselyStable ? " (marked stable!)" : ""
            lines.append("  \(entry.id)\(mark): " + entry.findings.map(\.hint).joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }

    /// The report as JSON (sorted keys).
    public func json() -> JSONValue {
        .object([
            "connectors": .number(Double(entries.count)),
            "byAvailability": .object(countsByAvailability.mapValues { .number(Double($0)) }),
            "fullyWired": .number(Double(entries.filter(\.isWired).count)),
            "findingsByKind": .object(countsByKind.mapValues { .number(Double($0)) }),
            "passes": .bool(passes),
            "entries": .array(
                entries.map { entry in
                    .object([
                        "id": .string(entry.id), "wave": .string(entry.wave), "availability": .string(entry.availability),
                        "actions": .number(Double(entry.actions)), "wired": .bool(entry.isWired),
                        "findings": .array(entry.findings.map { .object(["kind": .string($0.kind), "hint": .string($0.hint)]) }),
                    ])
                }),
        ])
    }

    /// The rollout waves in order, each with what still blocks its connectors from `stable`.
    public func phases() -> String {
        let order = ["marketing", "messaging", "A", "B", "C", "D", "E", "productivity"]
        var lines: [String] = []
        for wave in order {
            let members = entries.filter { $0.wave == wave }
            guard !members.isEmpty else { continue }
            let stable = members.filter { $0.availability == "stable" }.count
            lines.append("wave \(wave): \(stable)/\(members.count) stable" + (stable == members.count ? " — complete" : ""))
            for entry in members where entry.availability != "stable" {
                let blockers = entry.findings.isEmpty ? "ready: mark it stable" : entry.findings.map(\.kind).sorted().joined(separator: ", ")
                lines.append("  \(entry.id) (\(entry.availability)): \(blockers)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
