import Foundation
public import Logging
import Postgres

/// The server's configuration, read from the environment (DESIGN §6) and validated at start.
public struct AppConfig: Sendable {
    public var port: Int = 4100
    public var host: String = "0.0.0.0"
    /// libpq connection string or URL; nil means "start the embedded cluster".
    public var databaseURL: String?
    public var dbPoolSize: Int = 10
    /// HS256 key for bearer tokens (at least 32 bytes); nil disables authenticated procedures.
    public var jwtSecret: String?
    public var nextAuthSecret: String?
    /// 32-byte AES key for the token vault.
    public var tokenVaultKey: [UInt8]?
    /// Keys that still decrypt (`TOKEN_VAULT_PREVIOUS_KEYS`: comma-separated `keyId:base64`).
    public var tokenVaultPreviousKeys: [[UInt8]] = []
    /// The connector catalog folder (`CONNECTORS_DIR`, default `configs/connectors`).
    public var connectorsDirectory = "configs/connectors"
    /// The longest `Retry-After` an outbound call waits for (`RETRY_AFTER_CAP`, seconds,
    /// default 60); a longer one is handed back to the caller as rate-limited with its reset time.
    public var retryAfterCap: Duration = .seconds(60)
    /// How long one connector HTTP attempt may take (`CONNECTOR_TIMEOUT`, seconds, default 30);
    /// a write that times out has an unknown outcome (the queue reconciles it).
    public var connectorTimeout: Duration = .seconds(30)
    /// The code behind `handler` actions (not from the environment: tests swap in flows with
    /// short waits, such as TikTok's status polling).
    public var connectorFlows: ConnectorFlowRegistry = .standard
    /// How long a connector action that only reads runs before its `running` row is written
    /// (not from the environment: tests lengthen it; see `Orchestrator.Started`).
    public var quietRunRowDelay: Duration = .seconds(1)
    /// Whether flows may fetch media from loopback or private addresses (not from the
    /// environment: tests serve the media a user names by URL on loopback).
    public var connectorMediaFromPrivateHosts = false
    /// Queue workers inside `serve` (`WORKERS`, default 4; 0 = none: run `neonhub worker` instead).
    public var workers = 4
    /// Whether this process enqueues the recurring jobs (token refresh, health checks,
    /// cleanup) when its workers run (`QUEUE_SCHEDULES`, default true). Any number of
    /// processes may: one job per period exists however many do.
    public var queueSchedules = true
    /// Attempts before a job goes to the dead-letter queue (`QUEUE_MAX_ATTEMPTS`, default 8).
    public var queueMaxAttempts = 8
    /// How long a worker's claim on a job lasts without a heartbeat (`QUEUE_LEASE_SECONDS`,
    /// whole seconds 3…3600, default 30): a crashed worker's jobs are reclaimed after it.
    public var queueLease: Duration = .seconds(30)
    /// Days a finished tenant job (`succeeded` or `cancelled`, with its attempts) is kept
    /// before the hourly cleanup deletes it (`QUEUE_RETENTION_DAYS`, 30…3650 — not below the
    /// dashboard's 30-day window; unset: kept for ever). Its idempotency key is forgotten with
    /// it; `dlq` jobs are never deleted.
    public var queueRetentionDays: Int?
    /// The first retry's backoff (doubling, with jitter, up to 15 minutes). Not an environment
    /// variable: tests lengthen it to look at a job between attempts.
    public var queueBackoffBase: Duration = .seconds(2)
    /// The wall clock a provider's documented quota reset is read against ("midnight Pacific"
    /// after now). Not an environment variable: tests move it away from the real midnight so a
    /// reset cannot fall inside the test.
    var quotaClock: @Sendable () -> Date = { Date() }
    /// `CONNECTOR_ENDPOINTS_FILE`: per-connector URL overrides (sandboxes, regional hosts, fakes).
    public var connectorEndpointsFile: String?
    /// `OUTBOUND_CA_FILE`: PEM certificates trusted for provider calls besides the system's (a
    /// private CA, a TLS-inspecting proxy, a test PKI).
    public var outboundCAFile: String?
    /// Simulated latency of mock mode in milliseconds (`MOCK_CONNECTOR_LATENCY_MS`); nil keeps each fixture file's.
    public var mockConnectorLatencyMs: Int?
    /// The environment's connector app settings (`<CONNECTOR>_CLIENT_ID`, `_CLIENT_SECRET`,
    /// `GOOGLE_ADS_DEVELOPER_TOKEN`…): variables whose names end in one of the app-setting
    /// suffixes. Secret values: never logged.
    public var connectorEnvironment: [String: String] = [:]
    public var useMockConnectors = false
    /// The server's public base URL (`PUBLIC_URL`); OAuth redirect URIs are
    /// `${PUBLIC_URL}/oauth/callback/<connector>`. Default `http://localhost:<port>`.
    public var publicURL: String?
    /// The verify token Meta's webhook handshake must present (`META_WEBHOOK_VERIFY_TOKEN`).
    public var metaWebhookVerifyToken: String?
    /// The secrets that authenticate webhook deliveries (`META_APP_SECRET`, `SHOPIFY_API_SECRET`,
    /// `STRIPE_WEBHOOK_SECRET`, `SLACK_SIGNING_SECRET`, `TIKTOK_CLIENT_SECRET`,
    /// `LINKEDIN_CLIENT_SECRET`, `TWILIO_AUTH_TOKEN`, `PAGERDUTY_WEBHOOK_SECRET`,
    /// `DOCUSIGN_CONNECT_SECRET`, `MAILCHIMP_WEBHOOK_KEY`). Never logged.
    public var webhookSecrets = WebhookSecrets()
    /// Which agent runs for which webhook event (`TRIGGERS_FILE`). Unset: `configs/triggers.json`
    /// when it exists, else no triggers (with a warning). A file that is set or present but
    /// invalid stops start-up.
    public var triggersFile: String?
    /// The UI (`APP_URL`): after OAuth the browser goes to `${APP_URL}/connections?…`.
    public var appURL: String?
    public var openAIAPIKey: String?
    public var openAIBaseURL = "https://api.openai.com/v1"
    public var llmProvider = "template"
    public var logLevel: Logger.Level = .info
    public var logFormat = "text"
    public var rateLimitPerMinute = 600
    public var maxBodyBytes = 1024 * 1024
    public var headerTimeout: Duration = .seconds(10)
    public var idleTimeout: Duration = .seconds(60)
    public var shutdownGrace: Duration = .seconds(10)
    public var maxConnections = 10_000
    public var corsOrigins: [String] = []
    /// Folder of the `NNNN_name.sql` migrations (`MIGRATIONS_DIR`, default `Migrations`).
    public var migrationsDirectory = "Migrations"
    /// Daily LLM token budget per tenant and agent (`AGENT_DAILY_TOKEN_BUDGET`).
    public var agentDailyTokenBudget = 2_000_000
    /// Daily LLM cost budget in USD per tenant and agent (`AGENT_DAILY_COST_BUDGET_USD`).
    public var agentDailyCostBudgetUSD = 50.0
    /// Consecutive failures that open an agent's circuit breaker (`AGENT_BREAKER_THRESHOLD`).
    public var agentBreakerThreshold = 5
    /// Seconds an open breaker waits before a probe run (`AGENT_BREAKER_COOLDOWN`).
    public var agentBreakerCoolDown: Duration = .seconds(30)
    /// The LLM price table (`LLM_PRICES_FILE`, default `configs/llm-prices.json`).
    public var llmPricesFile = "configs/llm-prices.json"
    /// Whether to open the database at all (not from the environment: tests of the HTTP
    /// surface that need no data turn it off).
    public var useDatabase = true

