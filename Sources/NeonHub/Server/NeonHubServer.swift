import HTTPCore
import Logging

/// The whole NeonHub process minus its command line: configuration, observability,
/// routes and the HTTP server. `start()`, then `shutdown()` and `waitUntilStopped()`.
public final class NeonHubServer: Sendable {
    /// The configuration in force.
    public let config: AppConfig
    /// Metrics behind `/metrics`.
    public let metrics: NeonHubMetrics
    /// State behind `/health`.
    public let health: HealthMonitor
    private let logger: Logger
    private let http: HTTPServer

    /// Assembles the server; nothing listens until `start()`.
    public init(config: AppConfig, logger: Logger) {
        self.config = config
        self.logger = logger
        metrics = NeonHubMetrics()
        health = HealthMonitor(version: NeonHubVersion.current)
        let router = AppRouter(metrics: metrics, logger: logger)
        OperatorRoutes.register(on: router, health: health, metrics: metrics)
        http = HTTPServer(configuration: Self.httpConfiguration(config), handler: router)
    }

    static func httpConfiguration(_ config: AppConfig) -> HTTPServerConfiguration {
        HTTPServerConfiguration(
            host: config.host, port: config.port,
            limits: HTTPParserLimits(maxBodyBytes: config.maxBodyBytes),
            headerTimeout: config.headerTimeout, idleTimeout: config.idleTimeout,
            shutdownGrace: config.shutdownGrace, maxConnections: config.maxConnections,
            errorResponse: ErrorEnvelope.protocolError)
    }

    /// The bound port (after `start()`).
    public var port: Int { http.port }

    /// Starts listening.
    public func start() throws {
        try http.start()
        logger.info("listening", metadata: ["host": "\(config.host)", "port": "\(http.port)", "version": "\(NeonHubVersion.current)"])
    }

    /// Begins a graceful shutdown: stop accepting, finish in-flight requests, close idle ones.
    public func shutdown() {
        logger.info("shutting down", metadata: ["graceSeconds": "\(config.shutdownGrace.components.seconds)"])
        http.shutdown()
    }

    /// Blocks until the HTTP server has stopped.
    public func waitUntilStopped() {
        http.waitUntilStopped()
    }
}
