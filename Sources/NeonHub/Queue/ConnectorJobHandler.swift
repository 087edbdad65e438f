import Foundation

/// Runs `publish` and `action` jobs: the connector action on the job's connection and
/// account, with the job's idempotency key (sent as the provider's idempotency header where
/// the action declares one). Provider errors become the queue's outcomes: a timeout after a
/// publish was sent is `unknown` (reconciled before anything is sent again), 5xx and network
/// failures are retried, rate limits are retried at the provider's reset time and teach the
/// connection's budget, anything that needs a person goes to the dead-letter queue.
struct ConnectorJobHandler: JobHandler {
    let service: ConnectorService
    let store: QueueStore
    let reconciler: PostReconciler
    /// The wall clock quota resets are computed from (`AppConfig.quotaClock`).
    var now: @Sendable () -> Date = { Date() }

    /// The action's input: the job's, with what an earlier run left to resume from (its
    /// `checkpoint`: TikTok's publish id) on top. The checkpoint is kept apart from the input so
    /// that a replay from the dead-letter queue can start the provider's flow over.
    static func input(of job: QueueJob) -> JSONValue {
        guard case .object(var input) = job.payload["input"] ?? .object([:]) else { return job.payload["input"] ?? .null }
        // A member set to null in the checkpoint was cleared by its flow (TikTok's publish id
        // after FAILED): it is left out, not passed on as null.
        if case .object(let checkpoint)? = job.payload["checkpoint"] {
            for (key, value) in checkpoint { input[key] = value == .null ? nil : value }
        }
        return .object(input)
    }

    func run(_ job: QueueJob) async -> JobOutcome {
        guard let connectionID = job.connectionID, let connector = job.connector, let action = job.action else {
            return .permanent(JobFailure(code: "invalidJob", message: "The job names no connection or action"))
        }
        let rateLimit = service.catalog[connector]?.definition.rateLimit
        if let blocked = await spentBudget(connector: connector, connection: connectionID, rateLimit: rateLimit) {
            return .deferred(
                until: blocked.until,
                reason:
                    "quota: \(connector) budget spent (learned from \(blocked.source)) until \(ISO8601DateFormatter().string(from: blocked.until))")
        }
        let connection: ConnectionStore.Connection
        do {
            guard let found = try await service.connections.get(tenant: job.tenantID, id: connectionID) else {
                return .permanent(JobFailure(code: "connectionNotFound", message: "The connection no longer exists"))
            }
            connection = found
        } catch {
            return .retry(JobFailure(code: "databaseUnavailable", message: "The connection could not be read"))
        }
        let input = Self.input(of: job)
        let call = ConnectorCall(connector: connector, action: action, input: input, accountID: job.accountID, idempotencyKey: job.idempotencyKey)
        let request = Self.requestRecord(job: job, input: input)
        do {
            let result = try await service.perform(call, connection: connection)
            if let reading = result.rateLimit, let resetsAt = reading.resetsAt {
                try? await store.learnQuota(
                    connector: connector, connection: connectionID, remaining: reading.isSpent ? 0 : reading.remaining,
                    resetsAt: resetsAt, source: reading.source)
            }
            return .succeeded(
                result: result.output, remoteID: Self.remoteID(result.output), remoteURL: Self.remoteURL(result.output, connector: connector))
        } catch let error as ConnectorError {
            var failure = JobFailure(
                code: error.code.rawValue, message: error.message, retryAfterSeconds: error.retryAfterSeconds, request: request,
                response: .object([
                    "code": .string(error.code.rawValue), "message": .string(error.message),
                    "providerCode": error.providerCode.map(JSONValue.string) ?? .null,
                ]))
            failure.httpStatus = Self.status(in: error.message)
            failure.checkpoint = error.checkpoint
            switch error.code {
            case .providerTimeout:
                // A timeout with a checkpoint (a status read of a publish under way) is resumed
                // from it: nothing can be sent twice, so there is nothing to reconcile.
                return job.kind == .publish && error.checkpoint == nil ? .unknown(failure) : .retry(failure)
            case .providerUnavailable, .vaultKeyMissing:
                // A vault key missing here is this process's setup (a rotation rolling out):
                // tried again later, perhaps by a worker that has the key.
                return .retry(failure)
            case .providerPending:
                // Accepted and still processing at the provider: wait without holding a worker,
                // keeping what lets the action resume (never redo an upload).
                let until = error.resumeAt ?? Date().addingTimeInterval(60)
                return .deferred(until: until, reason: "pending: \(error.message)", checkpoint: error.checkpoint)
            case .providerRateLimited:
                // The provider's own reset wins; without one, the catalog's documented window
                // (LinkedIn's daily quotas reset at midnight UTC); without that, a minute.
                let now = self.now()
                let documented = rateLimit?.nextReset(after: now)
                let resetsAt = error.retryAfterSeconds.map { now.addingTimeInterval(TimeInterval($0)) } ?? documented ?? now.addingTimeInterval(60)
                let source = error.retryAfterSeconds != nil ? "retry-after" : documented != nil ? "429 and the documented window" : "429"
                try? await store.learnQuota(connector: connector, connection: connectionID, remaining: 0, resetsAt: resetsAt, source: source)
                failure.retryAfterSeconds = max(1, Int(resetsAt.timeIntervalSince(now).rounded(.up)))
                return .retry(failure)
            default:
                return .permanent(failure)
            }
        } catch {
            return .retry(JobFailure(code: "internal", message: "The action failed unexpectedly", request: request))
        }
    }

