public import Prometheus
import Synchronization
import TimeUnits

/// Every metric NeonHub exports, created at start-up with HELP text (DESIGN §3).
/// Label values come from small fixed sets (route templates, procedure and agent names).
public final class NeonHubMetrics: Sendable {
    /// The swift-prometheus registry behind `/metrics`.
    public let registry = PrometheusCollectorRegistry()

    /// Families declared up front, so that `/metrics` lists them before their first sample.
    private let declared: [(name: String, type: String, help: String)]

    static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    static let runBuckets: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

    private struct RequestKey: Hashable { var method: String; var route: String; var status: Int }
    private let requestCounters = Mutex<[RequestKey: (Counter, ValueHistogram)]>([:])
    private struct RunKey: Hashable { var agent: String; var status: String; var intent: String }
    private let runCounters = Mutex<[RunKey: (Counter, ValueHistogram)]>([:])
    /// The queue's job counters, by family and labels: a worker counts every job it finishes,
    /// and asking the registry each time rebuilt the descriptor and the label list.
    struct QueueCounterKey: Hashable { var family: String; var kind: String; var outcome: String }
    let queueCounters = Mutex<[QueueCounterKey: Counter]>([:])
    public let dbQueryDuration: ValueHistogram
    public let rateLimitHits: Counter
    /// The daily LLM cost budget per tenant and agent, in USD (set from the configuration).
    private let llmDailyCostBudget: Gauge
    /// Text rendered at every scrape by `addCollector` (gauges read from live state).
    private let collectors = Mutex<[@Sendable () -> String]>([])

    static let help = (
        httpRequests: "HTTP requests answered, by method, route template (or procedure) and status.",
        httpDuration: "Time from a complete request to its response, by route template.",
        dbDuration: "Duration of database statements and pipelines.",
        agentRuns: "Agent runs finished, by agent, final status and intent.",
        agentDuration: "Duration of agent runs, by agent and intent.",
        breaker: "Agent runs counted as failures by the per-agent circuit breaker.",
        queue: "Jobs added to the publish queue, by kind.",
        queueCompleted: "Jobs that reached a final state, by kind and outcome (succeeded, dlq, cancelled).",
        queueDepth: "Jobs in the queue, by kind and status (scheduled, queued, running, retrying, unknown, dlq).",
        queueAge: "Age in seconds of the oldest job that is ready to run and not running, by kind (0 when none).",
        connector: "Connector API requests, by connector, action and outcome.",
        connectorDuration: "Duration of connector API requests, by connector and action.",
        connectorRetries: "Connector API requests that were retries of an earlier attempt, by connector and action.",
        rateLimit: "Requests refused by the rate limiter.",
        tokenRefreshes:
            "Connection token refreshes, by connector and outcome (success, failure, skipped when another caller or process had refreshed).",
        connections: "Connections, by connector and status (active, attention, revoked).",
        llmCost: "LLM cost of finished agent runs in USD, by tenant and agent.",
        llmBudget: "The daily LLM cost budget per tenant and agent, in USD.",
        webhookEvents: "Webhook events and handshakes, by connector and outcome (accepted, duplicate, unmatched, rejected, handshake).",
        triggerPolls: "Polls of polling triggers, by connector, trigger and outcome (ok, failed).",
        polledEvents: "Events stored from polling triggers (new or changed items), by connector and trigger."
    )

    static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// Creates and registers every metric.
    public init() {
        declared = [
            ("neonhub_http_requests_total", "counter", Self.help.httpRequests),
            ("neonhub_http_request_duration_seconds", "histogram", Self.help.httpDuration),
            ("neonhub_db_query_duration_seconds", "histogram", Self.help.dbDuration),
            ("neonhub_agent_runs_total", "counter", Self.help.agentRuns),
            ("neonhub_agent_run_duration_seconds", "histogram", Self.help.agentDuration),
            ("neonhub_circuit_breaker_failures_total", "counter", Self.help.breaker),
            ("neonhub_queue_jobs_added_total", "counter", Self.help.queue),
            ("neonhub_queue_jobs_completed_total", "counter", Self.help.queueCompleted),
            ("neonhub_queue_depth", "gauge", Self.help.queueDepth),
            ("neonhub_queue_oldest_ready_job_age_seconds", "gauge", Self.help.queueAge),
            ("neonhub_connector_requests_total", "counter", Self.help.connector),
            ("neonhub_connector_request_duration_seconds", "histogram", Self.help.connectorDuration),
            ("neonhub_connector_retries_total", "counter", Self.help.connectorRetries),
            ("neonhub_rate_limit_hits_total", "counter", Self.help.rateLimit),
            ("neonhub_token_refreshes_total", "counter", Self.help.tokenRefreshes),
            ("neonhub_connections", "gauge", Self.help.connections),
            ("neonhub_llm_cost_usd_total", "counter", Self.help.llmCost),
            ("neonhub_webhook_events_total", "counter", Self.help.webhookEvents),
            ("neonhub_trigger_polls_total", "counter", Self.help.triggerPolls),
            ("neonhub_trigger_polled_events_total", "counter", Self.help.polledEvents),
        ]
        dbQueryDuration = registry.makeValueHistogram(
            descriptor: Self.descriptor("neonhub_db_query_duration_seconds", Self.help.dbDuration), labels: [], buckets: Self.latencyBuckets)
        rateLimitHits = registry.makeCounter(descriptor: Self.descriptor("neonhub_rate_limit_hits_total", Self.help.rateLimit), labels: [])
        llmDailyCostBudget = registry.makeGauge(descriptor: Self.descriptor("neonhub_llm_daily_cost_budget_usd", Self.help.llmBudget), labels: [])
    }

