import Foundation
import Logging
import Synchronization

/// Keeps tokens alive without waiting for a call to find them dead: every `interval` it
/// refreshes the connections whose scheduled refresh is due (`next_refresh_at`, set from
/// each connector's schedule at every authorization and refresh), sets the
/// `neonhub_connections` gauge, and purges OAuth states expired more than a day ago.
///
/// Any number of processes may run it on one database: each refresh takes the connection's
/// advisory lock and checks the version it saw, so a connection due in two processes is
/// refreshed once. (When the publish queue lands, these passes become its `token_refresh`
/// jobs.)
public final class TokenRefreshScheduler: Sendable {
    let refresher: TokenRefresher?
    let connections: ConnectionStore
    let states: OAuthStateStore
    let metrics: NeonHubMetrics
    let logger: Logger
    let interval: Duration
    private let loop = Mutex<Task<Void, Never>?>(nil)

    init(refresher: TokenRefresher?, connections: ConnectionStore, states: OAuthStateStore, metrics: NeonHubMetrics, logger: Logger,
         interval: Duration = .seconds(30)) {
        self.refresher = refresher
        self.connections = connections
        self.states = states
        self.metrics = metrics
        self.logger = logger
        self.interval = interval
    }

    /// Starts the background passes.
    public func start() {
        loop.withLock { running in
            guard running == nil else { return }
            running = Task { [self] in
                while !Task.isCancelled {
                    await sweep()
                    try? await Task.sleep(for: interval)
                }
            }
        }
    }

    /// Stops them (a pass in progress finishes its current refresh).
    public func stop() { loop.withLock { $0?.cancel(); $0 = nil } }

    /// One pass; the number of connections it refreshed.
    @discardableResult
    public func sweep(limit: Int = 50) async -> Int {
        var refreshed = 0
        if let refresher {
            do {
                for due in try await connections.dueForRefresh(limit: limit) {
                    if Task.isCancelled { break }
                    // Each refresh is its own piece of work: its own span (its own trace outside any).
                    let trace = TraceContext.current?.child() ?? .started()
                    let outcome = await TraceContext.$current.withValue(trace) {
                        try? await refresher.refresh(connectionID: due.id, seenVersion: due.version)
                    }
                    if case .refreshed? = outcome { refreshed += 1 }
                }
            } catch {
                logger.debug("token refresh pass skipped: \(error)")
            }
        }
        if let counts = try? await connections.counts() {
            metrics.setConnections(counts.map { NeonHubMetrics.ConnectionCount(connector: $0.connector, status: $0.status, count: $0.count) })
        }
        _ = try? await states.purge()
        return refreshed
    }
}
