/// Why a request could not be parsed, with the status the server answers. After any parse
/// error the framing of the connection can no longer be trusted: the server closes it.
public struct HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The status to answer with (400, 413, 414, 417, 431, 501 or 505).
    public var status: Int
    /// A short human-readable reason, safe to show to the client.
    public var reason: String

    /// Creates an error.
    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status): \(reason)" }

    static func bad(_ reason: String) -> HTTPParseError { .init(status: 400, reason: reason) }
}
