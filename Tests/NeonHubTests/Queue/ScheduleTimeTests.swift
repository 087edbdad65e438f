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
