import Foundation
import Postgres
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
    import TestSupport
#endif

/// The real `neonhub` binary: bad configuration stops start-up; SIGTERM drains and exits 0;
/// the embedded cluster works from a project folder the `postgres` user cannot reach.
@Suite struct ServeProcessTests {
    /// `.build/<config>/neonhub`, next to the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("neonhub")
    }

    /// The repository's `Migrations/`.
    static let migrations = ThrowawayPostgres.migrationsDirectory
    /// The repository's connector catalog.
    static let connectors = migrations.deletingLastPathComponent().appendingPathComponent("configs/connectors")

    /// A running `neonhub` process (spawned with `ProcessRunner`, not Foundation's `Process`,
    /// whose `run` is not safe while other tests launch commands); its standard error collects
    /// in a file read as it grows.
    final class ServerProcess: Sendable {
        let process: SpawnedProcess

        init(arguments: [String] = ["serve"], environment env: [String: String], directory: URL? = nil) throws {
            var environment = ProcessInfo.processInfo.environment
            environment.removeValue(forKey: "DATABASE_URL")
            environment["LOG_FORMAT"] = "json"
            for (k, v) in env { environment[k] = v }
            process = try ProcessRunner.spawn(
                ServeProcessTests.binary, arguments, currentDirectory: directory, environment: environment)
        }

        /// Everything written to standard error so far.
        var standardError: String { process.standardError }

        /// The port from the `listening` log line, once the server has bound it.
        func waitForPort(seconds: Double = 60) -> Int? {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline, process.isRunning {
                for line in standardError.split(separator: "\n") where line.contains("\"listening\"") {
                    if let range = line.range(of: #""port":"(\d+)""#, options: .regularExpression) {
                        return Int(line[range].dropFirst(8).dropLast())
                    }
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return nil
        }

        /// Exit status once the process ends (blocking).
        func waitUntilExit() throws -> Int32 { try process.waitUntilExit() }

        func terminate() { process.terminate() }
    }

    static func health(port: Int) -> String? {
        try? String(contentsOf: URL(string: "http://127.0.0.1:\(port)/health")!, encoding: .utf8)
    }

    @Test func invalidConfigurationStopsStartUpWithOneLinePerProblem() throws {
        let server = try ServerProcess(environment: ["PORT": "x", "LOG_FORMAT": "xml"])
        #expect(try server.waitUntilExit() == 78)
        Thread.sleep(forTimeInterval: 0.1)
        #expect(server.standardError.split(separator: "\n").filter { $0.hasPrefix("config error: ") }.count == 2)
    }

    @Test func anInvalidConnectorDefinitionStopsStartUpNamingFileAndPath() throws {
        let folder = try makeTemporaryDirectory("neonhub-bad-catalog")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(
            at: Self.connectors.appendingPathComponent("connector.schema.json"),
            to: folder.appendingPathComponent("connector.schema.json"))
        let meta = try String(contentsOf: Self.connectors.appendingPathComponent("meta.json"), encoding: .utf8)
        try meta.replacingOccurrences(of: #""availability": "stable""#, with: #""availability": "beta""#)
            .write(to: folder.appendingPathComponent("meta.json"), atomically: true, encoding: .utf8)
        let server = try ServerProcess(environment: ["CONNECTORS_DIR": folder.path, "PORT": "0", "DATABASE_URL": "host=/nonexistent"])
        #expect(try server.waitUntilExit() == 1)
        Thread.sleep(forTimeInterval: 0.1)
        #expect(server.standardError.contains("invalid connector definition: \(folder.lastPathComponent)/meta.json: $.availability: must be one of"))
    }

    @Test func sigtermExitsZeroAfterDraining() async throws {
        // The harness's throwaway database and a port the kernel picks: nothing here depends
        // on where the checkout lives or on which ports are free.
        let database = try await ThrowawayPostgres.freshDatabase()
        let server = try ServerProcess(environment: [
            "DATABASE_URL": database, "MIGRATIONS_DIR": Self.migrations.path,
            "PORT": "0", "HOST": "127.0.0.1", "SHUTDOWN_GRACE": "30",
        ])
        defer { server.terminate() }
        let port = try #require(server.waitForPort(), "the server exited at start: \(server.standardError)")
        #expect(Self.health(port: port)?.contains("\"database\":\"ok\"") == true)
        let started = Date()
        kill(server.process.processIdentifier, SIGTERM)
        #expect(try server.waitUntilExit() == 0)
        #expect(Date().timeIntervalSince(started) < 20, "it exits once drained, not at the end of the 30 s grace")
    }

    /// Found by a review: a start that failed after the embedded cluster was up (here, the
    /// port is taken) exited 1 and left the cluster running. It is stopped on the way out.
    @Test func aStartThatFailsStopsTheEmbeddedClusterItStarted() throws {
        let busy = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(busy >= 0)
        defer { close(busy) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(busy, $0, length) == 0 && getsockname(busy, $0, &length) == 0 }
        }
        #expect(bound && listen(busy, 1) == 0)
        let port = Int(UInt16(bigEndian: address.sin_port))

        let project = FileManager.default.temporaryDirectory.appendingPathComponent("neonhub-failed-start-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: project.path)
        defer {
            let reset = try? ServerProcess(arguments: ["db", "reset", "--yes"], environment: [:], directory: project)
            _ = try? reset?.waitUntilExit()
            try? FileManager.default.removeItem(at: project)
        }
        let server = try ServerProcess(
            environment: ["PORT": "\(port)", "HOST": "127.0.0.1", "MIGRATIONS_DIR": Self.migrations.path, "CONNECTORS_DIR": Self.connectors.path],
            directory: project)
        defer { server.terminate() }
        #expect(try server.waitUntilExit() != 0)
        #expect(server.standardError.contains("starting the embedded PostgreSQL cluster"), "\(server.standardError)")
        let pointer = project.appendingPathComponent(".neonhub/postgres/LOCATION")
        let clusterDirectory =
            (try? String(contentsOf: pointer, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
            ?? project.appendingPathComponent(".neonhub/postgres").path
        #expect(FileManager.default.fileExists(atPath: clusterDirectory + "/data/PG_VERSION"), "the cluster was made")
        #expect(!FileManager.default.fileExists(atPath: clusterDirectory + "/data/postmaster.pid"), "and stopped again")
    }

    /// The original defect: as root, `neonhub serve` from a clone under a 0700 folder could
    /// not start its embedded cluster (the `postgres` user cannot enter the folder).
    @Test(.enabled(if: geteuid() == 0, "the postgres user's reach only differs from ours when we are root"))
    func serveStartsItsEmbeddedClusterFromAPrivateFolder() throws {
        var template = Array("/tmp/neonhub-private-XXXXXX".utf8CString)
        let parent = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let project = URL(fileURLWithPath: parent).appendingPathComponent("a clone", isDirectory: true)
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        defer {
            // `neonhub db reset` removes the relocated cluster and the pointer.
            let reset = try? ServerProcess(arguments: ["db", "reset", "--yes"], environment: [:], directory: project)
            _ = try? reset?.waitUntilExit()
        }

        let server = try ServerProcess(
            environment: ["PORT": "0", "HOST": "127.0.0.1", "MIGRATIONS_DIR": Self.migrations.path, "CONNECTORS_DIR": Self.connectors.path],
            directory: project)
        defer { server.terminate() }
        let port = try #require(server.waitForPort(), "the server exited at start: \(server.standardError)")
        #expect(Self.health(port: port)?.contains("\"database\":\"ok\"") == true)
        #expect(server.standardError.contains("cannot enter \(parent)"))

        let pointer = project.appendingPathComponent(".neonhub/postgres/LOCATION")
        let clusterDirectory = try String(contentsOf: pointer, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pidFile = clusterDirectory + "/data/postmaster.pid"
        #expect(FileManager.default.fileExists(atPath: pidFile))

        kill(server.process.processIdentifier, SIGTERM)
        #expect(try server.waitUntilExit() == 0)
        #expect(!FileManager.default.fileExists(atPath: pidFile), "the cluster is stopped on exit")
    }
}
