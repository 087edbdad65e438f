/// Limits and timeouts of a `PostgresPool`.
public struct PostgresPoolConfiguration: Sendable {
    /// The maximum number of open connections (each has its own thread). At least 1.
    public var size: Int
    /// How long `withConnection` waits for a free connection before failing with `.unavailable`.
    public var acquireTimeout: Duration
    /// How long to wait for the server when (re)connecting (libpq `connect_timeout`, ≥ 2 s).
    public var connectTimeout: Duration
    /// The sessions' `statement_timeout`; nil keeps the server default.
    public var statementTimeout: Duration?
    /// A connection idle for longer than this is checked with `SELECT 1` before use.
    public var validationInterval: Duration
    /// `fallback_application_name` of the pool's sessions.
    public var applicationName: String
    /// Called after every statement and pipeline with its duration.
    public var observer: PostgresQueryObserver?
    /// A database name that overrides the one in the connection string.
    public var database: String?

    /// Creates a configuration; defaults: 8 connections, 2 s acquire and connect
    /// timeouts, 30 s statement timeout, validation after 30 s idle.
    public init(
        size: Int = 8, acquireTimeout: Duration = .seconds(2), connectTimeout: Duration = .seconds(2),
        statementTimeout: Duration? = .seconds(30), validationInterval: Duration = .seconds(30),
        applicationName: String = "neonhub", observer: PostgresQueryObserver? = nil, database: String? = nil
    ) {
        self.size = max(1, size)
        self.acquireTimeout = acquireTimeout
        self.connectTimeout = connectTimeout
        self.statementTimeout = statementTimeout
        self.validationInterval = validationInterval
        self.applicationName = applicationName
        self.observer = observer
        self.database = database
    }

    var connectionOptions: PostgresConnectionOptions {
        PostgresConnectionOptions(
            connectTimeout: connectTimeout, statementTimeout: statementTimeout,
            applicationName: applicationName, database: database, observer: observer)
    }
}
