public import Foundation
public import Logging
public import Postgres

/// Receives webhook deliveries and handshakes (DESIGN §10), without HTTP types: verifies the
/// provider's signature over the raw bytes, answers the verification handshakes, finds the
/// events with their ids, types and accounts, and stores them (deduplicated, routed to a
/// connection, queued for `WebhookEventProcessor`) before answering — no processing inline.
/// Counts every outcome in `neonhub_webhook_events_total{connector,outcome}`.
public final class WebhookService: Sendable {
    let secrets: WebhookSecrets
    let metaVerifyToken: String?
    let publicURL: @Sendable () -> String
    let store: WebhookStore
    let metrics: NeonHubMetrics
    let logger: Logger
    let clock: @Sendable () -> Date
    let accountSecrets: AccountSecrets?

    /// The secrets a provider account signs its deliveries with, from the connections that
    /// hold them (Twilio: each account's own Auth Token), by connector and account id.
    public typealias AccountSecrets = @Sendable (_ connector: WebhookConnector, _ account: String) async -> [String]

    /// A service over the configured secrets and the database. `publicURL` is the server's
    /// public base (Twilio signs full URLs); `accountSecrets` finds the secrets of connected
    /// accounts; `clock` is injectable for tests.
    public init(
        secrets: WebhookSecrets, metaVerifyToken: String?, publicURL: @escaping @Sendable () -> String, pool: PostgresPool,
        metrics: NeonHubMetrics, logger: Logger, accountSecrets: AccountSecrets? = nil, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.accountSecrets = accountSecrets
        self.secrets = secrets
        self.metaVerifyToken = metaVerifyToken
        self.publicURL = publicURL
        store = WebhookStore(pool: pool)
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    /// The connector named in the URL, or `unknownConnector`.
    func connector(_ id: String) throws(WebhookError) -> WebhookConnector {
        guard let connector = WebhookConnector(rawValue: id) else {
            throw WebhookError(.unknownConnector, "No webhooks for \(id.prefix(64))")
        }
        return connector
    }

    /// The verifier of a connector whose secret is set, or `notConfigured`.
    func scheme(_ connector: WebhookConnector) throws(WebhookError) -> any WebhookSignatureScheme {
        guard let scheme = connector.scheme(secrets: secrets, publicURL: publicURL()) else {
            throw WebhookError(
                .notConfigured, "Webhooks for \(connector.rawValue) are not configured on this server (set \(connector.secretVariable))")
        }
        return scheme
    }

    /// A `POST` delivery: 401 (`WebhookError`) and nothing stored unless signed; else the
    /// events stored and 200 (also for duplicates and unmatched events). Slack's
    /// `url_verification` is answered with its challenge once the signature holds.
    public func receive(_ request: WebhookRequest) async throws -> WebhookReply {
        let connector = try connector(request.connector)
        let scheme = try await verified(request, connector: connector)
        if connector == .slack, let challenge = Self.slackChallenge(request.body) {
            metrics.recordWebhookEvent(connector: connector.rawValue, outcome: "handshake")
            return .json(.object(["challenge": .string(challenge)]))
        }
        let events = try WebhookEventParser.events(connector, request)
        // A URL that names its connection (Mailchimp's, verified above) routes to that one only.
        let pinned = connector == .mailchimp ? MailchimpSecret.connectionID(request) : nil
        let outcomes = try await store.store(
            connector: connector.rawValue, events: events, headers: Self.storedHeaders(request, scheme: scheme), pinned: pinned)
        for outcome in outcomes {
            metrics.recordWebhookEvent(connector: connector.rawValue, outcome: outcome.rawValue)
            if outcome == .accepted { metrics.recordJobAdded(kind: "webhook_event") }
        }
        if connector == .twilio { return .emptyTwiML }
        return .json(
            .object([
                "received": .number(Double(outcomes.count)),
                "accepted": .number(Double(outcomes.filter { $0 == .accepted }.count)),
                "duplicates": .number(Double(outcomes.filter { $0 == .duplicate }.count)),
                "unmatched": .number(Double(outcomes.filter { $0 == .unmatched }.count)),
            ]))
    }

    /// The scheme that verifies `request`, tried with each candidate secret: the connected
    /// account's own (Twilio: the Auth Token of the `AccountSid` it names, when a connection
    /// authenticates with it), then the server's. 401 (`WebhookError`, counted and logged) when
    /// none does; `notConfigured` when there is no secret to try.
    func verified(_ request: WebhookRequest, connector: WebhookConnector) async throws -> any WebhookSignatureScheme {
        var candidates: [any WebhookSignatureScheme] = []
        if connector == .twilio, let accountSecrets, let account = TwilioSignature.accountSid(request) {
            candidates += await accountSecrets(connector, account).map { TwilioSignature(authToken: $0, publicURL: publicURL()) }
        }
        if let configured = connector.scheme(secrets: secrets, publicURL: publicURL()) { candidates.append(configured) }
        // Nothing to check with: not configured (503, naming the variable) — unless connected
        // accounts could have had a secret, in which case this delivery names none of them: 401.
        let connectionsSign = connector == .twilio && accountSecrets != nil
        if candidates.isEmpty, !connectionsSign { _ = try scheme(connector) }
        var firstError: WebhookError?
        for candidate in candidates {
            do {
                try candidate.verify(request, now: clock())
                return candidate
            } catch {
                firstError = firstError ?? error
            }
        }
        let error = firstError ?? WebhookError(.invalidSignature, "the delivery names no connected account, and the server has no secret of its own")
        metrics.recordWebhookEvent(connector: connector.rawValue, outcome: "rejected")
        logger.notice("webhook rejected", metadata: ["connector": "\(connector.rawValue)", "reason": "\(error.code.rawValue)"])
        throw error
    }

    /// A `GET`: Meta's `hub.challenge` (with `META_WEBHOOK_VERIFY_TOKEN`), LinkedIn's
    /// `challengeCode` (a UUID; HMAC-SHA256 with the client secret) and Mailchimp's URL check (200).
    /// Other connectors have no handshake: nil (the adapter answers 405).
    public func handshake(_ request: WebhookRequest) throws -> WebhookReply? {
        let connector = try connector(request.connector)
        let reply: WebhookReply
        switch connector {
        case .meta, .whatsapp:
            reply = MetaHandshake.answer(query: request.queryParameters, verifyToken: metaVerifyToken)
        case .linkedin:
            // Only a UUID, as LinkedIn sends: the answer is the HMAC that `X-LI-Signature` checks
            // over a body, so answering any text would sign any body an anonymous caller chose.
            guard let code = request.queryParameters["challengeCode"], code.utf8.count == 36, UUID(uuidString: code) != nil else {
                return .text("challengeCode must be a UUID\n", status: 400)
            }
            guard let linkedIn = try scheme(connector) as? LinkedInSignature else { return nil }
            reply = .json(.object(["challengeCode": .string(code), "challengeResponse": .string(linkedIn.challengeResponse(code))]))
        case .mailchimp:
            reply = .text("ok\n")
        default:
            return nil
        }
        if reply.status == 200 { metrics.recordWebhookEvent(connector: connector.rawValue, outcome: "handshake") }
        return reply
    }

    /// Slack's `{"type": "url_verification", "challenge": …}`, if this is one.
    static func slackChallenge(_ body: [UInt8]) -> String? {
        guard WebhookEventParser.isJSON(body), let json = try? JSONValue.parse(body),
            JSONPath.text(json["type"]) == "url_verification", let challenge = JSONPath.text(json["challenge"])
        else { return nil }
        return String(challenge.prefix(512))
    }

    /// The request's headers for `webhook_events.headers`: names lower-cased, without the
    /// scheme's signature headers or anything else that authenticates.
    static func storedHeaders(_ request: WebhookRequest, scheme: any WebhookSignatureScheme) -> JSONValue {
        let removed = Set(scheme.signatureHeaders.map { $0.lowercased() } + ["authorization", "cookie", "proxy-authorization"])
        var out: [String: JSONValue] = [:]
        for (name, value) in request.headers {
            let lower = name.lowercased()
            guard !removed.contains(lower), !lower.contains("signature"), !lower.contains("hmac") else { continue }
            if case .string(let earlier)? = out[lower] { out[lower] = .string(earlier + ", " + value) } else { out[lower] = .string(value) }
        }
        return .object(out)
    }
}
