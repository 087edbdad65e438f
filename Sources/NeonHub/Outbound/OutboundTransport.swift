public import Foundation
public import HTTPFields

/// Sends one HTTP request and returns the answer, whatever its status: the replaceable
/// bottom of `OutboundClient`: `AsyncHTTPClientTransport` in the server, `URLSessionTransport`
/// still available, the mock transport in mock mode.
public protocol OutboundTransport: Sendable {
    /// Sends `request`, giving up after `timeout`. Throws `OutboundTransportError` for a
    /// timeout or a delivery failure and `CancellationError` when the calling task is cancelled.
    func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse
}

/// A request ready to go on the wire (default headers already added).
public struct TransportRequest: Sendable {
    /// `GET`, `POST`, ….
    public var method: String
    /// The full URL.
    public var url: URL
    /// Every header to send.
    public var headers: HTTPHeaders
    /// The body, if any.
    public var body: Data?
    /// The TLS client certificate to present (mutual TLS), if the provider asks for one.
    public var clientIdentity: TLSClientIdentity?
    /// Whether redirects are followed by the transport (`OutboundRequest.followsRedirects`);
    /// when not, a 3xx is the answer. (`URLSessionTransport`, kept for the outbound benchmark,
    /// always follows.)
    public var followsRedirects = true

    /// Creates a request.
    public init(method: String, url: URL, headers: HTTPHeaders, body: Data?, clientIdentity: TLSClientIdentity? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.clientIdentity = clientIdentity
    }
}

/// A TLS client certificate and its private key, PEM-encoded, for providers that authenticate
/// the caller by mutual TLS (ADP). Both come from the vault; neither is ever printed.
public struct TLSClientIdentity: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The client certificate, then any intermediates, as PEM.
    public var certificateChainPEM: String
    /// The certificate's private key as PEM.
    public var privateKeyPEM: String

    /// Creates an identity.
    public init(certificateChainPEM: String, privateKeyPEM: String) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// Never the key: a log line or error that prints the identity shows this.
    public var description: String { "TLSClientIdentity(redacted)" }
    /// The same in debug output.
    public var debugDescription: String { description }
    /// No children: `dump` and mirrors show nothing of the key either.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// An answer as it came back from the wire.
public struct TransportResponse: Sendable {
    /// The HTTP status.
    public var status: Int
    /// The response headers.
    public var headers: HTTPHeaders
    /// The body.
    public var body: Data

    /// Creates a response.
    public init(status: Int, headers: HTTPHeaders, body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why a transport produced no answer.
public struct OutboundTransportError: Error, Sendable, Equatable {
    /// `timeout`, `network`, `interrupted`, `certificateRefused` or `certificateUnverified`.
    public enum Kind: Sendable, Equatable {
        /// No answer within the timeout.
        case timeout
        /// Not delivered (refused, DNS, TLS, a connection lost before the request went out, …).
        case network
        /// The request, or at least its head, was sent, and the connection failed (closed,
        /// reset) before the whole answer came, or the answer was too big to take: the
        /// provider may have acted on it, exactly as after a timeout. A transport that cannot
        /// tell reports `network`.
        case interrupted
        /// The provider ended the TLS handshake with an alert about our client certificate
        /// (unknown CA, revoked, expired, …): not delivered, and sending it again will not
        /// help until the connection's certificate changes. The detail names the alert.
        case certificateRefused
        /// Our check of the provider's certificate failed (an issuer not trusted here, expired,
        /// issued for another host): not delivered, and sending it again at once will not help
        /// until the provider's certificate or our trust (`OUTBOUND_CA_FILE`) changes. The
        /// detail says which, in words.
        case certificateUnverified
    }

    /// What went wrong.
    public var kind: Kind
    /// What the transport said (may contain the URL: redact before showing).
    public var detail: String

    /// Creates an error.
    public init(_ kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }
}
