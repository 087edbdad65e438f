import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The process's open-file limit, raised at start as far as the system lets it: every client
/// connection is a descriptor, and so are the pool's connections, outbound sockets and the
/// embedded cluster's pipes. A server whose `MAX_CONNECTIONS` is above what the limit leaves
/// for clients says so once, at start, instead of failing later with EMFILE (in an accept,
/// a pool connection or a provider call).
enum DescriptorLimit {
    /// Descriptors kept for everything but client connections: the pool, the workers'
    /// outbound calls, the listener, logs, the embedded cluster.
    static func reserve(poolSize: Int, workers: Int) -> Int { poolSize + workers * 4 + 128 }

    /// Raises the soft limit to the hard one; returns the soft limit now in force (nil when it
    /// cannot be read).
    @discardableResult
    static func raise() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// Raises the limit and warns when `maxConnections` does not fit in what it leaves.
    static func prepare(maxConnections: Int, poolSize: Int, workers: Int, logger: Logger) {
        guard let limit = raise() else { return }
        let reserved = reserve(poolSize: poolSize, workers: workers)
        let room = limit - reserved
        if maxConnections > room {
            logger.warning(
                "MAX_CONNECTIONS is above what the open-file limit leaves for clients; past that, new connections fail (raise the limit with ulimit -n or LimitNOFILE, or lower MAX_CONNECTIONS)",
                metadata: ["maxConnections": "\(maxConnections)", "openFileLimit": "\(limit)", "clientRoom": "\(max(0, room))"])
        }
    }
}
