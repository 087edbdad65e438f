public import AsyncHTTPClient
import Foundation
import HTTPFields
import NIOCore
import NIOHTTP1
import NIOSSL
import TimeUnits

/// `OutboundTransport` over AsyncHTTPClient (SwiftNIO): a pool of keep-alive connections per
/// host, HTTP/2 where the provider offers it, and a TLS client certificate per request (ADP's
/// mutual TLS, over HTTP/1.1: see `sharedHTTP1`). The whole exchange, body included, must finish within the timeout
/// (→ `.timeout`, or `.network` when nothing of a request with a body was sent yet); a connection
/// lost after the request was sent, or an answer over the size limit, is `.interrupted`; a
/// cancelled calling task cancels the request (→ `CancellationError`).
/// Nothing here blocks the cooperative pool: the I/O runs on NIO's event loops.
public struct AsyncHTTPClientTransport: OutboundTransport {
    /// The configuration for server-side calls: no cookies, no cache; redirects followed (at
    /// most 5, no cycles), as URLSession did; up to 64 connections per host. A connection that
    /// cannot be established fails the attempt at once (`retryConnectionEstablishment` off):
    /// `OutboundClient` retries network failures with its own backoff, and a refused connection
    /// must read as a network failure, not wait out the attempt as a timeout.
    public static var configuration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .follow(max: 5, allowCycles: false)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(10))
        return configuration
    }

    /// The process's client, with `configuration`.
    public static let shared = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)

    /// The process's client for requests that present a client certificate: `configuration`
    /// over HTTP/1.1 only. Under TLS 1.3 a server checks the client's certificate after the
    /// client considers the handshake done; on an HTTP/2 connection AsyncHTTPClient drops the
    /// alert that follows and reports only a closed connection, so a refused certificate would
    /// read as a network failure. Over HTTP/1.1 the alert reaches `classify`.
    public static let sharedHTTP1: HTTPClient = {
        var http1 = configuration
        http1.httpVersion = .http1Only
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: http1)
    }()

    /// The process's client for requests that check each redirect themselves
    /// (`OutboundRequest.followsRedirects` off): `configuration` with redirects not followed.
    public static let sharedNoRedirects: HTTPClient = {
        var own = configuration
        own.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: own)
    }()

    /// The default for the largest response body accepted.
    public static let defaultMaxResponseBytes = 64 * 1024 * 1024

    /// The client every request goes through, except those with a client certificate.
    public let client: HTTPClient
    /// The client for requests that present a client certificate (see `sharedHTTP1`).
    public let certificateClient: HTTPClient
    /// The largest response body accepted (a provider answering more is a delivery failure).
    public let maxResponseBytes: Int
    /// A PEM file of certificates trusted besides the system's (`OUTBOUND_CA_FILE`), or nil.
    public let additionalTrustRootsFile: String?

    /// Creates a transport over `client` (and `certificateClient` for requests that present a
    /// client certificate); with `additionalTrustRootsFile`, every request also trusts the
    /// certificates in that PEM file.
    public init(
        client: HTTPClient = AsyncHTTPClientTransport.shared, certificateClient: HTTPClient = AsyncHTTPClientTransport.sharedHTTP1,
        maxResponseBytes: Int = AsyncHTTPClientTransport.defaultMaxResponseBytes, additionalTrustRootsFile: String? = nil
    ) {
        self.client = client
        self.certificateClient = certificateClient
        self.maxResponseBytes = maxResponseBytes
        self.additionalTrustRootsFile = additionalTrustRootsFile
    }

    /// Sends `request`; the whole exchange, body included, must end within `timeout`.
    ///
    /// One AsyncHTTPClient task with a deadline, collected by a `ResponseAccumulator`: the
    /// deadline covers the body too (the async API's covers the head only, so the body would
    /// need a race of child tasks and a timer on every call), and nothing runs on the
    /// cooperative pool until the answer is whole. Whether the request's head was handed to its
    /// connection decides what a failure means: before it, nothing reached the provider
    /// (`network`, even at the deadline when the request has a body); after it, a lost
    /// connection or an answer too big to take is `interrupted` and the deadline a `timeout`.
    public func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        let limit = maxResponseBytes
        let prepared: HTTPClient.Request
        do {
            prepared = try Self.clientRequest(request, additionalTrustRootsFile: additionalTrustRootsFile)
        } catch let error as HTTPClientError {
            throw Self.classify(error, limit: limit, request: request)  // a URL it cannot call
        }
        let client =
            request.clientIdentity != nil ? certificateClient : request.followsRedirects ? self.client : AsyncHTTPClientTransport.sharedNoRedirects
        let started = ContinuousClock.now
        let delegate = SendTrackingAccumulator(request: prepared, maxBodySize: limit)
        let task = client.execute(request: prepared, delegate: delegate, deadline: .now() + .nanoseconds(Int64(timeout.inNanoseconds)))
        do {
            let response = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            let body = response.body.map { Data($0.readableBytesView) } ?? Data()
            return TransportResponse(status: Int(response.status.code), headers: Self.headers(response.headers), body: body)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            let sent = delegate.headHandedOver
            if ContinuousClock.now - started >= timeout {
                // At the deadline AsyncHTTPClient fails a request still waiting for a connection
                // with the pool's last connection error, which may be an older call's. A request
                // with a body whose head was not handed over sent nothing (the body waits for
                // the head's report, which a failed request never gets): safe to send again.
                // Without a body the head is the whole request, and its report may lag behind
                // the deadline on another event loop: a timeout, as is anything sent.
                if !sent, request.body?.isEmpty == false {
                    throw OutboundTransportError(.network, detail: "no connection to the provider within the timeout; nothing was sent")
                }
                throw OutboundTransportError(.timeout, detail: "no answer within the timeout")
            }
            throw Self.classify(error, limit: limit, request: request, sent: sent)
        }
    }

    /// Failures that end a connection we had sent on: closed or reset by the peer (TLS
    /// included, without its closing alert), end of file. Not a refused or unresolved
    /// connection (a redirect's target), not a TLS alert (the provider refused the handshake,
    /// not the request), not an HTTP/2 refusal of the stream (never processed, RFC 9113 §8.7).
    static func isLostAfterSending(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError { return error == .remoteConnectionClosed }
        if let error = error as? IOError { return [ECONNRESET, EPIPE, ECONNABORTED, ETIMEDOUT].contains(error.errnoCode) }
        if let error = error as? ChannelError { return error == .eof || error == .ioOnClosedChannel || error == .outputClosed }
        if let error = error as? NIOSSLError, case .uncleanShutdown = error { return true }
        return false
    }

    /// The AsyncHTTPClient request for `request`: framing headers are left to the client.
    static func clientRequest(_ request: TransportRequest, additionalTrustRootsFile: String? = nil) throws -> HTTPClient.Request {
        var headers = NIOHTTP1.HTTPHeaders()
        for field in request.headers {
            switch field.name.lowercased() {
            case "content-length", "transfer-encoding", "connection", "host": continue
            default: headers.add(name: field.name, value: field.value)
            }
        }
        var prepared = try HTTPClient.Request(
            url: request.url, method: HTTPMethod(rawValue: request.method), headers: headers,
            body: request.body.map { .byteBuffer(ByteBuffer(bytes: $0)) })
        if let identity = request.clientIdentity {
            prepared.tlsConfiguration = try Self.tlsConfiguration(identity)
        }
        if let additionalTrustRootsFile, request.url.scheme?.lowercased() == "https" {
            var configuration = prepared.tlsConfiguration ?? TLSConfiguration.makeClientConfiguration()
            configuration.additionalTrustRoots = [.file(additionalTrustRootsFile)]
            prepared.tlsConfiguration = configuration
        }
        return prepared
    }

    /// The default client TLS configuration plus `identity`'s certificate chain and key.
    static func tlsConfiguration(_ identity: TLSClientIdentity) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(identity.certificateChainPEM.utf8))
            guard !chain.isEmpty else { throw OutboundTransportError(.network, detail: "the client certificate chain is empty") }
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem))
        } catch let error as OutboundTransportError {
            throw error
        } catch {
            // NIOSSL's error names the problem, never the key.
            throw OutboundTransportError(.network, detail: "the client certificate or key could not be read (\(type(of: error)))")
        }
        return configuration
    }

    private static func headers(_ fields: NIOHTTP1.HTTPHeaders) -> HTTPFields.HTTPHeaders {
        var headers = HTTPFields.HTTPHeaders()
        for (name, value) in fields { headers.add(name: name, value: value) }
        return headers
    }

    /// Delivery failures: the deadline (the exchange not finished) is a timeout; a TLS alert from the
    /// provider about our client certificate is `certificateRefused`; our own check of the
    /// provider's certificate failing (its issuer, its dates, its names) `certificateUnverified`;
    /// anything else (refused, reset, DNS, other TLS failures, a body over the limit) a network
    /// failure, named by the TLS library's reason when there is one — except, once the request
    /// was `sent`, a lost connection or a body over the limit: `interrupted`.
    private static func classify(_ error: any Error, limit: Int, request: TransportRequest, sent: Bool = false) -> OutboundTransportError {
        let failure = classifyDelivery(error, limit: limit, request: request)
        guard sent, failure.kind == .network else { return failure }
        if isLostAfterSending(error) {
            return OutboundTransportError(.interrupted, detail: "the connection was lost after the request was sent (\(failure.detail))")
        }
        if error is ResponseAccumulator.ResponseTooBigError {
            return OutboundTransportError(
                .interrupted, detail: "the answer was larger than \(limit) bytes; the provider may have acted on the request")
        }
        return failure
    }

    /// `classify` for a request not (yet) sent.
    private static func classifyDelivery(_ error: any Error, limit: Int, request: TransportRequest) -> OutboundTransportError {
        if error is BoringSSLError || error is NIOSSLError {
            switch TLSFailure.read(String(reflecting: error), presentedCertificate: request.clientIdentity != nil) {
            case .refusal(let words): return OutboundTransportError(.certificateRefused, detail: words)
            case .unverified: return OutboundTransportError(.certificateUnverified, detail: TLSFailure.unverifiedCertificate)
            // NIOSSL's case names (uncleanShutdown, …) carry nothing secret.
            case .other(let reasons):
                return OutboundTransportError(.network, detail: "TLS: \(reasons ?? String(String(describing: error).prefix(120)))")
            }
        }
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return OutboundTransportError(
                .certificateUnverified, detail: TLSFailure.wrongHost(String(describing: error), fallback: request.url.host ?? "the host"))
        }
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .writeTimeout {
                return OutboundTransportError(.timeout, detail: "HTTPClientError \(error)")
            }
            return OutboundTransportError(.network, detail: "HTTPClientError \(error)")
        }
        if error is ResponseAccumulator.ResponseTooBigError {
            return OutboundTransportError(.network, detail: "the response was larger than \(limit) bytes")
        }
        return OutboundTransportError(.network, detail: "\(type(of: error))")
    }
}
