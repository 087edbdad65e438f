import AsyncHTTPClient
import Foundation
import HTTPFields
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

extension OutboundTests {
    /// What the AsyncHTTPClient transport does beyond the client contract that
    /// `OutboundClientTests` runs over both transports: framing headers left to the client, the
    /// response-body limit, a timeout that covers the body, and TLS client identities (mutual TLS) that never leak their key.
    @Suite struct AsyncHTTPClientTransportTests {
        static func request(
            _ url: String, method: String = "GET", headers: HTTPFields.HTTPHeaders = HTTPFields.HTTPHeaders(), identity: TLSClientIdentity? = nil
        )
            -> TransportRequest
        {
            TransportRequest(method: method, url: URL(string: url)!, headers: headers, body: nil, clientIdentity: identity)
        }

        /// A throwaway self-signed certificate and its key, made by the `openssl` tool.
        static func identity() async throws -> TLSClientIdentity {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("neonhub-mtls-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let key = folder.appendingPathComponent("key.pem").path
            let certificate = folder.appendingPathComponent("cert.pem").path
            _ = try await OpenSSLCommand.run([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-subj", "/CN=neonhub-mtls-test", "-days", "1",
            ])
            return TLSClientIdentity(
                certificateChainPEM: try String(contentsOfFile: certificate, encoding: .utf8),
                privateKeyPEM: try String(contentsOfFile: key, encoding: .utf8))
        }

        @Test func framingHeadersAreLeftToTheClientAndTheOthersAreSent() throws {
            var headers = HTTPFields.HTTPHeaders()
            for (name, value) in [
                ("Content-Length", "99"), ("Transfer-Encoding", "chunked"), ("Connection", "close"), ("Host", "evil.example"),
                ("Authorization", "Bearer abc"), ("X-Restli-Protocol-Version", "2.0.0"),
            ] {
                headers.add(name: name, value: value)
            }
            var request = Self.request("https://api.example.com/v2/posts?limit=3", method: "PUT", headers: headers)
            request.body = Data("payload".utf8)
            let prepared = try AsyncHTTPClientTransport.clientRequest(request)
            #expect(prepared.method == NIOHTTP1.HTTPMethod.PUT)
            #expect(prepared.url.absoluteString == "https://api.example.com/v2/posts?limit=3")
            for name in ["content-length", "transfer-encoding", "connection", "host"] { #expect(prepared.headers[name].isEmpty, "\(name)") }
            #expect(prepared.headers["authorization"] == ["Bearer abc"])
            #expect(prepared.headers["x-restli-protocol-version"] == ["2.0.0"])
            #expect(prepared.tlsConfiguration == nil)
        }

        @Test func aBodyOverTheLimitIsAnInterruptedCall() async throws {
            try await withFakeProvider(script: [.answer(200, body: String(repeating: "z", count: 4096)), .answer(200, body: "small")]) {
                _, url, transport in
                let client = try #require(transport as? AsyncHTTPClientTransport).client
                let limited = AsyncHTTPClientTransport(client: client, maxResponseBytes: 1024)
                let error = await #expect(throws: OutboundTransportError.self) {
                    try await limited.send(Self.request(url + "/v1/customers"), timeout: .seconds(60))
                }
                #expect(error?.kind == .interrupted, "an answer came: the provider may have acted on the request")
                #expect(error?.detail.contains("1024") == true)
                let small = try await limited.send(Self.request(url + "/v1/customers"), timeout: .seconds(10))
                #expect(String(decoding: small.body, as: UTF8.self) == "small")
            }
        }

        @Test(.timeLimit(.minutes(1))) func aBodyThatStallsAfterTheHeadIsATimeout() async throws {
            // The timeout covers the whole exchange, not just the head.
            let server = try StallingHTTPServer(head: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", bodyPrefix: "0123456789")
            defer { server.stop() }
            let started = ContinuousClock.now
            let error = await #expect(throws: OutboundTransportError.self) {
                try await AsyncHTTPClientTransport().send(Self.request("http://127.0.0.1:\(server.port)/v1/stalled"), timeout: .milliseconds(400))
            }
            #expect(error?.kind == .timeout, "\(String(describing: error))")
            #expect(ContinuousClock.now - started < .seconds(10))
        }

        @Test(.timeLimit(.minutes(1))) func aConnectionLostAfterTheRequestWasSentIsInterruptedNotANetworkFailure() async throws {
            // The provider read the request and hung up: it may have acted on it.
            let server = try StallingHTTPServer(head: "", bodyPrefix: "", hangUp: true)
            defer { server.stop() }
            let error = await #expect(throws: OutboundTransportError.self) {
                try await AsyncHTTPClientTransport().send(
                    Self.request("http://127.0.0.1:\(server.port)/v1/posts", method: "POST"), timeout: .seconds(10))
            }
            #expect(server.receivedRequest)
            #expect(error?.kind == .interrupted, "\(String(describing: error))")
            #expect(error?.detail.contains("after the request was sent") == true)
        }

