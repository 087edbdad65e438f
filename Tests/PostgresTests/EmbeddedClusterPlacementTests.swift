import Foundation
import Testing

@testable import Postgres

#if canImport(Glibc)
    import Glibc
    import TestSupport
#endif

/// Where a project's cluster lives when the `postgres` user cannot reach the project folder,
/// and each way a cluster start can fail or recover. The cases that need root (the cluster
/// then runs as `postgres`) are disabled otherwise, saying why.
@Suite(.serialized) struct EmbeddedClusterPlacementTests {
    static let isRoot = geteuid() == 0

    /// A project folder below a 0700 parent, as root's home and every `mktemp -d` are.
    private func privateProject() throws -> (parent: URL, preferred: URL) {
        let parent = try makeTemporaryDirectory("neonhub-private")
        guard chmod(parent.path, 0o700) == 0 else { throw EmbeddedClusterError("chmod failed") }
        let preferred = parent.appendingPathComponent("my project/.neonhub/postgres", isDirectory: true)
        return (parent, preferred)
    }

    @Test(.enabled(if: isRoot, "the postgres user's reach only differs from ours when we are root"))
    func aProjectBelowAPrivateFolderGetsAClusterThePostgresUserCanReach() async throws {
        let (parent, preferred) = try privateProject()
        let fallbackRoot = try makeTemporaryDirectory("neonhub-fallback")
        defer {
            try? FileManager.default.removeItem(at: parent)
            try? FileManager.default.removeItem(at: fallbackRoot)
        }

        // What failed before: the cluster in the preferred folder cannot be initialized.
        let unreachable = EmbeddedCluster(directory: preferred, logger: TestDatabase.logger, options: .init(durable: false))
        let original = #expect(throws: EmbeddedClusterError.self) { try unreachable.start() }
        #expect(original?.description.contains("initdb failed") == true)
        try? FileManager.default.removeItem(at: preferred)

        let placement = try EmbeddedClusterPlacement.resolve(preferred: preferred, fallbackRoot: fallbackRoot)
        #expect(placement.directory.path.hasPrefix(fallbackRoot.path + "/my_project-"))
        #expect(placement.relocationReason?.contains("cannot enter \(parent.path)") == true)
        let pointer = preferred.appendingPathComponent(EmbeddedClusterPlacement.pointerFileName)
        #expect(try String(contentsOf: pointer, encoding: .utf8) == placement.directory.path + "\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: placement.directory.path)
        #expect(attributes[.posixPermissions] as? Int == 0o700)
        #expect(attributes[.ownerAccountName] as? String == "postgres")

        let cluster = EmbeddedCluster(directory: placement.directory, logger: TestDatabase.logger, options: .init(durable: false))
        let url = try await blocking { try cluster.start() }
        let connection = try PostgresConnection(connectionString: url)
        try connection.executeScript("CREATE TABLE kept (n int); INSERT INTO kept VALUES (7);")
        connection.close()
        try await blocking { try cluster.stopServer() }

        // The next start finds the same cluster, with its data.
        let again = try EmbeddedClusterPlacement.resolve(preferred: preferred, fallbackRoot: fallbackRoot)
        #expect(again == placement)
        let reused = EmbeddedCluster(directory: again.directory, logger: TestDatabase.logger, options: .init(durable: false))
        let reopened = try PostgresConnection(connectionString: try await blocking { try reused.start() })
        #expect(try reopened.query("SELECT n FROM kept").first?.decode("n", as: Int.self) == 7)
        reopened.close()
        try await blocking { try reused.stopServer() }

        // `rm -rf .neonhub` starts over. Found by a review: the old cluster was deleted, and a
        // pointer lost another way (a rebuilt container, the clusters on a volume) lost the
        // data with it. It is kept aside, one copy.
        try FileManager.default.removeItem(at: preferred.deletingLastPathComponent())
        let fresh = try EmbeddedClusterPlacement.resolve(preferred: preferred, fallbackRoot: fallbackRoot)
        #expect(fresh.directory == placement.directory)
        #expect(!FileManager.default.fileExists(atPath: fresh.directory.appendingPathComponent("data").path))
        let aside = EmbeddedClusterPlacement.previousDirectory(of: placement.directory)
        #expect(FileManager.default.fileExists(atPath: aside.appendingPathComponent("data/PG_VERSION").path))
        #expect(fresh.relocationReason?.contains("kept as \(aside.path)") == true)
    }

    @Test(.enabled(if: isRoot, "as another user the cluster simply runs as that user"))
    func aReachableProjectKeepsItsClusterInPlace() throws {
        let parent = try makeTemporaryDirectory("neonhub-open")
        defer { try? FileManager.default.removeItem(at: parent) }
        let preferred = parent.appendingPathComponent("p/.neonhub/postgres", isDirectory: true)
        let placement = try EmbeddedClusterPlacement.resolve(preferred: preferred, fallbackRoot: parent.appendingPathComponent("unused"))
        #expect(placement == EmbeddedClusterPlacement(directory: preferred, relocationReason: nil))
        #expect(!FileManager.default.fileExists(atPath: parent.appendingPathComponent("unused").path))
    }

