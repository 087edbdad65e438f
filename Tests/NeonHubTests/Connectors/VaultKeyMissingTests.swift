import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// Found by a review: a secret sealed under a key this process was not given (a rotation that
/// has not reached every process yet) was `vaultUnreadable`, which marks the connection
/// `attention` — blocking it in every process, and for good where nothing refreshes it (API
/// keys). It is the server's setup, not the connection: 503, and the connection stays active.
@Suite struct VaultKeyMissingTests {
    @Test func aSecretUnderAKeyThisProcessLacksLeavesTheConnectionActive() async throws {
        let fake = MailchimpFake()
        try fake.start()
        defer { fake.stop() }
        try await MailchimpPublishQueueTests.withMailchimpQueue(fake) { server, client, connection in
            let pool = try #require(server.database?.pool)
            let call: [String: Any] = ["connectionId": connection.uuidString, "action": "ping"]
            let (before, _) = try await client.mutation("connectors.executeAction", call)
            #expect(before == 200)
            // What this process reads once another re-sealed the row under a key it lacks.
            try await pool.execute("UPDATE encrypted_secrets SET key_id = 'k00000000' WHERE connection_id = \(connection)")
            let (status, envelope) = try await client.mutation("connectors.executeAction", call)
            #expect(status == 503, "\(envelope)")
            #expect(errorCode(envelope) == "SERVICE_UNAVAILABLE")
            let row = try #require(try await pool.query("SELECT status, last_error FROM connections WHERE id = \(connection)").first)
            #expect(try row.decode("status", as: String.self) == "active")
            #expect(try row.decode("last_error", as: String?.self) == nil)
        }
    }
}
