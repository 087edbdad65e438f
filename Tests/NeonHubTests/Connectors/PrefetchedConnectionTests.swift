import Foundation
import Testing

@testable import NeonHub

/// The connection `connectors.executeAction` reads with its secrets is handed to exactly one
/// action: the connection it names, of its tenant, once.
@Suite struct PrefetchedConnectionTests {
    static func connection(tenant: String = "tenant-a") -> ConnectionStore.Connection {
        ConnectionStore.Connection(
            id: UUID(), tenantID: tenant, connector: "mailchimp", name: "Mailchimp", status: "active", variables: [:], scopes: [],
            accounts: .array([]), tokenExpiresAt: nil, refreshVersion: 0, lastError: nil, healthStatus: nil, lastHealthCheck: nil,
            lastHealthLatencyMs: nil, lastHealthError: nil, createdAt: Date())
    }

    static let sealed = ["api_key": TokenVault.Sealed(keyID: "k1", iv: [1, 2, 3], ciphertext: [4, 5], tag: [6])]

    @Test func itIsTakenOnceForItsOwnConnectionAndTenant() {
        let connection = Self.connection()
        let prefetched = PrefetchedConnection(connection: connection, sealed: Self.sealed)
        #expect(prefetched.take(tenant: "tenant-b", id: connection.id) == nil, "another tenant's request reads for itself")
        #expect(prefetched.take(tenant: "tenant-a", id: UUID()) == nil, "another connection is read from the database")
        let taken = prefetched.take(tenant: "tenant-a", id: connection.id)
        #expect(taken?.connection.id == connection.id)
        #expect(taken?.sealed == Self.sealed)
        #expect(prefetched.take(tenant: "tenant-a", id: connection.id) == nil, "a second action reads afresh")
    }

    @Test func itReachesTheActionThroughTheTaskLocalAndNoFurther() async {
        let connection = Self.connection()
        #expect(PrefetchedConnection.current == nil)
        await PrefetchedConnection.$current.withValue(PrefetchedConnection(connection: connection, sealed: Self.sealed)) {
            let fromChild = await Task { PrefetchedConnection.current?.take(tenant: "tenant-a", id: connection.id) }.value
            #expect(fromChild?.connection.id == connection.id)
        }
        #expect(PrefetchedConnection.current == nil)
    }
}
