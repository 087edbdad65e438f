import Foundation
import HTTPCore
import Logging
import Postgres
import Synchronization

/// The whole NeonHub process minus its command line: configuration, observability,
/// routes and the HTTP server. `start()`, then `shutdown()` and `waitUntilStopped()`.
public final class NeonHubServer: Sendable {
    /// The configuration in force.
    public let config: AppConfig
    /// Metrics behind `/metrics`.
    public let metrics: NeonHubMetrics
    /// State behind `/health`.
    public let health: HealthMonitor
    /// Every tRPC procedure.
    public let registry: ProcedureRegistry
    /// The database (nil only when `config.useDatabase` is off).
    public let database: Database?
    private let logger: Logger
    private let http: HTTPServer
    private let stopping = Atomic<Bool>(false)

    /// Assembles the server and opens the database (starting the embedded cluster when
    /// `DATABASE_URL` is unset); nothing listens until `start()`.
    public init(config: AppConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        metrics = NeonHubMetrics()
        health = HealthMonitor(version: NeonHubVersion.current)
        database = config.useDatabase
            ? try Database(databaseURL: config.databaseURL, poolSize: config.dbPoolSize, metrics: metrics, health: health, logger: logger)
            : nil
        let router = AppRouter(metrics: metrics, logger: logger, cors: CORSPolicy(origins: config.corsOrigins))
        OperatorRoutes.register(on: router, health: health, metrics: metrics)
        registry = ProcedureRegistry()
        SystemProcedures.register(in: registry)
        let openAPI = OpenAPIDocument.json(registry: registry, version: NeonHubVersion.current)
        router.add("GET", "/openapi.json") { _, sink in
            sink.send(HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: openAPI))
        }
        let verifier = TokenVerifier(jwtSecret: config.jwtSecret, nextAuthSecret: config.nextAuthSecret)
        TRPCHandler(registry: registry, verifier: verifier, limiter: RateLimiter(perMinute: config.rateLimitPerMinute), metrics: metrics)
            .register(on: router)
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

    /// Applies pending migrations, then starts listening. A changed, already-applied
    /// migration stops start-up; an unreachable database does not (migrations are retried
    /// in the background while `/health` reports it).
    public func start() throws {
        if let database { try migrateAtStart(database) }
        try http.start()
        logger.info("listening", metadata: ["host": "\(config.host)", "port": "\(http.port)", "version": "\(NeonHubVersion.current)"])
    }

    /// Begins a graceful shutdown: stop accepting, finish in-flight requests, close idle ones.
    public func shutdown() {
        stopping.store(true, ordering: .relaxed)
        logger.info("shutting down", metadata: ["graceSeconds": "\(config.shutdownGrace.components.seconds)"])
        http.shutdown()
    }

    /// Blocks until the HTTP server has stopped, then closes the database.
    public func waitUntilStopped() {
        http.waitUntilStopped()
        database?.close()
    }

    private func migrateAtStart(_ database: Database) throws {
        let migrator = Migrator(directory: Database.migrationsDirectory(config), logger: logger)
        do {
            try migrate(with: migrator, database: database)
        } catch let error as PostgresError where error.kind == .unavailable || error.kind == .connectionLost {
            logger.warning("database unreachable at start; migrations will be retried", metadata: ["error": "\(error)"])
            let thread = Thread { [self] in
                while !stopping.load(ordering: .relaxed) {
                    Thread.sleep(forTimeInterval: 2)
                    do {
                        try migrate(with: migrator, database: database)
                        return
                    } catch {
                        logger.debug("migration retry failed: \(error)")
                    }
                }
            }
            thread.start()
        }
    }

    private func migrate(with migrator: Migrator, database: Database) throws {
        let connection = try PostgresConnection(connectionString: database.connectionString)
        defer { connection.close() }
        let applied = try migrator.migrate(on: connection)
        logger.info("migrations up to date", metadata: ["applied": "\(applied.map(\.fileName))"])
    }
}
