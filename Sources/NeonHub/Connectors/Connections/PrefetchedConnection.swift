import Foundation
import Synchronization

/// A connection and its sealed secrets, read in one round trip by the request that is about to
/// perform an action on it (`connectors.executeAction`), and handed to that action through a
/// task-local value, so the action reads neither again.
///
/// It is taken once: a second action in the same run reads the connection afresh, because the
/// first may have refreshed its token. Secrets stay sealed here; the action opens only the
/// kinds it sends, exactly as when it reads them itself. It can be made empty and filled
/// later, by a read that happens inside the scope it is bound to (see `startRun`).
final class PrefetchedConnection: Sendable {
    /// The connection the current request read, if any.
    @TaskLocal static var current: PrefetchedConnection?

    private typealias Read = (connection: ConnectionStore.Connection, sealed: [String: TokenVault.Sealed])
    private let read: Mutex<Read?>

    /// A connection with its sealed secrets by kind.
    init(connection: ConnectionStore.Connection, sealed: [String: TokenVault.Sealed]) {
        read = Mutex((connection, sealed))
    }

    /// Nothing read yet: `fill` hands the read over.
    init() { read = Mutex(nil) }

    /// Hands over what the request read.
    func fill(connection: ConnectionStore.Connection, sealed: [String: TokenVault.Sealed]) {
        read.withLock { $0 = (connection, sealed) }
    }

    /// The connection and its sealed secrets when this is `id` of `tenant` and nobody took them
    /// yet; nil otherwise (the caller reads them from the database).
    func take(tenant: String, id: UUID) -> (connection: ConnectionStore.Connection, sealed: [String: TokenVault.Sealed])? {
        read.withLock { stored in
            guard let found = stored, found.connection.id == id, found.connection.tenantID == tenant else { return nil }
            stored = nil
            return found
        }
    }
}

extension ConnectorService {
    /// Reads a connection with its sealed secrets, in one round trip, for the action `body`
    /// performs on it: the action (`perform(_:tenant:)`) finds both already read.
    func withConnectionRead<T: Sendable>(
        tenant: String, id: UUID, _ body: (ConnectionStore.Connection) async throws -> T
    ) async throws -> T {
        guard let read = try await connections.getWithSecrets(tenant: tenant, id: id) else {
            throw ConnectorError(.connectionNotFound, "Connection not found")
        }
        let prefetched = PrefetchedConnection(connection: read.connection, sealed: read.sealed)
        return try await PrefetchedConnection.$current.withValue(prefetched) { try await body(read.connection) }
    }

    /// Reads a connection with its sealed secrets and, when `writingRow`, writes the `running`
    /// row of the run about to act on it, in one round trip (one transaction): the row is
    /// written only if the connection exists, with the connection's connector added to its
    /// input. Without `writingRow` (an action that only reads) it is a plain read, and the run
    /// writes its row later if at all (`Orchestrator.Started`). The read goes into
    /// `prefetched` for the run's action.
    func startRun(
        _ row: AgentRunStore.RunningRow, connection id: UUID, writingRow: Bool, into prefetched: PrefetchedConnection
    ) async throws -> ConnectionStore.Connection {
        guard let read = try await connections.getWithSecrets(tenant: row.tenant, id: id, startingRun: writingRow ? row : nil) else {
            throw ConnectorError(.connectionNotFound, "Connection not found")
        }
        prefetched.fill(connection: read.connection, sealed: read.sealed)
        return read.connection
    }
}
