import Foundation

// The output schemas of the dashboard rows, published in /openapi.json. A field that can be
// null is left out when it is (not required); every other field is always present.

/// The field schemas the rows share.
private enum Field {
    static let count = JSONSchema.integer(minimum: 0)
    static let ratio = JSONSchema.number(minimum: 0, maximum: 1)
}

extension ConnectorHealthRow: RPCOutput {
    public static let schema = JSONSchema.object(
        [
            ("connector", .string()), ("connectionsTotal", Field.count), ("connectionsActive", Field.count), ("connectionsAttention", Field.count),
            ("connectionsRevoked", Field.count), ("lastHealthCheck", .nullable(.dateTime)), ("healthChecks24h", Field.count),
            ("healthOkRatio24h", .nullable(Field.ratio)), ("failedRequests24h", Field.count),
        ],
        required: [
            "connector", "connectionsTotal", "connectionsActive", "connectionsAttention", "connectionsRevoked", "healthChecks24h",
            "failedRequests24h",
        ])
}

extension RecentErrorRow: RPCOutput {
    public static let schema = JSONSchema.object(
        [
            ("id", .string()), ("source", .string(enumValues: ["publish_attempt", "health_check", "connection"])),
            ("connector", .nullable(.string())),
            ("connectionId", .nullable(.uuid)), ("jobId", .nullable(.uuid)), ("code", .string()), ("httpStatus", .nullable(.integer())),
            ("message", .string()), ("occurredAt", .dateTime),
        ], required: ["id", "source", "code", "message", "occurredAt"])
}

extension TokenHealthRow: RPCOutput {
    public static let schema = JSONSchema.object(
        [
            ("connectionId", .uuid), ("connector", .string()), ("name", .string()), ("status", .string(enumValues: ["active", "attention"])),
            ("tokenExpiresAt", .nullable(.dateTime)), ("secondsUntilExpiry", .nullable(.integer())), ("nextRefreshAt", .nullable(.dateTime)),
            ("lastRefreshAt", .nullable(.dateTime)), ("refreshFailures", .integer(minimum: 0)), ("hasRefreshToken", .boolean),
            ("state", .string(enumValues: ["ok", "expiring", "expired", "attention", "no_expiry"])),
        ], required: ["connectionId", "connector", "name", "status", "refreshFailures", "hasRefreshToken", "state"])
}

extension PublishPerformanceRow: RPCOutput {
    public static let schema = JSONSchema.object(
        [
            ("connector", .string()), ("day", .string(format: "date")), ("jobsTotal", Field.count), ("succeeded", Field.count),
            ("dlq", Field.count), ("retrying", Field.count), ("pending", Field.count),
            ("running", Field.count), ("unknown", Field.count), ("cancelled", Field.count),
            ("avgAttempts", .nullable(.number(minimum: 0))), ("p50Seconds", .nullable(.number())), ("p95Seconds", .nullable(.number())),
            ("successRate", .nullable(Field.ratio)),
        ], required: ["connector", "day", "jobsTotal", "succeeded", "dlq", "retrying", "pending", "running", "unknown", "cancelled"])
}

extension DeadLetterRow: RPCOutput {
    public static let schema = JSONSchema.object(
        [
            ("jobId", .uuid), ("kind", .string()), ("connector", .nullable(.string())), ("connectionId", .nullable(.uuid)),
            ("connectionName", .nullable(.string())), ("action", .nullable(.string())), ("attempts", Field.count),
            ("maxAttempts", .integer(minimum: 1)), ("dlqReason", .nullable(.string())), ("lastError", .any), ("lastRequest", .any),
            ("lastResponse", .any), ("idempotencyKey", .string()), ("createdAt", .dateTime), ("deadLetteredAt", .dateTime),
            ("ageSeconds", .integer()),
        ], required: ["jobId", "kind", "attempts", "maxAttempts", "idempotencyKey", "createdAt", "deadLetteredAt", "ageSeconds"])
}

extension HealthCheckTrendRow: RPCOutput {
    public static let schema = JSONSchema.object(
        [
            ("connector", .string()), ("hour", .dateTime), ("checks", Field.count), ("ok", Field.count),
            ("errors", Field.count), ("avgLatencyMs", .nullable(.number())), ("p95LatencyMs", .nullable(.number())),
        ], required: ["connector", "hour", "checks", "ok", "errors"])
}

extension ConnectorReadinessRow: RPCOutput {
    public static let schema = JSONSchema.object(
        [
            ("connector", .string()), ("name", .string()), ("category", .string()), ("wave", .string()),
            ("availability", .string(enumValues: ["stable", "experimental", "disabled"])), ("authType", .string()),
            ("connectionsActive", Field.count), ("connectionsAttention", Field.count),
            ("hasActiveConnection", .boolean), ("ready", .boolean), ("lastSuccessfulPublishAt", .nullable(.dateTime)),
        ],
        required: [
            "connector", "name", "category", "wave", "availability", "authType", "connectionsActive", "connectionsAttention",
            "hasActiveConnection", "ready",
        ])
}

extension AnalyticsDayRow: RPCOutput {
    public static let schema = JSONSchema.object(
        [
            ("day", .string(format: "date")), ("runsTotal", Field.count), ("runsSucceeded", Field.count),
            ("runsFailed", Field.count), ("runsCancelled", Field.count), ("runsInProgress", Field.count),
            ("llmCalls", Field.count), ("tokensIn", Field.count), ("tokensOut", Field.count),
            ("costUsd", .number(minimum: 0)), ("unpricedLlmCalls", Field.count), ("publishesSucceeded", Field.count),
            ("webhookEvents", Field.count),
        ],
        required: [
            "day", "runsTotal", "runsSucceeded", "runsFailed", "runsCancelled", "runsInProgress", "llmCalls", "tokensIn", "tokensOut",
            "costUsd", "unpricedLlmCalls", "publishesSucceeded", "webhookEvents",
        ])
}
