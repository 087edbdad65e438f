import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A provider's TLS certificate that our side cannot verify — issued by an authority not in
/// our trust (a TLS-inspecting proxy without `OUTBOUND_CA_FILE`), or for another host — on the
/// real server and database, through ADP's TLS front: the caller is told so in words, the call
/// is not repeated (sending it again cannot help), and the connection is not blamed for it.
@Suite(.enabled(if: TLSTerminator.isAvailable && OpenSSLCommand.isAvailable, "needs the socat and openssl tools"))
struct ProviderCertificateTests {
    @Test func anIssuerWeDoNotTrustIsSaidInWordsAndNotRetried() async throws {
        try await ADPConnectionTests.withADPFront(trustingTheFront: false) { fake, pki, _, server, client in
            let pool = try #require(server.database?.pool)
            let reply = try await ADPConnectionTests.connect(client, pki.client)
            #expect(reply.status == 502, "\(reply.text)")
            #expect(reply.text.contains("adp is unavailable: the provider's TLS certificate could not be verified"), "\(reply.text)")
            #expect(reply.text.contains("OUTBOUND_CA_FILE"), "\(reply.text)")
            let metrics = try await client.get("/metrics").text
            #expect(ADPConnectionTests.adpRequests(metrics, outcome: "network_error") == 1, "one attempt, not four: \(metrics)")
            #expect(fake.server.requests.isEmpty, "the handshake failed before any request")
            #expect(try await pool.query("SELECT count(*)::int AS n FROM connections").first?.decode("n", as: Int.self) == 0)
        }
    }

    @Test func aCertificateForAnotherHostIsSaidInWordsAndLeavesTheConnectionActive() async throws {
        try await ADPConnectionTests.withADPFront { fake, pki, front, _, client in
            let id = try #require(resultData(try await ADPConnectionTests.connect(client, pki.client).json())?["id"] as? String)
            #expect(try await ADPConnectionTests.execute(client, id, "workers.list", ["limit": 1]).status == 200)
            let served = fake.server.requests.count
            // The same port (the same base URL) now presents a certificate of our CA for another name.
            let elsewhere = try pki.issueServer(name: "elsewhere-\(UUID().uuidString)", dnsName: "elsewhere.example")
            front.stop()
            let misnamed = try await TLSTerminator.start(upstream: fake.baseURL, pki: pki, port: front.port, certificate: elsewhere)
            defer { misnamed.stop() }

            let refused = try await ADPConnectionTests.execute(client, id, "workers.list", ["limit": 1])
            #expect(refused.status == 502, "\(refused.envelope)")
            let message = (refused.envelope["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("the provider's TLS certificate was not issued for localhost"), "\(message)")
            #expect(fake.server.requests.count == served, "nothing reached the provider")
            let metrics = try await client.get("/metrics").text
            #expect(ADPConnectionTests.adpRequests(metrics, outcome: "network_error") == 1, "\(metrics)")
            let (_, got) = try await client.query("connectors.getConnection", ["id": id])
            #expect(try #require(resultData(got))["status"] as? String == "active", "our trust, not the connection's credentials")
        }
    }
}
