import Foundation

/// Turns an attempt's outcome into the job's next state: exponential backoff with jitter,
/// a provider's `Retry-After` honoured (a wait longer than `retryAfterCap` re-queues the job
/// for the provider's reset time and does not count as an attempt, for `rateLimitPatience`
/// after its first start; after that it counts), the dead-letter queue after `maxAttempts`,
/// and reconciliation before anything else for an unknown outcome, asked again with the same
/// growing backoff while the platform cannot be asked.
struct QueueRetryPolicy: Sendable {
    /// The first retry's delay.
    var base: Duration = .seconds(2)
    /// The longest backoff.
    var maxDelay: Duration = .seconds(900)
    /// The longest `Retry-After` treated as an ordinary retry.
    var retryAfterCap: Duration = .seconds(60)
    /// How long after its first start a job's long rate limits stop being refunded: a
    /// provider answering 429 for a lasting condition does not keep a job for ever.
    var rateLimitPatience: Duration = .seconds(86_400)
    /// A random fraction in 0..<1 (injectable for tests).
    var random: @Sendable () -> Double = { Double.random(in: 0..<1) }

    /// The backoff before retry number `attempt` (1-based): `base · 2^(attempt-1)`, capped,
    /// with "equal jitter" (between half and all of it).
    func backoff(attempt: Int) -> TimeInterval {
        let raw = min(Double(base.components.seconds) * pow(2, Double(max(0, attempt - 1))), Double(maxDelay.components.seconds))
        return raw / 2 + raw / 2 * random()
    }

    func transition(for outcome: JobOutcome, job: QueueJob, now: Date = Date()) -> QueueStore.Transition {
        var next = decide(outcome, job: job, now: now)
        // A failure that came with a checkpoint (a post under way at the provider) keeps it,
        // whatever comes next: a retry or a replay from the DLQ resumes from it (a refused
        // credential while TikTok processes: the person reconnects and replays, and the same
        // publish is read, not started again). A flow whose work failed at the provider clears
        // its own checkpoint (TikTok's FAILED: `publishId` null), so a replay starts over.
        switch outcome {
        case .retry(let failure), .unknown(let failure), .permanent(let failure): next.checkpoint = next.checkpoint ?? failure.checkpoint
        default: break
        }
        return next
    }

    private func decide(_ outcome: JobOutcome, job: QueueJob, now: Date) -> QueueStore.Transition {
        switch outcome {
        case .succeeded(let result, let remoteID, let remoteURL):
            return .init(status: .succeeded, attemptOutcome: "succeeded", result: result, remoteID: remoteID, remoteURL: remoteURL)
        case .permanent(let failure):
            return .init(status: .dlq, attemptOutcome: "permanent", failure: failure, dlqReason: "permanent: \(failure.code)")
        case .deferred(let until, let reason, let checkpoint):
            return .init(
                status: .queued, attemptOutcome: "deferred", runAfter: until, waitReason: reason, refundAttempt: true, checkpoint: checkpoint)
        case .unknown(let failure):
            if job.attempts >= job.maxAttempts {
                return .init(status: .dlq, attemptOutcome: "unknown", failure: failure, dlqReason: "outcome_unknown")
            }
            return .init(
                status: .unknown, attemptOutcome: "unknown", runAfter: now.addingTimeInterval(backoff(attempt: job.attempts)),
                waitReason: "reconcile: the platform is checked before anything is sent again", failure: failure)
        case .retry(let failure):
            let rateLimited = failure.code == "providerRateLimited"
            let retryAfter = failure.retryAfterSeconds.map(TimeInterval.init)
            let patient = now.timeIntervalSince(job.startedAt ?? now) < Double(rateLimitPatience.components.seconds)
            if rateLimited, patient, let retryAfter, retryAfter > Double(retryAfterCap.components.seconds) {
                return .init(
                    status: .queued, attemptOutcome: "rate_limited", runAfter: now.addingTimeInterval(retryAfter),
                    waitReason: "rate_limited: the provider asked for \(Int(retryAfter)) s", failure: failure, refundAttempt: true)
            }
            if job.attempts >= job.maxAttempts {
                return .init(
                    status: .dlq, attemptOutcome: rateLimited ? "rate_limited" : "retryable", failure: failure,
                    dlqReason: "max_attempts: \(failure.code)")
            }
            let delay = max(backoff(attempt: job.attempts), retryAfter ?? 0)
            return .init(
                status: .retrying, attemptOutcome: rateLimited ? "rate_limited" : "retryable", runAfter: now.addingTimeInterval(delay),
                waitReason: retryAfter != nil ? "retry_after" : "backoff", failure: failure)
        }
    }
}
