public import Postgres

/// SQL over the `api_*` dashboard views (Migrations/0006): every query is scoped by the
/// caller's tenant and narrowed by a `DashboardFilter`. Read-only.
public struct DashboardStore: Sendable {
    let pool: PostgresPool

    /// Creates a store over the pool.
    public init(pool: PostgresPool) { self.pool = pool }

    /// `api_connector_health_summary`, by connector.
    public func connectorHealth(tenant: String, filter: DashboardFilter) async throws -> [ConnectorHealthRow] {
        try await pool.query(
            """
            SELECT * FROM api_connector_health_summary
            WHERE tenant_id = \(tenant) AND (\(filter.connector)::text IS NULL OR connector = \(filter.connector))
            ORDER BY connector LIMIT \(filter.limit)
            """
        ).map(ConnectorHealthRow.init)
    }

    /// `api_recent_errors`, most recent first; `source` narrows to one of its three sources.
    public func recentErrors(tenant: String, source: String?, filter: DashboardFilter) async throws -> [RecentErrorRow] {
        try await pool.query(
            """
            SELECT * FROM api_recent_errors
            WHERE tenant_id = \(tenant) AND (\(filter.connector)::text IS NULL OR connector = \(filter.connector))
              AND (\(source)::text IS NULL OR source = \(source))
              AND (\(filter.from)::timestamptz IS NULL OR occurred_at >= \(filter.from))
              AND (\(filter.to)::timestamptz IS NULL OR occurred_at < \(filter.to))
            ORDER BY occurred_at DESC, id DESC LIMIT \(filter.limit)
            """
        ).map(RecentErrorRow.init)
    }

    /// `api_token_health`, soonest expiry first (tokens without one last); `state` narrows.
    public func tokenHealth(tenant: String, state: String?, filter: DashboardFilter) async throws -> [TokenHealthRow] {
        try await pool.query(
            """
            SELECT * FROM api_token_health
            WHERE tenant_id = \(tenant) AND (\(filter.connector)::text IS NULL OR connector = \(filter.connector))
              AND (\(state)::text IS NULL OR state = \(state))
            ORDER BY token_expires_at ASC NULLS LAST, name, connection_id LIMIT \(filter.limit)
            """
        ).map(TokenHealthRow.init)
    }

    /// `api_publish_performance`, newest day first, over the filter's days (default: the last 30).
    public func publishPerformance(tenant: String, filter: DashboardFilter) async throws -> [PublishPerformanceRow] {
        try await pool.query(
            """
            SELECT * FROM api_publish_performance
            WHERE tenant_id = \(tenant) AND (\(filter.connector)::text IS NULL OR connector = \(filter.connector))
              AND day >= (COALESCE(\(filter.from)::timestamptz, now() - interval '30 days') AT TIME ZONE 'UTC')::date
              AND (\(filter.to)::timestamptz IS NULL OR day <= (\(filter.to)::timestamptz AT TIME ZONE 'UTC')::date)
            ORDER BY day DESC, connector LIMIT \(filter.limit)
            """
        ).map(PublishPerformanceRow.init)
    }

    /// `api_dlq_status`, most recently dead-lettered first.
    public func deadLetters(tenant: String, filter: DashboardFilter) async throws -> [DeadLetterRow] {
        try await pool.query(
            """
            SELECT * FROM api_dlq_status
            WHERE tenant_id = \(tenant) AND (\(filter.connector)::text IS NULL OR connector = \(filter.connector))
              AND (\(filter.from)::timestamptz IS NULL OR dead_lettered_at >= \(filter.from))
              AND (\(filter.to)::timestamptz IS NULL OR dead_lettered_at < \(filter.to))
            ORDER BY dead_lettered_at DESC, job_id LIMIT \(filter.limit)
            """
        ).map(DeadLetterRow.init)
    }

    /// `api_health_check_trends`, newest hour first (the view holds the last 7 days).
    public func healthCheckTrends(tenant: String, filter: DashboardFilter) async throws -> [HealthCheckTrendRow] {
        try await pool.query(
            """
            SELECT * FROM api_health_check_trends
            WHERE tenant_id = \(tenant) AND (\(filter.connector)::text IS NULL OR connector = \(filter.connector))
              AND (\(filter.from)::timestamptz IS NULL OR hour >= date_trunc('hour', \(filter.from)::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
              AND (\(filter.to)::timestamptz IS NULL OR hour < \(filter.to))
            ORDER BY hour DESC, connector LIMIT \(filter.limit)
            """
        ).map(HealthCheckTrendRow.init)
    }

    /// Every catalog connector with the tenant's columns of `api_connector_readiness` (the
    /// view has rows only for tenants with a connection: a tenant without one sees every
    /// connector as not connected).
    public func connectorReadiness(tenant: String, availability: String?, filter: DashboardFilter) async throws -> [ConnectorReadinessRow] {
        try await pool.query(
            """
            SELECT p.id AS connector, p.name, p.category, p.wave, p.availability, p.auth_type,
                   COALESCE(r.connections_active, 0) AS connections_active, COALESCE(r.connections_attention, 0) AS connections_attention,
                   COALESCE(r.has_active_connection, false) AS has_active_connection, COALESCE(r.ready, false) AS ready,
                   r.last_successful_publish_at
            FROM connector_platforms p
            LEFT JOIN api_connector_readiness r ON r.connector = p.id AND r.tenant_id = \(tenant)
            WHERE (\(filter.connector)::text IS NULL OR p.id = \(filter.connector))
              AND (\(availability)::text IS NULL OR p.availability = \(availability))
            ORDER BY p.id LIMIT \(filter.limit)
            """
        ).map(ConnectorReadinessRow.init)
    }

    /// `api_analytics_summary`, newest day first, over the filter's days (default: the last 30).
    public func analyticsSummary(tenant: String, filter: DashboardFilter) async throws -> [AnalyticsDayRow] {
        try await pool.query(
            """
            SELECT * FROM api_analytics_summary
            WHERE tenant_id = \(tenant)
              AND day >= (COALESCE(\(filter.from)::timestamptz, now() - interval '30 days') AT TIME ZONE 'UTC')::date
              AND (\(filter.to)::timestamptz IS NULL OR day <= (\(filter.to)::timestamptz AT TIME ZONE 'UTC')::date)
            ORDER BY day DESC LIMIT \(filter.limit)
            """
        ).map(AnalyticsDayRow.init)
    }
}