    /// Adds text rendered at every scrape, after the registry's metrics: whole families
    /// (HELP, TYPE, samples) read from live state, such as health checks and the pool.
    public func addCollector(_ render: @escaping @Sendable () -> String) {
        collectors.withLock { $0.append(render) }
    }

    /// Publishes the daily LLM cost budget (per tenant and agent) for the cost alert.
    public func setLLMDailyCostBudget(usd: Double) {
        llmDailyCostBudget.set(usd)
    }

    /// Adds a finished run's LLM cost (tenant label: alerts compare it with the daily budget).
    public func recordLLMCost(tenant: String, agent: String, usd: Double) {
        guard usd > 0, usd.isFinite else { return }
        registry.makeCounter(
            descriptor: Self.descriptor("neonhub_llm_cost_usd_total", Self.help.llmCost),
            labels: [("tenant", tenant), ("agent", agent)]
        ).increment(by: usd)
    }

    /// A label value escaped for the text format (`\\`, `\"`, `\n`), for text written by
    /// collectors (the registry escapes its own label values).
    public static func labelValue(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// `neonhub_health_check_ok{check}` (1 when the check is `ok`) and the pool gauges
    /// `neonhub_db_pool_connections{state}` and `neonhub_db_pool_waiters`, rendered at scrape time.
    public static func renderHealthAndPool(checks: [String: String], pool: (size: Int, idle: Int, waiting: Int)?) -> String {
        var out = "# HELP neonhub_health_check_ok Whether a /health check is ok (1) or not (0), by check.\n# TYPE neonhub_health_check_ok gauge\n"
        for (name, value) in checks.sorted(by: { $0.key < $1.key }) {
            out += "neonhub_health_check_ok{check=\"\(labelValue(name))\"} \(value == "ok" ? 1 : 0)\n"
        }
        guard let pool else { return out }
        out += "# HELP neonhub_db_pool_connections Database pool slots, by state (in_use: borrowed; idle: free).\n"
        out += "# TYPE neonhub_db_pool_connections gauge\n"
        out += "neonhub_db_pool_connections{state=\"idle\"} \(pool.idle)\nneonhub_db_pool_connections{state=\"in_use\"} \(pool.size - pool.idle)\n"
        out += "# HELP neonhub_db_pool_waiters Tasks waiting for a database connection.\n# TYPE neonhub_db_pool_waiters gauge\n"
        out += "neonhub_db_pool_waiters \(pool.waiting)\n"
        return out
    }

    /// Counts one answered HTTP request and its duration (one lock, one lookup).
    public func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        let key = RequestKey(method: method, route: route, status: status)
        let (counter, histogram) = requestCounters.withLock { cache -> (Counter, ValueHistogram) in
            if let pair = cache[key] { return pair }
            let counter = registry.makeCounter(
                descriptor: Self.descriptor("neonhub_http_requests_total", Self.help.httpRequests),
                labels: [("method", method), ("route", route), ("status", String(status))])
            let histogram = registry.makeValueHistogram(
                descriptor: Self.descriptor("neonhub_http_request_duration_seconds", Self.help.httpDuration),
                labels: [("route", route)], buckets: Self.latencyBuckets)
            cache[key] = (counter, histogram)
            return (counter, histogram)
        }
        counter.increment()
        histogram.record(seconds)
    }

    /// Counts a finished agent run.
    public func recordAgentRun(agent: String, status: String, intent: String, seconds: Double) {
        let (counter, histogram) = runCounters.withLock { cache in
            let key = RunKey(agent: agent, status: status, intent: intent)
            if let pair = cache[key] { return pair }
            let pair = (
                registry.makeCounter(
                    descriptor: Self.descriptor("neonhub_agent_runs_total", Self.help.agentRuns),
                    labels: [("agent", agent), ("status", status), ("intent", intent)]),
                registry.makeValueHistogram(
                    descriptor: Self.descriptor("neonhub_agent_run_duration_seconds", Self.help.agentDuration),
                    labels: [("agent", agent), ("intent", intent)], buckets: Self.runBuckets)
            )
            cache[key] = pair
            return pair
        }
        counter.increment()
        histogram.record(seconds)
    }

    /// Counts a failure seen by an agent's circuit breaker.
    public func recordBreakerFailure(agent: String) {
        registry.makeCounter(descriptor: Self.descriptor("neonhub_circuit_breaker_failures_total", Self.help.breaker), labels: [("agent", agent)])
            .increment()
    }

