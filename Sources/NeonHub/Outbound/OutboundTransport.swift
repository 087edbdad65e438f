public import Foundation
public import HTTPFields

/// Sends one HTTP request and returns the answer, whatever its status: the replaceable
/// bottom of `OutboundClient` (URLSession today; our own sockets could be another).
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

    /// Creates a request.
    public init(method: String, url: URL, headers: HTTPHeaders, body: Data?) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
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
    /// `timeout` or `network`.
    public enum Kind: Sendable, Equatable {
        /// No answer within the timeout.
        case timeout
        /// Not delivered (refused, reset, DNS, TLS, …).
        case network
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
