import Foundation
import Testing

@testable import NeonHub

/// `runAt` in an IANA zone across DST changes. Expected instants are from the tz database:
/// Europe/Paris moves from +01:00 to +02:00 at 01:00 UTC on 2026-03-29 and back at 01:00 UTC
/// on 2026-10-25; America/New_York from -05:00 to -04:00 at 07:00 UTC on 2026-03-08.
@Suite struct ScheduleTimeTests {
    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    @Test(
        arguments: [
            ("2026-01-15T09:00:00", "Europe/Paris", "2026-01-15T08:00:00Z"),  // winter, +01:00
            ("2026-07-15T09:00:00", "Europe/Paris", "2026-07-15T07:00:00Z"),  // summer, +02:00
            ("2026-03-29T02:30:00", "Europe/Paris", "2026-03-29T01:30:00Z"),  // in the spring gap: 03:30 CEST
            ("2026-10-25T02:30:00", "Europe/Paris", "2026-10-25T00:30:00Z"),  // twice in autumn: the first (CEST)
            ("2026-03-08T02:15", "America/New_York", "2026-03-08T07:15:00Z"),  // gap: 03:15 EDT
            ("2026-03-08T01:59:59", "America/New_York", "2026-03-08T06:59:59Z"),  // just before the change, EST
            ("2026-06-01T12:00:00Z", "Asia/Tokyo", "2026-06-01T12:00:00Z"),  // an explicit offset wins
            ("2026-06-01T12:00:00+05:30", nil, "2026-06-01T06:30:00Z"),
            ("2026-06-01T12:00:00", nil, "2026-06-01T12:00:00Z"),  // no zone: UTC
        ] as [(String, String?, String)])
    func localTimesResolveToTheRightInstant(runAt: String, zone: String?, expected: String) throws {
        #expect(Self.iso(try ScheduleTime.resolve(runAt: runAt, timeZone: zone)) == expected)
    }

    @Test func badInputIsAnInvalidScheduleNamingTheProblem() {
        for (runAt, zone) in [
            ("2026-02-30T10:00:00", "UTC"), ("tomorrow", "UTC"), ("2026-06-01T25:00:00", "UTC"),
            ("2026-06-01T10:00:00+5", "UTC"), ("2026-06-01T10:00:00", "Europe/Atlantis"),
        ] {
            let error = #expect(throws: QueueError.self) { try ScheduleTime.resolve(runAt: runAt, timeZone: zone) }
            #expect(error?.code == .invalidSchedule, "\(runAt) \(zone)")
        }
    }
}

/// The queue's retry policy: backoff with jitter, `Retry-After`, the DLQ.
@Suite struct QueueRetryPolicyTests {
    static func job(attempts: Int, max: Int = 5) throws -> QueueJob {
        QueueJob(tenantID: "tenant-a", kind: .publish, idempotencyKey: "k", attempts: attempts, maxAttempts: max)
    }

    @Test func backoffDoublesWithJitterAndIsCapped() {
        let low = QueueRetryPolicy(base: .seconds(2), maxDelay: .seconds(900), random: { 0 })
        let high = QueueRetryPolicy(base: .seconds(2), maxDelay: .seconds(900), random: { 0.999999 })
        #expect(low.backoff(attempt: 1) == 1 && high.backoff(attempt: 1) > 1.99)
        #expect(low.backoff(attempt: 4) == 8 && high.backoff(attempt: 4) > 15.9)
        #expect(low.backoff(attempt: 30) == 450 && high.backoff(attempt: 30) <= 900)
    }

