import Foundation
import Logging

/// Keeps tokens alive without waiting for a call to find them dead: each pass (the queue's
/// recurring `token_refresh` job, every minute) refreshes the connections whose scheduled
/// refresh is due (`next_refresh_at`, set from
/// each connector's schedule at every authorization and refresh) and sets the
/// `neonhub_connections` gauge. (Expired OAuth states go with the hourly `cleanup` job.)
///
/// Any number of processes may run it on one database: each refresh takes the connection's
/// advisory lock and checks the version it saw, so a connection due in two processes is
/// refreshed once.
public final class TokenRefreshScheduler: Sendable {
    let refresher: TokenRefresher?
    let connections: ConnectionStore
    let metrics: NeonHubMetrics
    let logger: Logger

    init(refresher: TokenRefresher?, connections: ConnectionStore, metrics: NeonHubMetrics, logger: Logger) {
        self.refresher = refresher
        self.connections = connections
        self.metrics = metrics
        self.logger = logger
    }

    /// One pass; the number of connections it refreshed. It throws when the connections due
    /// cannot be read (the pass did nothing, and its job says so and is retried); one
    /// connection's failed refresh is that connection's (`attention` with the reason), not the
    /// pass's.
    @discardableResult
    public func sweep(limit: Int = 50) async throws -> Int {
        var refreshed = 0
        if let refresher {
            for due in try await connections.dueForRefresh(limit: limit) {
                if Task.isCancelled { break }
                // Each refresh is its own piece of work: its own span (its own trace outside any).
                let trace = TraceContext.current?.child() ?? .started()
                let outcome = await TraceContext.$current.withValue(trace) {
                    try? await refresher.refresh(connectionID: due.id, seenVersion: due.version)
                }
                if case .refreshed? = outcome { refreshed += 1 }
            }
        }
        if let counts = try? await connections.counts() {
            metrics.setConnections(counts.map { NeonHubMetrics.ConnectionCount(connector: $0.connector, status: $0.status, count: $0.count) })
        }
        return refreshed
    }
}
