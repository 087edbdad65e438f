import Glibc

/// Everything the server needs to know besides its handler: where to listen, limits and timeouts.
public struct HTTPServerConfiguration: Sendable {
    /// Interface to bind (`0.0.0.0`, `::`, `127.0.0.1`, a host name).
    public var host: String
    /// TCP port; 0 picks a free one (read it back from `HTTPServer.port`).
    public var port: Int
    /// Parser limits (request line, header block, header count, body size).
    public var limits: HTTPParserLimits
    /// Time allowed for a request head to arrive (slowloris guard) → 408 and close.
    public var headerTimeout: Duration
    /// How long an idle keep-alive connection (or a stalled body upload) may stay open.
    public var idleTimeout: Duration
    /// Longest time a graceful shutdown waits for in-flight requests.
    public var shutdownGrace: Duration
    /// Most simultaneous connections; beyond it the server stops accepting until one closes.
    public var maxConnections: Int
    /// Number of event loops (threads each running one epoll); defaults to the core count.
    public var eventLoopCount: Int
    /// Bodies at least this large are gzip-compressed when the client accepts it.
    public var gzipMinimumBytes: Int
    /// `listen(2)` backlog.
    public var backlog: Int32
    /// Builds the response for a protocol-level error (parse failure, timeout). The default is a
    /// small `text/plain` body; the application may supply its own error envelope.
    public var errorResponse: @Sendable (_ status: Int, _ reason: String) -> HTTPResponse

    /// Creates a configuration with the contract's defaults.
    public init(
        host: String = "0.0.0.0", port: Int = 4100, limits: HTTPParserLimits = HTTPParserLimits(),
        headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60),
        shutdownGrace: Duration = .seconds(10), maxConnections: Int = 10_000,
        eventLoopCount: Int = HTTPServerConfiguration.coreCount, gzipMinimumBytes: Int = 1024,
        backlog: Int32 = 1024,
        errorResponse: @escaping @Sendable (Int, String) -> HTTPResponse = HTTPServerConfiguration.plainErrorResponse
    ) {
        self.host = host
        self.port = port
        self.limits = limits
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.shutdownGrace = shutdownGrace
        self.maxConnections = maxConnections
        self.eventLoopCount = max(1, eventLoopCount)
        self.gzipMinimumBytes = gzipMinimumBytes
        self.backlog = backlog
        self.errorResponse = errorResponse
    }

    /// Online processors.
    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// The default protocol-error response: status and reason as plain text.
    @Sendable public static func plainErrorResponse(_ status: Int, _ reason: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: "\(status) \(HTTPStatus.reasonPhrase(status)): \(reason)\n")
    }
}