        @Test(.timeLimit(.minutes(1))) func aRequestStillWaitingForAConnectionAtTheDeadlineWasNotSent() async throws {
            // One connection per host: the first request holds it (the provider never answers),
            // so the second waits for it until its deadline, never sent.
            let server = try StallingHTTPServer(head: "", bodyPrefix: "")
            defer { server.stop() }
            var configuration = AsyncHTTPClientTransport.configuration
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            do {
                try await Self.secondRequestWaitsForTheFirstsConnection(AsyncHTTPClientTransport(client: client), server: server)
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }

        static func secondRequestWaitsForTheFirstsConnection(_ transport: AsyncHTTPClientTransport, server: StallingHTTPServer) async throws {
            let url = "http://127.0.0.1:\(server.port)/v1/posts"
            var post = Self.request(url, method: "POST")
            post.body = Data(#"{"text":"Spring blend"}"#.utf8)
            let first = Task { [post] in try await transport.send(post, timeout: .seconds(20)) }
            let given = ContinuousClock.now
            while !server.receivedRequest, ContinuousClock.now - given < .seconds(10) { try await Task.sleep(for: .milliseconds(20)) }
            try #require(server.receivedRequest, "the first request reached the server")
            let error = await #expect(throws: OutboundTransportError.self) { try await transport.send(post, timeout: .milliseconds(300)) }
            #expect(error?.kind == .network, "\(String(describing: error))")
            #expect(error?.detail.contains("nothing was sent") == true)
            // Without a body the head is the whole request: its deadline stays a timeout.
            let bodiless = await #expect(throws: OutboundTransportError.self) {
                try await transport.send(Self.request(url, method: "DELETE"), timeout: .milliseconds(300))
            }
            #expect(bodiless?.kind == .timeout, "\(String(describing: bodiless))")
            server.stop()
            let held = await #expect(throws: OutboundTransportError.self) { try await first.value }
            #expect(held?.kind == .interrupted, "the held request was sent: its connection closing is not a network failure")
        }

        @Test func aClientIdentityBecomesTheRequestsCertificateAndKey() async throws {
            let identity = try await Self.identity()
            let prepared = try AsyncHTTPClientTransport.clientRequest(Self.request("https://api.adp.example/hr/v2/workers", identity: identity))
            let expected = try NIOSSLCertificate.fromPEMBytes(Array(identity.certificateChainPEM.utf8))
            #expect(expected.count == 1)
            #expect(prepared.tlsConfiguration?.certificateChain == expected.map { NIOSSLCertificateSource.certificate($0) })
            #expect(prepared.tlsConfiguration?.privateKey != nil)
            #expect(!"\(identity)".contains(identity.privateKeyPEM))
        }

        @Test func anUnreadableIdentityIsANetworkErrorThatNamesNoKey() async throws {
            let valid = try await Self.identity()
            let broken = TLSClientIdentity(certificateChainPEM: valid.certificateChainPEM, privateKeyPEM: "planted-key-material-7f3c9a not a key")
            let error = #expect(throws: OutboundTransportError.self) {
                try AsyncHTTPClientTransport.clientRequest(Self.request("https://api.adp.example/hr/v2/workers", identity: broken))
            }
            #expect(error?.kind == .network)
            #expect(error?.detail.contains("planted-key-material") == false)
            #expect(error?.detail.contains("could not be read") == true)
        }

        @Test func urlSessionRefusesAClientIdentityRatherThanCallingWithoutIt() async throws {
            let identity = try await Self.identity()
            do {
                _ = try await URLSessionTransport().send(
                    Self.request("https://api.adp.example/hr/v2/workers", identity: identity), timeout: .seconds(5))
                Issue.record("URLSession sent a request that needs a client certificate")
            } catch let error as OutboundTransportError {
                #expect(error.detail.contains("client certificate"))
            }
        }

        @Test func theClientHandsTheIdentityToTheTransportAndRedactsItsKey() async throws {
            let identity = TLSClientIdentity(certificateChainPEM: "chain", privateKeyPEM: "planted-private-key-0a1b2c3d4e5f")
            let transport = IdentityRecordingTransport()
            var request = ClientFixtures.request("https://api.adp.example", path: "/hr/v2/workers")
            request.clientIdentity = identity
            let client = OutboundClient(
                configuration: OutboundConfiguration(retry: RetryPolicy(maxRetries: 0)), transport: transport, logger: Logger(label: "test.mtls"))
            let error = await ClientFixtures.outboundError { try await client.send(request) }
            #expect(transport.received == [identity])
            #expect(error?.code == .network)
            #expect(error?.detail?.contains("planted-private-key") == false)
            #expect(error?.detail?.contains(SecretRedactor.marker) == true)
        }
    }
}

/// A transport that records the identity of each request and fails its handshake with a
/// detail that quotes the key (as a careless TLS library might).
final class IdentityRecordingTransport: OutboundTransport {
    private let seen = Mutex<[TLSClientIdentity?]>([])

    /// The identities received, in order.
    var received: [TLSClientIdentity?] { seen.withLock { $0 } }

    func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        seen.withLock { $0.append(request.clientIdentity) }
        throw OutboundTransportError(.network, detail: "handshake failed for key \(request.clientIdentity?.privateKeyPEM ?? "none")")
    }
}