    /// When the connection's budget opens again if it is spent: what providers taught it, and
    /// for connectors whose catalog documents a count per window, one call taken from it.
    private func spentBudget(connector: String, connection: UUID, rateLimit: ConnectorDefinition.RateLimit?) async -> (until: Date, source: String)? {
        if let rateLimit, let limit = rateLimit.requests, let windowEnd = rateLimit.nextReset(after: now()) {
            return try? await store.takeQuota(connector: connector, connection: connection, limit: limit, windowEnd: windowEnd)
        }
        return try? await store.quotaBlockedUntil(connector: connector, connection: connection)
    }

    func reconcile(_ job: QueueJob) async -> ReconcileResult {
        guard let connection = job.connectionID else { return await reconciler.reconcile(job, service: service) }
        return await reconciler.reconcile(job, service: service) { [store] id in
            try await store.claimRemoteID(id, job: job.id, connection: connection)
        }
    }

    /// What was asked, for the dead-letter queue: the action and its input, redacted.
    static func requestRecord(job: QueueJob, input: JSONValue) -> JSONValue {
        .object([
            "connector": .string(job.connector ?? ""), "action": .string(job.action ?? ""), "accountId": job.accountID.map(JSONValue.string) ?? .null,
            "input": Sanitizer.sanitize(input), "idempotencyKey": .string(job.idempotencyKey),
        ])
    }

    /// The platform's id of what was created: `id`, `postId` or `urn` of the action's output.
    static func remoteID(_ output: JSONValue) -> String? {
        for key in ["id", "postId", "urn", "mediaId"] {
            if case .string(let text)? = output[key], !text.isEmpty { return text }
            if case .number(let number)? = output[key] {
                // A provider's number, not ours to trust: 1e19 or NaN must not stop the process.
                if let whole = Int64(exactly: number) { return String(whole) }
                return number.isFinite ? String(number) : nil
            }
        }
        return nil
    }

    /// Where the post can be seen: the output's own URL, or the platform's canonical one.
    static func remoteURL(_ output: JSONValue, connector: String) -> String? {
        for key in ["url", "permalink", "permalinkUrl", "permalink_url"] {
            if case .string(let text)? = output[key], text.hasPrefix("http") { return text }
        }
        guard let id = remoteID(output) else { return nil }
        switch connector {
        case "meta": return "https://www.facebook.com/\(id)"
        case "linkedin": return "https://www.linkedin.com/feed/update/\(id)/"
        case "x": return "https://x.com/i/web/status/\(id)"
        case "reddit": return id.hasPrefix("t3_") ? "https://www.reddit.com/comments/\(id.dropFirst(3))/" : nil
        case "youtube": return "https://www.youtube.com/watch?v=\(id)"
        case "google-ads": return nil  // the id is the resource name; the Ads UI addresses campaigns by an internal ocid, not by it
        // A product's GID names no shop: its online-store preview URL does.
        case "shopify": return JSONPath.text(output["previewUrl"]).flatMap { $0.hasPrefix("https://") ? $0 : nil }
        default: return nil
        }
    }

    /// The HTTP status a connector error's message names (`(HTTP 503)`), if any.
    static func status(in message: String) -> Int? {
        guard let range = message.range(of: "(HTTP ") else { return nil }
        return Int(message[range.upperBound...].prefix(3))
    }
}