    @Test func retryAfterIsHonouredAndALongOneRequeuesWithoutSpendingAnAttempt() throws {
        let policy = QueueRetryPolicy(base: .seconds(2), retryAfterCap: .seconds(60), random: { 0 })
        let now = Date(timeIntervalSince1970: 1_000_000)
        let short = policy.transition(
            for: .retry(JobFailure(code: "providerRateLimited", message: "429", retryAfterSeconds: 30)), job: try Self.job(attempts: 1), now: now)
        #expect(
            short.status == .retrying && short.runAfter == now.addingTimeInterval(30) && short.waitReason == "retry_after" && !short.refundAttempt)
        let long = policy.transition(
            for: .retry(JobFailure(code: "providerRateLimited", message: "429", retryAfterSeconds: 3600)), job: try Self.job(attempts: 5), now: now)
        #expect(long.status == .queued && long.runAfter == now.addingTimeInterval(3600) && long.refundAttempt)  // even at the last attempt
        let plain = policy.transition(for: .retry(JobFailure(code: "providerUnavailable", message: "503")), job: try Self.job(attempts: 3), now: now)
        #expect(plain.status == .retrying && plain.runAfter == now.addingTimeInterval(4) && plain.waitReason == "backoff")
    }

    /// A provider answering 429 with a long reset for a lasting condition does not keep a job
    /// for ever: a day after its first start, its long rate limits count as attempts.
    @Test func longRateLimitsStopBeingRefundedADayAfterTheFirstStart() throws {
        let policy = QueueRetryPolicy(base: .seconds(2), retryAfterCap: .seconds(60), random: { 0 })
        let now = Date(timeIntervalSince1970: 1_000_000)
        let limited = JobOutcome.retry(JobFailure(code: "providerRateLimited", message: "429", retryAfterSeconds: 3600))
        var job = try Self.job(attempts: 2)
        job.startedAt = now.addingTimeInterval(-3600)
        #expect(policy.transition(for: limited, job: job, now: now).refundAttempt)
        job.startedAt = now.addingTimeInterval(-86_401)
        let late = policy.transition(for: limited, job: job, now: now)
        #expect(late.status == .retrying && !late.refundAttempt && late.runAfter == now.addingTimeInterval(3600))
        job.attempts = 5
        let last = policy.transition(for: limited, job: job, now: now)
        #expect(last.status == .dlq && last.dlqReason == "max_attempts: providerRateLimited")
    }

    /// While the platform cannot be asked whether a post exists, the job asks again with the
    /// same growing backoff as any retry, not every second or two until its attempts run out.
    @Test func anUnknownOutcomeIsAskedAgainWithAGrowingBackoff() throws {
        let policy = QueueRetryPolicy(base: .seconds(2), random: { 0 })
        let now = Date(timeIntervalSince1970: 1_000_000)
        let unknown = JobOutcome.unknown(JobFailure(code: "reconcileUnavailable", message: ""))
        let second = policy.transition(for: unknown, job: try Self.job(attempts: 2, max: 8), now: now)
        let sixth = policy.transition(for: unknown, job: try Self.job(attempts: 6, max: 8), now: now)
        #expect(second.status == .unknown && second.runAfter == now.addingTimeInterval(2))
        #expect(sixth.status == .unknown && sixth.runAfter == now.addingTimeInterval(32))
    }

    /// A failure that came with a checkpoint (a post under way at the provider) keeps it for
    /// the retry, and for a replay from the DLQ after the last attempt or a refusal.
    @Test func aFailuresCheckpointIsKeptForTheRetryAndTheDLQ() throws {
        let policy = QueueRetryPolicy()
        var failure = JobFailure(code: "providerUnavailable", message: "503")
        failure.checkpoint = ["publishId": .string("v_pub_1")]
        #expect(policy.transition(for: .retry(failure), job: try Self.job(attempts: 1)).checkpoint == failure.checkpoint)
        #expect(policy.transition(for: .retry(failure), job: try Self.job(attempts: 5)).checkpoint == failure.checkpoint)
        #expect(policy.transition(for: .unknown(failure), job: try Self.job(attempts: 1)).checkpoint == failure.checkpoint)
        // A refusal while the work is under way (a revoked credential during TikTok's processing):
        // the replay after reconnecting resumes the same publish.
        #expect(policy.transition(for: .permanent(failure), job: try Self.job(attempts: 1)).checkpoint == failure.checkpoint)
        #expect(policy.transition(for: .permanent(JobFailure(code: "invalidInput", message: "")), job: try Self.job(attempts: 1)).checkpoint == nil)
    }

    @Test func theLastAttemptGoesToTheDLQWithItsReason() throws {
        let policy = QueueRetryPolicy()
        let retry = policy.transition(for: .retry(JobFailure(code: "providerUnavailable", message: "503")), job: try Self.job(attempts: 5))
        #expect(retry.status == .dlq && retry.dlqReason == "max_attempts: providerUnavailable")
        let unknown = policy.transition(for: .unknown(JobFailure(code: "providerTimeout", message: "")), job: try Self.job(attempts: 5))
        #expect(unknown.status == .dlq && unknown.dlqReason == "outcome_unknown")
        let earlier = policy.transition(for: .unknown(JobFailure(code: "providerTimeout", message: "")), job: try Self.job(attempts: 2))
        #expect(earlier.status == .unknown)
        let permanent = policy.transition(for: .permanent(JobFailure(code: "providerRejected", message: "400")), job: try Self.job(attempts: 1))
        #expect(permanent.status == .dlq && permanent.dlqReason == "permanent: providerRejected")
    }
}
