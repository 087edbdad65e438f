import Foundation

/// The `dashboard.*` queries (DESIGN §4, §5): each serves one `api_*` view, scoped to the
/// caller's tenant (never a tenant from input), as `{items}`.
enum DashboardProcedures {
    /// `{items}`: the rows of one view.
    struct Rows<Row: RPCOutput>: RPCOutput {
        static var schema: JSONSchema { .object([("items", .array(Row.schema, maxItems: DashboardFilter.maxLimit))], required: ["items"]) }
        let items: [Row]
    }

    static let connectorField: (String, JSONSchema) = ("connector", .string(minLength: 1, maxLength: 64))
    static let limitField: (String, JSONSchema) = ("limit", .integer(minimum: 1, maximum: DashboardFilter.maxLimit))
    static let rangeFields: [(String, JSONSchema)] = [("from", .dateTime), ("to", .dateTime)]

    /// `{connector?, limit?}`.
    struct ConnectorInput: RPCInput {
        static let schema = JSONSchema.object([connectorField, limitField], required: [])
        let connector: String?
        let limit: Int?
        var filter: DashboardFilter { DashboardFilter(connector: connector, limit: limit) }
    }

    /// `{connector?, from?, to?, limit?}`.
    struct RangeInput: RPCInput {
        static let schema = JSONSchema.object([connectorField] + rangeFields + [limitField], required: [])
        let connector: String?
        let from: Date?
        let to: Date?
        let limit: Int?
        var filter: DashboardFilter { DashboardFilter(connector: connector, from: from, to: to, limit: limit) }
    }

    /// `{connector?, source?, from?, to?, limit?}`.
    struct RecentErrorsInput: RPCInput {
        static let schema = JSONSchema.object(
            [connectorField, ("source", .string(enumValues: ["publish_attempt", "health_check", "connection"]))]
                + rangeFields + [limitField], required: [])
        let connector: String?
        let source: String?
        let from: Date?
        let to: Date?
        let limit: Int?
    }

    /// `{connector?, state?, limit?}`.
    struct TokenHealthInput: RPCInput {
        static let schema = JSONSchema.object(
            [
                connectorField, ("state", .string(enumValues: ["ok", "expiring", "expired", "attention", "no_expiry"])),
                limitField,
            ], required: [])
        let connector: String?
        let state: String?
        let limit: Int?
    }

    /// `{connector?, availability?, limit?}`.
    struct ReadinessInput: RPCInput {
        static let schema = JSONSchema.object(
            [
                connectorField, ("availability", .string(enumValues: ["stable", "experimental", "disabled"])),
                limitField,
            ], required: [])
        let connector: String?
        let availability: String?
        let limit: Int?
    }

    /// `{from?, to?, limit?}`.
    struct AnalyticsInput: RPCInput {
        static let schema = JSONSchema.object(rangeFields + [limitField], required: [])
        let from: Date?
        let to: Date?
        let limit: Int?
    }

    static func register(in registry: ProcedureRegistry, store: DashboardStore) {
        registry.query(
            "dashboard.connectorHealth", auth: .user, summary: "Connections per connector and their health over 24 h (api_connector_health_summary)"
        ) {
            (input: ConnectorInput, context) in
            Rows(items: try await store.connectorHealth(tenant: try context.tenantID(), filter: input.filter))
        }
        registry.query(
            "dashboard.recentErrors", auth: .user,
            summary: "The latest failed publish attempts, failed health checks and connections needing attention (api_recent_errors)"
        ) {
            (input: RecentErrorsInput, context) in
            Rows(
                items: try await store.recentErrors(
                    tenant: try context.tenantID(), source: input.source,
                    filter: DashboardFilter(connector: input.connector, from: input.from, to: input.to, limit: input.limit)))
        }
        registry.query("dashboard.tokenHealth", auth: .user, summary: "Token expiry and refresh state per connection (api_token_health)") {
            (input: TokenHealthInput, context) in
            Rows(
                items: try await store.tokenHealth(
                    tenant: try context.tenantID(), state: input.state,
                    filter: DashboardFilter(connector: input.connector, limit: input.limit)))
        }
        registry.query(
            "dashboard.publishPerformance", auth: .user, summary: "Publish and action jobs per connector and UTC day (api_publish_performance)"
        ) {
            (input: RangeInput, context) in
            Rows(items: try await store.publishPerformance(tenant: try context.tenantID(), filter: input.filter))
        }
        registry.query("dashboard.dlq", auth: .user, summary: "Dead-lettered jobs, with their redacted last request and response (api_dlq_status)") {
            (input: RangeInput, context) in
            Rows(items: try await store.deadLetters(tenant: try context.tenantID(), filter: input.filter))
        }
        registry.query(
            "dashboard.healthCheckTrends", auth: .user, summary: "Health checks per connector and UTC hour over 7 days (api_health_check_trends)"
        ) {
            (input: RangeInput, context) in
            Rows(items: try await store.healthCheckTrends(tenant: try context.tenantID(), filter: input.filter))
        }
        registry.query(
            "dashboard.connectorReadiness", auth: .user,
            summary: "Every catalog connector and whether the tenant can use it now (api_connector_readiness)"
        ) {
            (input: ReadinessInput, context) in
            Rows(
                items: try await store.connectorReadiness(
                    tenant: try context.tenantID(), availability: input.availability,
                    filter: DashboardFilter(connector: input.connector, limit: input.limit)))
        }
        registry.query(
            "dashboard.analyticsSummary", auth: .user,
            summary: "Agent runs, model usage, publishes and webhook events per UTC day (api_analytics_summary)"
        ) {
            (input: AnalyticsInput, context) in
            Rows(
                items: try await store.analyticsSummary(
                    tenant: try context.tenantID(), filter: DashboardFilter(from: input.from, to: input.to, limit: input.limit)))
        }
    }
}
