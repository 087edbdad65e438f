import ArgumentParser
import Foundation
import NeonHub

/// `neonhub connectors`: the catalog's audit, rollout phases and smoke test.
struct ConnectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connectors", abstract: "Inspect the connector catalog.",
        subcommands: [AuditCommand.self, PhasesCommand.self, ConnectorsSmokeCommand.self])

    /// The catalog folder option shared by the subcommands.
    struct CatalogOptions: ParsableArguments {
        @Option(help: "The catalog folder (default: CONNECTORS_DIR or configs/connectors).")
        var directory: String?

        /// The catalog folder in use.
        var folder: URL {
            URL(fileURLWithPath: directory ?? ProcessInfo.processInfo.environment["CONNECTORS_DIR"] ?? "configs/connectors", isDirectory: true)
        }

        /// The audit of the catalog, counting the smoke config example's entries.
        func audit() throws -> CatalogAudit {
            let (catalog, fixtures) = try load()
            return CatalogAudit(
                catalog: catalog, fixtures: fixtures,
                smokeEntries: SmokeConfig.connectorIDs(in: CatalogAudit.smokeExample(catalogDirectory: folder)))
        }

        func load() throws -> (ConnectorCatalog, URL) {
            let folder = folder
            do {
                return (try ConnectorCatalog.load(directory: folder), folder.appendingPathComponent("fixtures", isDirectory: true))
            } catch let error as ConnectorError {
                for line in error.details.isEmpty ? [error.message] : error.details {
                    FileHandle.standardError.write(Data("invalid connector definition: \(line)\n".utf8))
                }
                throw ExitCode(1)
            }
        }
    }

    /// `neonhub connectors audit [--json]`: exits 1 on an invalid definition or a connector
    /// marked `stable` that is not.
    struct AuditCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audit", abstract: "Validate every definition and list what each connector still needs.")

        @OptionGroup var options: CatalogOptions
        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let audit = try options.audit()
            print(json ? audit.json().jsonText : audit.text())
            if !audit.passes { throw ExitCode(1) }
        }
    }

    /// `neonhub connectors phases`: the waves and what blocks each connector from `stable`.
    struct PhasesCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "phases", abstract: "The rollout waves and what blocks each connector.")

        @OptionGroup var options: CatalogOptions

        func run() throws {
            print(try options.audit().phases())
        }
    }
}
