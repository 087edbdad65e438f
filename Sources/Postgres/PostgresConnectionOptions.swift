/// Settings applied when a `PostgresConnection` is opened.
public struct PostgresConnectionOptions: Sendable {
    /// How long to wait for the server to accept the connection (libpq `connect_timeout`,
    /// whole seconds, at least 2). A `connect_timeout` in the connection string wins.
    public var connectTimeout: Duration
    /// The session's `statement_timeout`; nil keeps the server default.
    public var statementTimeout: Duration?
    /// `fallback_application_name`, shown in `pg_stat_activity`.
    public var applicationName: String
    /// A database name that overrides the one in the connection string.
    public var database: String?
    /// Called after every statement and pipeline.
    public var observer: PostgresQueryObserver?

    /// Creates options; defaults: 2 s connect timeout, no statement timeout.
    public init(
        connectTimeout: Duration = .seconds(2), statementTimeout: Duration? = nil,
        applicationName: String = "neonhub", database: String? = nil,
        observer: PostgresQueryObserver? = nil
    ) {
        self.connectTimeout = connectTimeout
        self.statementTimeout = statementTimeout
        self.applicationName = applicationName
        self.database = database
        self.observer = observer
    }
}
