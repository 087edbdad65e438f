import ArgumentParser
import Foundation
import Logging
import NeonHub

/// `neonhub connectors smoke`: each configured connector's smoke action and one read against
/// a real account, through the real runtime, credentials from the smoke config (no database).
/// Prints a pass/fail/skip table, writes the same as JSON, exits 1 when a configured check fails.
struct ConnectorsSmokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smoke", abstract: "Test every configured connector against a real account (testConnection plus one read).",
        discussion:
            "The config (default configs/connector-smoke.config.json, git-ignored) is documented by configs/connector-smoke.config.example.json. CONNECTOR_ENDPOINTS_FILE and USE_MOCK_CONNECTORS are honoured."
    )

    @OptionGroup var options: ConnectorsCommand.CatalogOptions

    @Option(help: "The smoke config.")
    var config = "configs/connector-smoke.config.json"

    @Option(help: "Seconds each check may take.")
    var timeout = 20.0

    @Option(help: "Where to write the results as JSON.")
    var jsonOut = ".build/connector-smoke.json"

    func validate() throws {
        guard timeout > 0, timeout <= 600 else { throw ValidationError("--timeout must be between 0 and 600 seconds") }
    }

    func run() async throws {
        let appConfig = try loadConfigOrExit()
        LoggingSetup.bootstrap(format: appConfig.logFormat, level: .warning)
        let (catalog, _) = try options.load()
        let smokeConfig: SmokeConfig
        let runtime: ConnectorRuntime
        let endpoints: [String: ConnectorEndpoints]
        do {
            smokeConfig = try SmokeConfig.load(URL(fileURLWithPath: config))
            runtime = try ConnectorSmoke.runtime(config: appConfig, catalog: catalog, logger: Logger(label: "neonhub.smoke"))
            endpoints = try ConnectorSmoke.endpoints(config: appConfig)
        } catch {
            FileHandle.standardError.write(Data("connectors smoke: \(error)\n".utf8))
            throw ExitCode(66)
        }
        let results = await ConnectorSmoke(catalog: catalog, runtime: runtime, timeout: .milliseconds(Int(timeout * 1000)), endpoints: endpoints)
            .run(smokeConfig)
        print(SmokeResult.table(results))
        let counts = Dictionary(grouping: results, by: \.outcome).mapValues(\.count)
        print("pass \(counts[.pass] ?? 0), fail \(counts[.fail] ?? 0), skip \(counts[.skip] ?? 0)")
        let output = URL(fileURLWithPath: jsonOut)
        do {
            try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
            try SmokeResult.json(results).encoded().write(to: output)
        } catch {
            FileHandle.standardError.write(Data("connectors smoke: cannot write \(jsonOut): \(error)\n".utf8))
            throw ExitCode(73)
        }
        if counts[.fail] != nil { throw ExitCode(1) }
    }
}
