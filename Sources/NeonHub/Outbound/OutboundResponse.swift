public import Foundation
public import HTTPFields

/// A successful (2xx, or a status the request accepts) answer to an outbound request.
public struct OutboundResponse: Sendable {
    /// The HTTP status.
    public var status: Int
    /// The response headers.
    public var headers: HTTPHeaders
    /// The response body.
    public var body: Data
    /// Attempts made, the successful one included.
    public var attempts: Int

    /// Creates a response.
    public init(status: Int, headers: HTTPHeaders, body: Data, attempts: Int) {
        self.status = status
        self.headers = headers
        self.body = body
        self.attempts = attempts
    }
}