    @Test func fallbackFoldersAreStablePerProjectAndShort() {
        let a = URL(fileURLWithPath: "/root/" + String(repeating: "deep/", count: 40) + "shop site/.neonhub/postgres")
        let b = URL(fileURLWithPath: "/home/x/shop site/.neonhub/postgres")
        let folderA = EmbeddedClusterPlacement.fallbackDirectory(for: a)
        #expect(folderA == EmbeddedClusterPlacement.fallbackDirectory(for: a))
        #expect(folderA != EmbeddedClusterPlacement.fallbackDirectory(for: b))
        #expect(folderA.lastPathComponent.hasPrefix("shop_site-"))
        #expect((folderA.path + "/run/.s.PGSQL.5531.lock").utf8.count <= EmbeddedCluster.maximumSocketPathBytes)
    }

    @Test(.enabled(if: isRoot, "only root runs the cluster as another user"))
    func aMissingSystemUserIsOneClearLine() throws {
        let root = try makeTemporaryDirectory("neonhub-nouser")
        defer { try? FileManager.default.removeItem(at: root) }
        let cluster = EmbeddedCluster(
            directory: root.appendingPathComponent("pg"), logger: TestDatabase.logger,
            options: .init(systemUser: "neonhub-no-such-user"))
        let error = #expect(throws: EmbeddedClusterError.self) { try cluster.start() }
        #expect(error?.description.hasPrefix("running as root needs a 'neonhub-no-such-user' system user") == true)
        #expect(error?.description.contains("\n") == false)
    }

    @Test func aSocketPathTooLongForUnixSocketsIsOneClearLine() throws {
        let root = try makeTemporaryDirectory("neonhub-longsock")
        defer { try? FileManager.default.removeItem(at: root) }
        let socket = URL(fileURLWithPath: "/tmp/" + String(repeating: "s", count: 100))
        let cluster = EmbeddedCluster(
            directory: root.appendingPathComponent("pg"), logger: TestDatabase.logger, options: .init(socketDirectory: socket))
        let error = #expect(throws: EmbeddedClusterError.self) { try cluster.start() }
        #expect(error?.description.contains("longer than the 107 a Unix socket allows") == true)
        #expect(!FileManager.default.fileExists(atPath: socket.path))
    }

    @Test func aStalePidFileFromAKilledRunIsCleanedUp() async throws {
        let root = try makeTemporaryDirectory("neonhub-stale")
        defer { try? FileManager.default.removeItem(at: root) }
        let cluster = EmbeddedCluster(
            directory: root.appendingPathComponent("pg"), logger: TestDatabase.logger, options: .init(durable: false))
        try await blocking { try cluster.start() }
        let pid = try #require(cluster.postmasterPID())
        kill(pid, SIGKILL)
        for _ in 0..<200 where kill(pid, 0) == 0 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(200))  // backends notice their postmaster is gone

        // The killed run left postmaster.pid; make it name a live process of the cluster's
        // user that is not Postgres, as a recycled pid would. Postgres alone refuses to start
        // then ("lock file already exists"); it ignores processes it may not signal.
        let recycled = try Self.processOfTheClusterUser()
        defer { recycled.terminate() }
        let pidFile = cluster.dataDirectory.appendingPathComponent("postmaster.pid")
        var lines = try #require(EmbeddedCluster.lines(of: pidFile))
        lines[0] = "\(recycled.processIdentifier)"
        try lines.joined(separator: "\n").write(to: pidFile, atomically: false, encoding: .utf8)
        #expect(!cluster.isRunning)

        let url = try await blocking { try cluster.start() }
        defer { try? cluster.stopServer() }
        let connection = try PostgresConnection(connectionString: url)
        #expect(try connection.query("SELECT 1 AS one").first?.decode("one", as: Int.self) == 1)
        connection.close()
    }

    /// A `sleep` running as the user the cluster runs as (`postgres` when we are root).
    static func processOfTheClusterUser() throws -> SpawnedProcess {
        let process =
            isRoot
            ? try ProcessRunner.spawn(
                URL(fileURLWithPath: "/usr/bin/setpriv"), ["--reuid=postgres", "--regid=postgres", "--clear-groups", "/bin/sleep", "60"])
            : try ProcessRunner.spawn(URL(fileURLWithPath: "/bin/sleep"), ["60"])
        Thread.sleep(forTimeInterval: 0.1)  // exec'd as the user
        return process
    }

    @Test func twoClustersSharingASocketFolderTakeDifferentPorts() async throws {
        let root = try makeTemporaryDirectory("neonhub-shared-socket")
        defer { try? FileManager.default.removeItem(at: root) }
        let socket = root.appendingPathComponent("sock", isDirectory: true)
        let first = EmbeddedCluster(
            directory: root.appendingPathComponent("a"), logger: TestDatabase.logger,
            options: .init(durable: false, socketDirectory: socket))
        let second = EmbeddedCluster(
            directory: root.appendingPathComponent("b"), logger: TestDatabase.logger,
            options: .init(durable: false, socketDirectory: socket))
        let firstURL = try await blocking { try first.start() }
        defer { try? first.stopServer() }
        let secondURL = try await blocking { try second.start() }
        defer { try? second.stopServer() }
        #expect(firstURL.contains("port=5432"))
        #expect(secondURL.contains("port=5433"))
        for (url, directory) in [(firstURL, first.dataDirectory), (secondURL, second.dataDirectory)] {
            let connection = try PostgresConnection(connectionString: url)
            #expect(try connection.query("SHOW data_directory").first?.decode(0, as: String.self) == directory.path)
            connection.close()
        }
    }
}
