public import Foundation
public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A private Postgres cluster in a directory (`<dir>/data`, socket in `<dir>/run`, log in
/// `<dir>/postgres.log`), managed with `initdb` and `pg_ctl`: Unix socket only, no TCP.
/// `start()` creates the cluster on first use, reuses it later (or attaches to it if it
/// is already running), and creates the application database. When the process runs as
/// root, the cluster runs as the `postgres` system user.
public final class EmbeddedCluster: Sendable {
    /// Settings of an embedded cluster.
    public struct Options: Sendable {
        /// Whether Postgres syncs to disk (`fsync`, `synchronous_commit`, `full_page_writes`).
        /// Turn off only for throwaway data.
        public var durable: Bool
        /// The application database created by `start()`.
        public var databaseName: String
        /// Directories to search for `initdb`/`pg_ctl`; nil searches `PATH`, then the
        /// highest `/usr/lib/postgresql/*/bin`.
        public var binaryDirectories: [URL]?
        /// Whether `stop()` deletes the whole directory.
        public var removeDirectoryOnStop: Bool
        /// Extra server settings passed as `-c name=value`.
        public var settings: [String: String]
        /// The system user the cluster runs as when this process is root.
        public var systemUser: String
        /// Where the Unix socket goes; nil picks `<dir>/run` (or a short path under `/tmp`).
        public var socketDirectory: URL?

        /// Creates options; defaults: durable, database `neonhub`, keep the directory.
        public init(
            durable: Bool = true, databaseName: String = "neonhub", binaryDirectories: [URL]? = nil,
            removeDirectoryOnStop: Bool = false, settings: [String: String] = [:],
            systemUser: String = "postgres", socketDirectory: URL? = nil
        ) {
            self.durable = durable
            self.databaseName = databaseName
            self.binaryDirectories = binaryDirectories
            self.removeDirectoryOnStop = removeDirectoryOnStop
            self.settings = settings
            self.systemUser = systemUser
            self.socketDirectory = socketDirectory
        }
    }

    /// The cluster's root directory.
    public let directory: URL
    /// The settings.
    public let options: Options
    let logger: Logger
    /// Serializes `start`/`stop` (held while they run); holds whether this instance's
    /// `start()` launched the postmaster (rather than attaching to a running one).
    private let lock = Mutex<Bool>(false)
    /// The processes using the cluster (`<dir>/users`), this one included while it does.
    let users: ClusterUsers

    /// Describes a cluster in `directory` (e.g. `<cwd>/.neonhub/postgres`); nothing
    /// happens until `start()`.
    public init(directory: URL, logger: Logger, options: Options = Options()) {
        self.directory = directory.standardizedFileURL
        users = ClusterUsers(clusterDirectory: directory.standardizedFileURL)
        self.logger = logger
        self.options = options
    }

    /// A cluster in a new temporary directory under `/tmp`, without fsync, deleted by `stop()`.
    public static func throwaway(logger: Logger, settings: [String: String] = [:]) throws -> EmbeddedCluster {
        var template = Array("/tmp/neonhub-pg-XXXXXX".utf8CString)
        let path: String? = template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        guard let path else {
            throw EmbeddedClusterError("could not create a temporary directory under /tmp")
        }
        guard chmod(path, 0o755) == 0 else {
            throw EmbeddedClusterError("could not make \(path) accessible")
        }
        let options = Options(durable: false, removeDirectoryOnStop: true, settings: settings)
        return EmbeddedCluster(directory: URL(fileURLWithPath: path, isDirectory: true), logger: logger, options: options)
    }

    /// `<dir>/data`.
    public var dataDirectory: URL { directory.appendingPathComponent("data", isDirectory: true) }
    /// `<dir>/postgres.log`.
    public var logFile: URL { directory.appendingPathComponent("postgres.log") }

    /// The directory of the server's Unix socket: the one the options name, else `<dir>/run`,
    /// or a short path under `/tmp` when that would make the socket path too long (> 100 bytes).
    public var socketDirectory: URL {
        if let chosen = options.socketDirectory { return chosen.standardizedFileURL }
        let preferred = directory.appendingPathComponent("run", isDirectory: true)
        if preferred.path.utf8.count + "/.s.PGSQL.5432".utf8.count < 100 { return preferred }
        let digest = SHA256.hexDigest(directory.path.utf8).prefix(16)
        return URL(fileURLWithPath: "/tmp/neonhub-pg-\(digest)", isDirectory: true)
    }

    /// A libpq connection string for `database` on this cluster (as user `postgres`).
    public func connectionString(database: String? = nil) -> String {
        let (socket, port) = runningSocket() ?? (socketDirectory.path, 5432)
        return "host=\(Self.quote(socket)) port=\(port) user=postgres dbname=\(Self.quote(database ?? options.databaseName))"
    }

    /// True if the cluster's postmaster is running.
    public var isRunning: Bool { postmasterPID() != nil }

    /// Initializes the cluster if needed, starts it unless already running, creates the
    /// application database if missing, and returns its connection string.
    @discardableResult
    public func start() throws -> String {
        // Under the registry's lock, so that no process attaches between another's last look
        // at the users and its `pg_ctl stop` (`release`).
        try users.withLock { try startRegistered() }
    }

    private func startRegistered() throws -> String {
        try lock.withLock { launchedHere in
            let binaries = try Self.findBinaries(in: options.binaryDirectories)
            let owner = try clusterOwner()
            try checkSocketPathLength()
            try prepareDirectories(owner: owner)
            if !FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) {
                try initialize(binaries: binaries, owner: owner)
            }
            if postmasterPID() != nil {
                logger.info("attaching to the running embedded Postgres", metadata: ["directory": "\(directory.path)"])
            } else {
                try launch(binaries: binaries, owner: owner)
                launchedHere = true
                try? FileManager.default.removeItem(at: users.handoverFile)  // a handover from an earlier run is void
            }
            users.register()
            try createDatabaseIfMissing()
            return connectionString()
        }
    }

    /// This process is done with the cluster: stops it when it is this process's to stop and
    /// no other process still uses it (each process that starts or attaches registers in
    /// `<dir>/users` until it releases; a dead process's entry does not count). It is this
    /// process's to stop when it launched it, or when the launcher left it running for others
    /// (`<dir>/users/handover`) and this is the last of them. So `neonhub migrate status`
    /// beside `neonhub serve` never stops the server's database, nor does a `vault rotate`
    /// that launched it while a server attached later; the last one out stops it.
    public func release() throws {
        try users.withLock {
            let launchedHere = lock.withLock { $0 }
            users.unregister()
            let others = users.others()
            let handedOver = FileManager.default.fileExists(atPath: users.handoverFile.path)
            guard others.isEmpty else {
                if launchedHere {
                    _ = FileManager.default.createFile(atPath: users.handoverFile.path, contents: Data())
                    logger.notice(
                        "leaving the embedded Postgres running: other processes use it, and the last of them stops it",
                        metadata: ["directory": "\(directory.path)", "processes": "\(others.count)"])
                }
                return
            }
            guard launchedHere || handedOver else { return }
            try stopServer()
            try? FileManager.default.removeItem(at: users.handoverFile)
        }
    }

    /// Stops the server (`pg_ctl stop -m fast`) if it is running, whoever uses it; keeps the data.
    public func stopServer() throws {
        users.unregister()
        try lock.withLock { launchedHere in
            launchedHere = false
            guard postmasterPID() != nil else { return }
            let binaries = try Self.findBinaries(in: options.binaryDirectories)
            let output = try run(
                binaries.appendingPathComponent("pg_ctl"),
                ["-D", dataDirectory.path, "-m", "fast", "-w", "-t", "60", "stop"], owner: try clusterOwner())
            guard output.status == 0 else {
                throw EmbeddedClusterError("pg_ctl stop failed: \(Self.firstLine(output.standardError))", output: output.standardError)
            }
            logger.info("stopped embedded Postgres", metadata: ["directory": "\(directory.path)"])
        }
    }

    /// Stops the server and, for a throwaway cluster, deletes its directory.
    public func stop() throws {
        try stopServer()
        if options.removeDirectoryOnStop {
            try? FileManager.default.removeItem(at: directory)
            if !socketDirectory.path.hasPrefix(directory.path) {
                try? FileManager.default.removeItem(at: socketDirectory)
            }
        }
    }

    // MARK: - Steps

    private func prepareDirectories(owner: (uid: uid_t, gid: gid_t)?) throws {
        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
            try fileManager.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        } catch {
            throw EmbeddedClusterError("cannot create \(directory.path): \(error.localizedDescription)")
        }
        guard chmod(socketDirectory.path, 0o700) == 0 else {
            throw EmbeddedClusterError("cannot set the mode of \(socketDirectory.path)")
        }
        guard let owner else { return }
        for path in [directory.path, socketDirectory.path, logFile.path] where fileManager.fileExists(atPath: path) {
            guard lchown(path, owner.uid, owner.gid) == 0 else {
                throw EmbeddedClusterError("cannot give \(path) to the postgres user")
            }
        }
    }

    private func initialize(binaries: URL, owner: (uid: uid_t, gid: gid_t)?) throws {
        if let owner, let paths = try? FileManager.default.subpathsOfDirectory(atPath: directory.path) {
            for path in paths { _ = lchown(directory.appendingPathComponent(path).path, owner.uid, owner.gid) }
        }
        logger.info("initializing embedded Postgres cluster", metadata: ["directory": "\(directory.path)"])
        // Trust over the socket only: TCP is refused outright, so a cluster someone starts by hand with
        // the default `listen_addresses` (localhost) does not hand out superuser to every local user.
        var arguments = ["-D", dataDirectory.path, "-U", "postgres", "--auth-local=trust", "--auth-host=reject", "-E", "UTF8", "--no-locale"]
        if !options.durable { arguments.append("--no-sync") }
        let output = try run(binaries.appendingPathComponent("initdb"), arguments, owner: owner)
        guard output.status == 0 else {
            throw EmbeddedClusterError("initdb failed: \(Self.firstLine(output.standardError))", output: output.standardError)
        }
    }

    private func launch(binaries: URL, owner: (uid: uid_t, gid: gid_t)?) throws {
        let socket = socketDirectory.path
        guard !socket.contains("'"), !socket.contains("\\") else {
            throw EmbeddedClusterError("the socket directory path must not contain quotes: \(socket)")
        }
        removeStalePostmasterFile()
        let port = try freeSocketPort()
        var settings = ["listen_addresses": "''", "unix_socket_directories": "'\(socket)'", "port": "\(port)"]
        if !options.durable {
            settings["fsync"] = "off"
            settings["synchronous_commit"] = "off"
            settings["full_page_writes"] = "off"
        }
        settings.merge(options.settings) { _, custom in custom }
        let serverOptions = settings.keys.sorted().map { "-c \($0)=\(settings[$0] ?? "")" }.joined(separator: " ")
        logger.info("starting embedded Postgres", metadata: ["directory": "\(directory.path)", "socket": "\(socket)", "port": "\(port)"])
        let output = try run(
            binaries.appendingPathComponent("pg_ctl"),
            ["-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "60", "-o", serverOptions, "start"],
            owner: owner)
        guard output.status == 0 else {
            let logTail =
                (try? String(contentsOf: logFile, encoding: .utf8))?
                .split(separator: "\n").last.map(String.init) ?? ""
            throw EmbeddedClusterError(
                "pg_ctl start failed: \(Self.firstLine(output.standardError + output.standardOutput)) \(logTail)",
                output: output.standardError)
        }
    }

    private func createDatabaseIfMissing() throws {
        let name = options.databaseName
        guard !name.isEmpty, name.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }) else {
            throw EmbeddedClusterError("invalid database name \"\(name)\": use [a-z0-9_]")
        }
        let connection = try connectWithRetry(database: "postgres")
        defer { connection.close() }
        let exists = try connection.query("SELECT 1 FROM pg_database WHERE datname = \(name)")
        guard exists.isEmpty else { return }
        do {
            try connection.execute("CREATE DATABASE \(unescaped: "\"\(name)\"")")
            logger.info("created database", metadata: ["database": "\(name)"])
        } catch let error as PostgresError where error.code == "42P04" {
            // Created concurrently by another process.
        }
    }

    /// Connects, retrying while a just-started server is still starting up.
    private func connectWithRetry(database: String) throws -> PostgresConnection {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                return try PostgresConnection(connectionString: connectionString(database: database))
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    // MARK: - Helpers

    /// The postmaster's pid if `postmaster.pid` names a live Postgres process.
    func postmasterPID() -> pid_t? {
        guard let lines = postmasterFile(), let pid = lines.first.flatMap({ pid_t($0) }), pid > 0 else { return nil }
        return Self.isLivePostgresProcess(pid) ? pid : nil
    }

    /// Whether `pid` is alive and a Postgres process (a stale pid file may name a recycled
    /// pid; a killed postmaster its parent has not reaped yet is a zombie, not alive).
    static func isLivePostgresProcess(_ pid: pid_t) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")"), stat[end...].dropFirst().trimmingCharacters(in: .whitespaces).hasPrefix("Z")
        {
            return false
        }
        if let command = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
            !command.hasPrefix("postgres"), !command.hasPrefix("postmaster")
        {
            return false
        }
        return true
    }

    /// The socket directory and port recorded by the running postmaster.
    private func runningSocket() -> (String, Int)? {
        guard postmasterPID() != nil, let lines = postmasterFile(), lines.count >= 5,
            let port = Int(lines[3]), !lines[4].isEmpty
        else { return nil }
        return (lines[4].split(separator: ",").first.map(String.init) ?? lines[4], port)
    }

    func postmasterFile() -> [String]? {
        Self.lines(of: dataDirectory.appendingPathComponent("postmaster.pid"))
    }

    /// The lines of a Postgres lock file (`postmaster.pid`, `.s.PGSQL.<port>.lock`), trimmed.
    static func lines(of url: URL) -> [String]? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
    }

    private func run(_ executable: URL, _ arguments: [String], owner: (uid: uid_t, gid: gid_t)?) throws -> ProcessRunner.Output {
        if owner != nil {
            guard
                let runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
                    .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
            else {
                throw EmbeddedClusterError("running Postgres as root needs runuser (util-linux) to switch to the postgres user")
            }
            return try ProcessRunner.run(
                URL(fileURLWithPath: runuser), ["-u", options.systemUser, "--", executable.path] + arguments,
                currentDirectory: directory)
        }
        return try ProcessRunner.run(executable, arguments, currentDirectory: directory)
    }

    /// The system user's ids when running as root (Postgres refuses root), else nil.
    private func clusterOwner() throws -> (uid: uid_t, gid: gid_t)? {
        guard geteuid() == 0 else { return nil }
        let user = try SystemUser.lookUp(options.systemUser)
        return (user.uid, user.gid)
    }

    /// The directory holding both `initdb` and `pg_ctl`.
    static func findBinaries(in directories: [URL]?) throws -> URL {
        let candidates = directories ?? defaultBinaryDirectories()
        let fileManager = FileManager.default
        for candidate in candidates
        where fileManager.isExecutableFile(atPath: candidate.appendingPathComponent("initdb").path)
            && fileManager.isExecutableFile(atPath: candidate.appendingPathComponent("pg_ctl").path)
        {
            return candidate
        }
        throw EmbeddedClusterError.binariesNotFound
    }

    private static func defaultBinaryDirectories() -> [URL] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        var directories = path.split(separator: ":").map { URL(fileURLWithPath: String($0), isDirectory: true) }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { name in Double(name).map { (name, $0) } }
            .sorted { $0.1 > $1.1 }
        directories += versions.map { URL(fileURLWithPath: "\(root)/\($0.0)/bin", isDirectory: true) }
        return directories
    }

    /// Quotes a conninfo value.
    private static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    private static func firstLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).first.map { String($0) } ?? "no output"
    }
}
