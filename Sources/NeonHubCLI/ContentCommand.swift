import ArgumentParser
import Foundation
import Logging
import NeonHub
import Postgres

/// `neonhub content …`: content tools.
struct ContentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "content", abstract: "Content tools.", subcommands: [RepriceCommand.self])
}

/// `neonhub content reprice --since DATE`: recomputes recorded LLM costs with the current price table.
struct RepriceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprice", abstract: "Recompute LLM costs recorded since a date with the current price table.")

    @Option(help: "First day to reprice (YYYY-MM-DD, UTC).")
    var since: String

    @Option(help: "The price table (default: LLM_PRICES_FILE, as the server reads it, else configs/llm-prices.json).")
    var prices: String?

    @Flag(help: "Report what would change without writing.")
    var dryRun = false

    func run() async throws {
        let config = try loadConfigOrExit()
        guard let day = ModelPrice.parseDay(since) else {
            FileHandle.standardError.write(Data("--since must be a date like 2026-01-31\n".utf8))
            throw ExitCode(64)
        }
        let table: PriceTable
        // The server's own table unless told otherwise: repricing with another would skew costs.
        let prices = self.prices ?? config.llmPricesFile
        do { table = try PriceTable(contentsOf: URL(fileURLWithPath: prices)) } catch {
            FileHandle.standardError.write(Data("cannot read the price table \(prices): \(error)\n".utf8))
            throw ExitCode(66)
        }
        let logger = Logger(label: "neonhub.reprice")
        let database = try await runOnOwnThread {
            try Database(
                databaseURL: config.databaseURL, poolSize: 2, metrics: NeonHubMetrics(), health: HealthMonitor(version: NeonHubVersion.current),
                logger: logger)
        }
        let result = try await Repricer().reprice(store: LLMUsageCostStore(pool: database.pool), table: table, since: day, dryRun: dryRun)
        print("examined \(result.examined) LLM calls since \(since); \(dryRun ? "would change" : "changed") \(result.changed)")
        _ = try? await runOnOwnThread { database.close() }
    }
}
