import ArgumentParser
import Foundation
import Logging
import NeonHub
import Postgres
import TimeUnits

/// `neonhub bench-db`: measures agent-run write transactions through `PostgresPool`.
/// Each transaction is 1 `agent_runs` + 2 `tool_executions` + 3 `agent_run_metrics`
/// inserts sent as one pipelined `BEGIN … COMMIT` (the same work as
/// `scripts/bench/db-transaction.sql` for pgbench).
struct BenchDatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-db",
        abstract: "Benchmark agent-run write transactions against Postgres through the connection pool.")

    @Option(help: "Concurrent clients (and pool size).")
    var clients: Int = 8

    @Option(help: "How long to run, in seconds.")
    var seconds: Double = 10

    @Option(name: .customLong("database-url"), help: "libpq connection string or postgres:// URL.")
    var databaseURL: String

    @Option(help: "Apply the migrations in this directory before the run (e.g. Migrations).")
    var migrationsDirectory: String?

    func validate() throws {
        guard clients >= 1 else { throw ValidationError("--clients must be at least 1") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    func run() async throws {
        var logger = Logger(label: "neonhub.bench-db")
        logger.logLevel = .warning
        let pool = PostgresPool(
            connectionString: databaseURL,
            configuration: PostgresPoolConfiguration(size: clients, acquireTimeout: .seconds(10)),
            logger: logger)
        defer { pool.shutdown() }
        if let migrationsDirectory {
            let migrator = Migrator(directory: URL(fileURLWithPath: migrationsDirectory, isDirectory: true), logger: logger)
            try await migrator.migrate(using: pool)
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(seconds * 1000))
        let started = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var samples: [Double] = []
                    while clock.now < deadline {
                        let begin = clock.now
                        _ = try await pool.pipelineTransaction(AgentRunStore.benchmarkTransaction(client: client))
                        samples.append((clock.now - begin).inFractionalMilliseconds)
                    }
                    return samples
                }
            }
            var all: [Double] = []
            for try await samples in group { all += samples }
            return all.sorted()
        }
        let elapsed = (clock.now - started).inFractionalMilliseconds / 1000
        let tps = Double(latencies.count) / max(elapsed, 0.001)
        print(
            "transactions=\(latencies.count) tps=\(Self.format(tps)) p50_ms=\(Self.format(Self.percentile(latencies, 0.50))) "
                + "p95_ms=\(Self.format(Self.percentile(latencies, 0.95))) p99_ms=\(Self.format(Self.percentile(latencies, 0.99)))")
    }

    /// The nearest-rank percentile of sorted samples (0 when empty).
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    static func format(_ value: Double) -> String {
        String(format: "%.2f", value)
    }
}