    /// Defaults only (no environment).
    public init() {}

    /// Everything wrong with an environment, one line per problem.
    public struct Problems: Error, CustomStringConvertible {
        public var lines: [String]
        public var description: String { lines.joined(separator: "\n") }
    }

    /// Reads and validates the environment; throws every problem at once.
    public static func load(from env: [String: String]) throws(Problems) -> AppConfig {
        var c = AppConfig()
        var problems: [String] = []
        func value(_ key: String) -> String? {
            guard let v = env[key]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        func integer(_ key: String, _ range: ClosedRange<Int>, into target: inout Int) {
            guard let raw = value(key) else { return }
            if let v = Int(raw), range.contains(v) {
                target = v
            } else {
                problems.append("\(key) must be a whole number in \(range.lowerBound)...\(range.upperBound) (got '\(raw)')")
            }
        }
        func seconds(_ key: String, into target: inout Duration) {
            guard let raw = value(key) else { return }
            if let v = Double(raw), v >= 0.001, v <= 86_400 {
                target = .milliseconds(Int64(v * 1000))
            } else {
                problems.append("\(key) must be a number of seconds between 0.001 and 86400 (got '\(raw)')")
            }
        }
        func boolean(_ key: String, into target: inout Bool) {
            guard let raw = value(key)?.lowercased() else { return }
            switch raw {
            case "true", "1", "yes", "on": target = true
            case "false", "0", "no", "off": target = false
            default: problems.append("\(key) must be true or false (got '\(raw)')")
            }
        }

        integer("PORT", 0...65535, into: &c.port)
        if let host = value("HOST") { c.host = host }
        c.databaseURL = value("DATABASE_URL")
        if let url = c.databaseURL, !PostgresConnectionString.isValid(url) {
            problems.append("DATABASE_URL: \(PostgresConnectionString.invalidMessage)")
        }
        integer("DB_POOL_SIZE", 1...200, into: &c.dbPoolSize)
        if let dir = value("MIGRATIONS_DIR") { c.migrationsDirectory = dir }
        if let prices = value("LLM_PRICES_FILE") { c.llmPricesFile = prices }
        if let secret = value("JWT_SECRET") {
            if secret.utf8.count < 32 {
                problems.append("JWT_SECRET must be at least 32 bytes (got \(secret.utf8.count))")
            } else {
                c.jwtSecret = secret
            }
        }
        if let secret = value("NEXTAUTH_SECRET") { c.nextAuthSecret = secret }
        if let key = value("TOKEN_VAULT_KEY") {
            if let data = Data(base64Encoded: key), data.count == 32 {
                c.tokenVaultKey = [UInt8](data)
            } else {
                problems.append("TOKEN_VAULT_KEY must be base64 of exactly 32 bytes")
            }
        }
        if let previous = value("TOKEN_VAULT_PREVIOUS_KEYS") {
            do {
                c.tokenVaultPreviousKeys = try VaultKeyring.parsePrevious(previous).map(\.bytes)
            } catch {
                problems.append(error.message)
            }
        }
        if let directory = value("CONNECTORS_DIR") { c.connectorsDirectory = directory }
        c.connectorEndpointsFile = value("CONNECTOR_ENDPOINTS_FILE")
        c.outboundCAFile = value("OUTBOUND_CA_FILE")
        if let file = c.outboundCAFile {
            // Read now: a wrong path would otherwise fail every connector call as "unavailable".
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            if !text.contains("-----BEGIN CERTIFICATE-----") {
                problems.append("OUTBOUND_CA_FILE must be a readable PEM file of CA certificates (got '\(file)')")
            }
        }
        seconds("RETRY_AFTER_CAP", into: &c.retryAfterCap)
        integer("WORKERS", 0...256, into: &c.workers)
        seconds("CONNECTOR_TIMEOUT", into: &c.connectorTimeout)
        integer("QUEUE_MAX_ATTEMPTS", 1...100, into: &c.queueMaxAttempts)
        boolean("QUEUE_SCHEDULES", into: &c.queueSchedules)
        if value("QUEUE_LEASE_SECONDS") != nil {
            var lease = 30
            integer("QUEUE_LEASE_SECONDS", 3...3600, into: &lease)
            c.queueLease = .seconds(lease)
        }
        if value("QUEUE_RETENTION_DAYS") != nil {
            var days = 0
            integer("QUEUE_RETENTION_DAYS", 30...3650, into: &days)
            c.queueRetentionDays = days
        }
        if value("MOCK_CONNECTOR_LATENCY_MS") != nil {
            var latency = 0
            integer("MOCK_CONNECTOR_LATENCY_MS", 0...60_000, into: &latency)
            c.mockConnectorLatencyMs = latency
        }
        c.connectorEnvironment = env.filter { name, value in
            !value.isEmpty
                && ["_CLIENT_ID", "_CLIENT_SECRET", "_DEVELOPER_TOKEN", "_API_KEY", "_APP_ID", "_LOGIN_CUSTOMER_ID", "_USER_AGENT"].contains {
                    name.hasSuffix($0)
                }
        }
        boolean("USE_MOCK_CONNECTORS", into: &c.useMockConnectors)
        c.metaWebhookVerifyToken = value("META_WEBHOOK_VERIFY_TOKEN")
        c.webhookSecrets = WebhookSecrets.load(value)
        if let retired = value("MAILCHIMP_WEBHOOK_SECRET"), retired == c.webhookSecrets.mailchimpWebhookKey {
            problems.append(
                "MAILCHIMP_WEBHOOK_KEY must be a new value: MAILCHIMP_WEBHOOK_SECRET was in every tenant's Mailchimp URL, so tokens keyed with it can be forged"
            )
        }
        c.triggersFile = value("TRIGGERS_FILE")
        for (key, keyPath) in [("PUBLIC_URL", \AppConfig.publicURL), ("APP_URL", \AppConfig.appURL)] {
            guard let raw = value(key) else { continue }
            if let url = URL(string: raw), url.scheme == "http" || url.scheme == "https", url.host != nil, url.query == nil {
                c[keyPath: keyPath] = raw.hasSuffix("/") ? String(raw.dropLast()) : raw
            } else {
                problems.append("\(key) must be an http(s) URL without a query (got '\(raw)')")
            }
        }
        c.openAIAPIKey = value("OPENAI_API_KEY")
        if let base = value("OPENAI_BASE_URL") {
            if let url = URL(string: base), url.scheme == "http" || url.scheme == "https", url.host != nil {
                c.openAIBaseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
            } else {
                problems.append("OPENAI_BASE_URL must be an http(s) URL (got '\(base)')")
            }
        }
        if let provider = value("LLM_PROVIDER")?.lowercased() {
            if ["openai", "template"].contains(provider) {
                c.llmProvider = provider
            } else {
                problems.append("LLM_PROVIDER must be 'openai' or 'template' (got '\(provider)')")
            }
        } else if c.openAIAPIKey != nil {
            c.llmProvider = "openai"
        }
        if c.llmProvider == "openai" && c.openAIAPIKey == nil {
            problems.append("LLM_PROVIDER=openai needs OPENAI_API_KEY")
        }
        if let level = value("LOG_LEVEL")?.lowercased() {
            if let l = Logger.Level(rawValue: level) {
                c.logLevel = l
            } else {
                problems.append("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical (got '\(level)')")
            }
        }
        if let format = value("LOG_FORMAT")?.lowercased() {
            if ["json", "text"].contains(format) {
                c.logFormat = format
            } else {
                problems.append("LOG_FORMAT must be 'json' or 'text' (got '\(format)')")
            }
        }
        integer("RATE_LIMIT_PER_MINUTE", 1...1_000_000_000, into: &c.rateLimitPerMinute)
        integer("MAX_BODY_BYTES", 1024...(256 * 1024 * 1024), into: &c.maxBodyBytes)
        seconds("HEADER_TIMEOUT", into: &c.headerTimeout)
        seconds("IDLE_TIMEOUT", into: &c.idleTimeout)
        seconds("SHUTDOWN_GRACE", into: &c.shutdownGrace)
        integer("MAX_CONNECTIONS", 1...1_000_000, into: &c.maxConnections)
        integer("AGENT_DAILY_TOKEN_BUDGET", 1...1_000_000_000_000, into: &c.agentDailyTokenBudget)
        if let raw = value("AGENT_DAILY_COST_BUDGET_USD") {
            if let v = Double(raw), v >= 0 {
                c.agentDailyCostBudgetUSD = v
            } else {
                problems.append("AGENT_DAILY_COST_BUDGET_USD must be a number >= 0 (got '\(raw)')")
            }
        }
        integer("AGENT_BREAKER_THRESHOLD", 1...1000, into: &c.agentBreakerThreshold)
        seconds("AGENT_BREAKER_COOLDOWN", into: &c.agentBreakerCoolDown)
        if let origins = value("CORS_ORIGINS") {
            let entries = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            c.corsOrigins = []
            for entry in entries {
                if let origin = entry == "*" ? "*" : CORSOrigin.normalized(entry) {
                    c.corsOrigins.append(origin)
                } else {
                    problems.append("CORS_ORIGINS entries must be origins like https://app.example.com (scheme, host, optional port; got '\(entry)')")
                }
            }
        }
        if !problems.isEmpty { throw Problems(lines: problems) }
        return c
    }
}