    /// Counts a connector request (one HTTP attempt), its duration, and whether it was a retry.
    public func recordConnectorRequest(connector: String, action: String, outcome: String, seconds: Double? = nil, retry: Bool = false) {
        let labels = [("connector", connector), ("action", action)]
        registry.makeCounter(
            descriptor: Self.descriptor("neonhub_connector_requests_total", Self.help.connector), labels: labels + [("outcome", outcome)]
        ).increment()
        if let seconds {
            registry.makeValueHistogram(
                descriptor: Self.descriptor("neonhub_connector_request_duration_seconds", Self.help.connectorDuration),
                labels: labels, buckets: Self.latencyBuckets
            ).record(seconds)
        }
        if retry {
            registry.makeCounter(descriptor: Self.descriptor("neonhub_connector_retries_total", Self.help.connectorRetries), labels: labels)
                .increment()
        }
    }

    /// Counts one webhook event or handshake of `connector` (a `WebhookConnector` id) by
    /// `outcome`: `accepted`, `duplicate`, `unmatched`, `rejected` or `handshake`.
    public func recordWebhookEvent(connector: String, outcome: String) {
        registry.makeCounter(
            descriptor: Self.descriptor("neonhub_webhook_events_total", Self.help.webhookEvents),
            labels: [("connector", connector), ("outcome", outcome)]
        ).increment()
    }

    /// Counts one poll of a polling trigger (`ok` or `failed`) and the events it stored.
    public func recordTriggerPoll(connector: String, trigger: String, outcome: String, events: Int) {
        let labels = [("connector", connector), ("trigger", trigger)]
        registry.makeCounter(
            descriptor: Self.descriptor("neonhub_trigger_polls_total", Self.help.triggerPolls), labels: labels + [("outcome", outcome)]
        ).increment()
        if events > 0 {
            registry.makeCounter(descriptor: Self.descriptor("neonhub_trigger_polled_events_total", Self.help.polledEvents), labels: labels)
                .increment(by: Int64(events))
        }
    }

    /// Counts a token refresh of `connector` (`success`, `failure` or `skipped`).
    public func recordTokenRefresh(connector: String, outcome: String) {
        registry.makeCounter(
            descriptor: Self.descriptor("neonhub_token_refreshes_total", Self.help.tokenRefreshes),
            labels: [("connector", connector), ("outcome", outcome)]
        ).increment()
    }

    /// Sets `neonhub_connections` to `counts` (connector, status → count); a pair that was
    /// counted before and is absent now is set to 0 rather than left at its old value.
    public func setConnections(_ counts: [ConnectionCount]) {
        let now = Set(counts.map { [$0.connector, $0.status] })
        let stale = connectionPairs.withLock { pairs -> Set<[String]> in
            let gone = pairs.subtracting(now)
            pairs = now
            return gone
        }
        let descriptor = Self.descriptor("neonhub_connections", Self.help.connections)
        for count in counts {
            registry.makeGauge(descriptor: descriptor, labels: [("connector", count.connector), ("status", count.status)]).set(
                to: Double(count.count))
        }
        for pair in stale { registry.makeGauge(descriptor: descriptor, labels: [("connector", pair[0]), ("status", pair[1])]).set(to: 0) }
    }

    /// One `neonhub_connections` sample.
    public struct ConnectionCount: Sendable {
        /// The connector id.
        public var connector: String
        /// `active`, `attention` or `revoked`.
        public var status: String
        /// How many.
        public var count: Int

        /// A sample.
        public init(connector: String, status: String, count: Int) {
            self.connector = connector
            self.status = status
            self.count = count
        }
    }

    private let connectionPairs = Mutex<Set<[String]>>([])

    /// The outbound client's hook: every attempt of a connector call into the connector
    /// metrics, its outcome one of DESIGN §3's (`mock` for every attempt in mock mode).
    public func outboundHook(mock: Bool) -> OutboundHook {
        { [self] attempt in
            let outcome: String
            switch attempt.errorCode {
            case nil: outcome = mock ? "mock" : "ok"
            case .permanent?: outcome = mock ? "mock" : "client_error"
            case .retryable?: outcome = mock ? "mock" : "server_error"
            case .rateLimited?: outcome = mock ? "mock" : "rate_limited"
            case .auth?: outcome = mock ? "mock" : "auth_error"
            case .timeout?: outcome = "timeout"
            case .network?: outcome = "network_error"
            }
            recordConnectorRequest(
                connector: attempt.labels.connector, action: attempt.labels.action, outcome: outcome,
                seconds: attempt.duration.inSeconds, retry: attempt.number > 1)
        }
    }

    /// The Prometheus text exposition: every registered metric, declared families without
    /// samples yet (HELP and TYPE only), then the `process_*` metrics.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        let emitted = String(decoding: buffer, as: UTF8.self)
        for family in declared where !emitted.contains("# TYPE \(family.name) ") {
            buffer.append(contentsOf: "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n".utf8)
        }
        for collector in collectors.withLock({ $0 }) { buffer.append(contentsOf: collector().utf8) }
        buffer.append(contentsOf: ProcessMetrics.render().utf8)
        return buffer
    }
}
