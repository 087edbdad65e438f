import ArgumentParser

/// The `neonhub` command line: `serve` (default), `migrate`, `token`, tools.
@main
struct NeonHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neonhub",
        abstract: "NeonHub backend: the HTTP API server and its tools.",
        version: "0.1.0",
        subcommands: [
            ServeCommand.self, WorkerCommand.self, MigrateCommand.self, DatabaseCommand.self, ConnectorsCommand.self, VaultCommand.self,
            TokenCommand.self, OpenAPICommand.self, ContentCommand.self, BenchDatabaseCommand.self, BenchOutboundCommand.self, BenchCommand.self,
        ],
        defaultSubcommand: ServeCommand.self)
}
