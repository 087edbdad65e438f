import Foundation
import TestSupport
import Testing

@testable import Postgres

@Suite struct EmbeddedClusterTests {
    @Test func missingBinariesGiveOneClearLine() throws {
        let empty = try makeTemporaryDirectory("neonhub-nobin")
        defer { try? FileManager.default.removeItem(at: empty) }
        let cluster = EmbeddedCluster(
            directory: empty.appendingPathComponent("pg"), logger: TestDatabase.logger,
            options: .init(binaryDirectories: [empty]))
        let error = #expect(throws: EmbeddedClusterError.self) { try cluster.start() }
        #expect(
            error?.description
                == "PostgreSQL server binaries not found (initdb, pg_ctl): install them with 'apt-get install -y postgresql'")
    }

    @Test func longDirectoriesGetAShortSocketPath() {
        let long = URL(fileURLWithPath: "/tmp/" + String(repeating: "x", count: 120))
        let cluster = EmbeddedCluster(directory: long, logger: TestDatabase.logger)
        #expect(cluster.socketDirectory.path.utf8.count + 14 < 100)
        #expect(cluster.socketDirectory.path.hasPrefix("/tmp/neonhub-pg-"))
        let short = EmbeddedCluster(directory: URL(fileURLWithPath: "/tmp/neonhub-x"), logger: TestDatabase.logger)
        #expect(short.socketDirectory.path == "/tmp/neonhub-x/run")
    }

    @Test func startsReusesAndStops() async throws {
        let root = try makeTemporaryDirectory("neonhub-cluster")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("postgres", isDirectory: true)
        let cluster = EmbeddedCluster(directory: directory, logger: TestDatabase.logger, options: .init(durable: false))
        let connectionString = try await blocking { try cluster.start() }
        defer { try? cluster.stopServer() }
        #expect(cluster.isRunning)
        #expect(connectionString.contains("dbname='neonhub'"))
        let versionFile = cluster.dataDirectory.appendingPathComponent("PG_VERSION")
        let created = try FileManager.default.attributesOfItem(atPath: versionFile.path)[.modificationDate] as? Date
        let socketMode = try FileManager.default.attributesOfItem(atPath: cluster.socketDirectory.path)[.posixPermissions] as? Int
        #expect(socketMode == 0o700)

        let connection = try PostgresConnection(connectionString: connectionString)
        try connection.executeScript("CREATE TABLE kept (n int); INSERT INTO kept VALUES (42);")
        // Found by a review: initdb's `-A trust` trusted TCP too, so the cluster started by hand
        // (`pg_ctl start`, listening on localhost) let every local user in as superuser.
        let rules = try connection.query("SELECT type, auth_method FROM pg_hba_file_rules")
        #expect(try rules.contains { try $0.decode("type", as: String.self).hasPrefix("host") })
        #expect(try rules.allSatisfy { try $0.decode("type", as: String.self) == "local" || $0.decode("auth_method", as: String.self) == "reject" })
        connection.close()

        // A second manager on the same directory attaches to the running server.
        let attached = EmbeddedCluster(directory: directory, logger: TestDatabase.logger)
        let again = try await blocking { try attached.start() }
        #expect(again == connectionString)
        // Found by a review: `neonhub migrate status` beside a running `neonhub serve` stopped
        // the server's database when it exited. Only the process that launched it stops it.
        try await blocking { try attached.release() }
        #expect(cluster.isRunning)
        #expect(try PostgresConnection(connectionString: connectionString).query("SELECT n FROM kept").count == 1)

        try await blocking { try cluster.release() }
        #expect(!cluster.isRunning)
        #expect(throws: PostgresError.self) { try PostgresConnection(connectionString: connectionString) }

        // Restarting reuses the data directory: no new initdb, data persists.
        let restarted = EmbeddedCluster(directory: directory, logger: TestDatabase.logger, options: .init(durable: false))
        let restartedString = try await blocking { try restarted.start() }
        let reopened = try PostgresConnection(connectionString: restartedString)
        #expect(try reopened.query("SELECT n FROM kept").first?.decode("n", as: Int.self) == 42)
        reopened.close()
        let modified = try FileManager.default.attributesOfItem(atPath: versionFile.path)[.modificationDate] as? Date
        #expect(created != nil && created == modified)

        try await blocking { try restarted.stop() }
        #expect(!restarted.isRunning)
        #expect(FileManager.default.fileExists(atPath: versionFile.path))  // not a throwaway: data kept
    }

    /// Found by a review: a command that launched the cluster (`vault rotate`, `content reprice`)
    /// stopped it when it exited, under a `neonhub serve` that had attached meanwhile. The
    /// launcher now leaves it to the processes still using it, and the last of them stops it.
    @Test func theLastProcessOutStopsTheCluster() async throws {
        let root = try makeTemporaryDirectory("neonhub-cluster")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("postgres", isDirectory: true)
        let launcher = EmbeddedCluster(directory: directory, logger: TestDatabase.logger, options: .init(durable: false))
        let connectionString = try await blocking { try launcher.start() }
        let server = EmbeddedCluster(directory: directory, logger: TestDatabase.logger)
        _ = try await blocking { try server.start() }
        // A process that died without releasing (pid 0x7FFFFFF0 is not running) counts for nothing.
        _ = FileManager.default.createFile(atPath: launcher.users.directory.appendingPathComponent("2147483632-dead").path, contents: Data())
        #expect(launcher.users.others().count == 1)

        try await blocking { try launcher.release() }
        #expect(launcher.isRunning)
        #expect(try PostgresConnection(connectionString: connectionString).query("SELECT 1 AS one").count == 1)
        #expect(FileManager.default.fileExists(atPath: launcher.users.handoverFile.path))

        try await blocking { try server.release() }
        #expect(!server.isRunning)
        #expect(!FileManager.default.fileExists(atPath: launcher.users.handoverFile.path))
        #expect(!FileManager.default.fileExists(atPath: launcher.users.directory.appendingPathComponent("2147483632-dead").path))
    }

    @Test func throwawayClusterIsDeletedOnStop() async throws {
        let cluster = try EmbeddedCluster.throwaway(logger: TestDatabase.logger)
        let connectionString = try await blocking { try cluster.start() }
        let connection = try PostgresConnection(connectionString: connectionString)
        #expect(try connection.query("SHOW fsync").first?.decode(0, as: String.self) == "off")
        #expect(try connection.query("SHOW listen_addresses").first?.decode(0, as: String.self) == "")
        connection.close()
        try await blocking { try cluster.stop() }
        #expect(!FileManager.default.fileExists(atPath: cluster.directory.path))
    }
}
