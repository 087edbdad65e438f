import Foundation
import Synchronization

/// A connection and its sealed secrets, read in one round trip by the request that is about to
/// perform an action on it (`connectors.executeAction`), and handed to that action through a
/// task-local value, so the action reads neither again.
///
/// It is taken once: a second action in the same run reads the connection afresh, because the
/// first may have refreshed its token. Secrets stay sealed here; the action opens only the
/// kinds it sends, exactly as when it reads them itself.
final class PrefetchedConnection: Sendable {
    /// The connection the current request read, if any.
    @TaskLocal static var current: PrefetchedConnection?

    /// The connection row.
    let connection: ConnectionStore.Connection
    private let sealed: Mutex<[String: TokenVault.Sealed]?>

    /// A connection with its sealed secrets by kind.
    init(connection: ConnectionStore.Connection, sealed: [String: TokenVault.Sealed]) {
        self.connection = connection
        self.sealed = Mutex(sealed)
    }

    /// The connection and its sealed secrets when this is `id` of `tenant` and nobody took them
    /// yet; nil otherwise (the caller reads them from the database).
    func take(tenant: String, id: UUID) -> (connection: ConnectionStore.Connection, sealed: [String: TokenVault.Sealed])? {
        guard connection.id == id, connection.tenantID == tenant else { return nil }
        return sealed.withLock { stored in
            defer { stored = nil }
            return stored.map { (connection, $0) }
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
}
