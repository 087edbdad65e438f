import ArgumentParser
import Foundation
import NeonHub

/// `neonhub connectors`: the catalog's audit and rollout phases.
struct ConnectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connectors", abstract: "Inspect the connector catalog.",
        subcommands: [AuditCommand.self, PhasesCommand.self])

    /// The catalog folder option shared by the subcommands.
    struct CatalogOptions: ParsableArguments {
        @Option(help: "The catalog folder (default: CONNECTORS_DIR or configs/connectors).")
        var directory: String?

        func load() throws -> (ConnectorCatalog, URL) {
            let path = directory ?? ProcessInfo.processInfo.environment["CONNECTORS_DIR"] ?? "configs/connectors"
            let folder = URL(fileURLWithPath: path, isDirectory: true)
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
        static let configuration = CommandConfiguration(commandName: "audit", abstract: "Validate every definition and list what each connector still needs.")

        @OptionGroup var options: CatalogOptions
        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let (catalog, fixtures) = try options.load()
            let audit = CatalogAudit(catalog: catalog, fixtures: fixtures)
            print(json ? audit.json().jsonText : audit.text())
            if !audit.passes { throw ExitCode(1) }
        }
    }

    /// `neonhub connectors phases`: the waves and what blocks each connector from `stable`.
    struct PhasesCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "phases", abstract: "The rollout waves and what blocks each connector.")

        @OptionGroup var options: CatalogOptions

        func run() throws {
            let (catalog, fixtures) = try options.load()
            print(CatalogAudit(catalog: catalog, fixtures: fixtures).phases())
        }
    }
}
