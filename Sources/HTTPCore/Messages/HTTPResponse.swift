public import HTTPFields

/// An HTTP response produced by a handler. The server adds `Date`, `Content-Length`,
/// `Connection` and (when negotiated) `Content-Encoding`.
public struct HTTPResponse: Sendable {
    /// Status code, e.g. 200.
    public var status: Int
    /// Header fields chosen by the handler.
    public var headers: HTTPHeaders
    /// The complete body.
    public var body: [UInt8]
    /// When true the server closes the connection after sending this response.
    public var closeConnection: Bool

    /// Creates a response.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], closeConnection: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.closeConnection = closeConnection
    }

    /// A response with a UTF-8 body and the given content type.
    public init(status: Int, contentType: String, body: String, headers: HTTPHeaders = HTTPHeaders()) {
        var h = headers
        h.replaceOrAdd(name: "Content-Type", value: contentType)
        self.init(status: status, headers: h, body: Array(body.utf8))
    }
}
