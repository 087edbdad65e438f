import Foundation

#if canImport(Glibc)
    import Glibc
    import Logging
#endif

/// What a cluster start cleans up or works around: a stale `postmaster.pid` left by a killed
/// run, a stale socket lock, a socket directory shared with another running cluster, and a
/// socket path longer than a Unix socket allows.
extension EmbeddedCluster {
    /// The longest path a Unix socket address holds (`sun_path` is 108 bytes with its NUL).
    static let maximumSocketPathBytes = 107
    /// The ports tried, in order, for the socket name `.s.PGSQL.<port>`.
    static let candidatePorts = 5432..<5532

    /// Throws a one-line error when the socket file's path would not fit a Unix socket.
    func checkSocketPathLength() throws {
        let longest = socketDirectory.path + "/.s.PGSQL.\(Self.candidatePorts.upperBound - 1).lock"
        guard longest.utf8.count <= Self.maximumSocketPathBytes else {
            throw EmbeddedClusterError(
                "the socket path \(longest) is \(longest.utf8.count) bytes, longer than the \(Self.maximumSocketPathBytes) a Unix socket allows: choose a shorter socket directory"
            )
        }
    }

    /// Deletes `postmaster.pid` when the process it names no longer runs (a killed run), so
    /// that Postgres does not refuse to start because that pid was recycled.
    func removeStalePostmasterFile() {
        let file = dataDirectory.appendingPathComponent("postmaster.pid")
        guard let lines = postmasterFile(), postmasterPID() == nil else { return }
        do {
            try FileManager.default.removeItem(at: file)
            logger.warning("removed a stale postmaster.pid left by a stopped run", metadata: ["pid": "\(lines.first ?? "")"])
        } catch {
            logger.warning("could not remove a stale postmaster.pid: \(error.localizedDescription)")
        }
    }

    /// The first candidate port whose socket in `socketDirectory` is not held by a live
    /// Postgres; stale lock files on the way are removed.
    func freeSocketPort() throws -> Int {
        for port in Self.candidatePorts {
            let lock = socketDirectory.appendingPathComponent(".s.PGSQL.\(port).lock")
            guard let lines = Self.lines(of: lock) else { return port }
            let holder = lines.first.flatMap { pid_t($0) } ?? 0
            if Self.isLivePostgresProcess(holder) {
                let dataDirectoryOfHolder = lines.count > 1 ? lines[1] : "?"
                logger.notice(
                    "socket port \(port) is held by another cluster; trying the next",
                    metadata: ["pid": "\(holder)", "dataDirectory": "\(dataDirectoryOfHolder)"])
                continue
            }
            try? FileManager.default.removeItem(at: lock)
            try? FileManager.default.removeItem(at: socketDirectory.appendingPathComponent(".s.PGSQL.\(port)"))
            logger.warning("removed a stale socket lock left by a stopped run", metadata: ["port": "\(port)"])
            return port
        }
        throw EmbeddedClusterError(
            "every socket port from \(Self.candidatePorts.lowerBound) to \(Self.candidatePorts.upperBound - 1) in \(socketDirectory.path) is held by another running cluster"
        )
    }
}
