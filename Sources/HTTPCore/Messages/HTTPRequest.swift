import Foundation
public import HTTPFields

/// A complete HTTP request as parsed from the wire: head plus the whole (bounded) body.
public struct HTTPRequest: Sendable {
    /// The method token, e.g. `GET` (case-sensitive as received).
    public var method: String
    /// The request target as received (origin-form, absolute-form or `*`).
    public var target: String
    /// The path part of the target (no query); `*` for asterisk-form.
    public var path: String
    /// The raw query string after `?`, if any (not decoded).
    public var query: String?
    /// Protocol version.
    public var version: HTTPVersion
    /// Header fields in received order.
    public var headers: HTTPHeaders
    /// The decoded body (chunked framing removed).
    public var body: [UInt8]
    /// Whether the connection may stay open after this request (version + `Connection`).
    public var keepAlive: Bool
    /// The peer's address, e.g. `127.0.0.1`.
    public var remoteAddress: String

    /// Creates a request value (mostly for tests and in-process routing).
    public init(
        method: String, target: String, version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], keepAlive: Bool = true,
        remoteAddress: String = ""
    ) {
        self.method = method
        self.target = target
        let split = HTTPRequest.splitTarget(target)
        self.path = split.path
        self.query = split.query
        self.version = version
        self.headers = headers
        self.body = body
        self.keepAlive = keepAlive
        self.remoteAddress = remoteAddress
    }

    /// Splits a target into path and query; an absolute-form target loses its scheme and authority.
    static func splitTarget(_ target: String) -> (path: String, query: String?) {
        var rest = Substring(target)
        if rest.first != "/", let schemeEnd = rest.range(of: "://") {  // origin-form skips the search
            rest = rest[schemeEnd.upperBound...]
            if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                rest = rest[slash...]
            } else {
                rest = ""
            }
            if rest.isEmpty || rest.first == "?" { rest = "/" + rest }
        }
        if let q = rest.firstIndex(of: "?") {
            return (String(rest[..<q]), String(rest[rest.index(after: q)...]))
        }
        return (String(rest), nil)
    }
}
