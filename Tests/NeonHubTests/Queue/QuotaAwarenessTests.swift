import Foundation
import HTTPFields
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// Per-connection budgets: learned from providers' usage and rate-limit headers, from their
/// 429s and the catalog's documented windows, and counted against the catalog's documented
/// limits; a job that would exceed one waits for it to open instead of being sent.
@Suite struct QuotaAwarenessTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    @Test func metaUsageHeadersArePercentagesSpentAt95OrWhenMetaGivesATimeToRegainAccess() throws {
        let low = try #require(RateLimitReading(headers: ["X-App-Usage": #"{"call_count":28,"total_cputime":40,"total_time":12}"#], now: Self.now))
        #expect(low == RateLimitReading(remaining: 60, resetsAt: nil, isSpent: false, source: "x-app-usage"))

        let high = try #require(RateLimitReading(headers: ["X-App-Usage": #"{"call_count":96,"total_cputime":10,"total_time":10}"#], now: Self.now))
        #expect(high.isSpent)
        #expect(high.resetsAt == Self.now.addingTimeInterval(RateLimitReading.recheckAfter))

        // Several business use cases: the one Meta says to wait for wins, whatever its share.
        let buc =
            #"{"1234":[{"type":"pages","call_count":20,"total_cputime":5,"total_time":5,"estimated_time_to_regain_access":0}],"#
            + #""5678":[{"type":"instagram","call_count":70,"total_cputime":9,"total_time":9,"estimated_time_to_regain_access":17}]}"#
        let regain = try #require(RateLimitReading(headers: ["X-Business-Use-Case-Usage": buc], now: Self.now))
        #expect(
            regain
                == RateLimitReading(remaining: 30, resetsAt: Self.now.addingTimeInterval(17 * 60), isSpent: true, source: "x-business-use-case-usage")
        )

        #expect(RateLimitReading(headers: ["X-App-Usage": "not json"], now: Self.now) == nil)
        #expect(RateLimitReading(headers: ["Content-Type": "application/json"], now: Self.now) == nil)
    }

    /// Swift reads `nan`, `inf` and `1e300` as numbers; a provider (or anything a media URL
    /// points at) answering them must not stop the process where they become integers.
    @Test func numbersNoBudgetHasAreNotBelieved() throws {
        for odd in ["nan", "inf", "-inf", "1e300", "-1e300"] {
            #expect(RateLimitReading(headers: ["X-RateLimit-Remaining": odd], now: Self.now) == nil, "\(odd)")
            let reset = RateLimitReading(headers: ["X-RateLimit-Remaining": "0", "X-RateLimit-Reset": odd], now: Self.now)
            #expect(reset?.resetsAt == nil, "\(odd)")
        }
        let far = try #require(RateLimitReading(headers: ["X-RateLimit-Remaining": "0", "RateLimit-Reset": "99999999"], now: Self.now))
        #expect(far.resetsAt == nil)  // longer than any window: not a reset to wait for
        let meta = try #require(
            RateLimitReading(headers: ["X-App-Usage": #"{"call_count":1e300,"estimated_time_to_regain_access":1e300}"#], now: Self.now))
        #expect(meta.isSpent && meta.remaining == 0)
        #expect(meta.resetsAt == Self.now.addingTimeInterval(RateLimitReading.longestWindow))
        #expect(RateLimitReading.salesforceUsage("api-usage=-9223372036854775808/5", now: Self.now) == nil)
        let bucket = CostBucketRule.limited("shopify", seconds: 1e300, code: nil, message: nil)
        #expect(bucket.retryAfterSeconds == Int(RateLimitReading.longestWindow))
    }

    @Test func countedLimitHeadersReadResetsAsSecondsOrEpochs() throws {
        // Discord: seconds (with a fraction) until the bucket resets.
        let discord = try #require(
            RateLimitReading(
                headers: [
                    "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "1.5",
                    "X-RateLimit-Reset": "1800000001.5",
                ], now: Self.now))
        #expect(discord == RateLimitReading(remaining: 0, resetsAt: Self.now.addingTimeInterval(1.5), isSpent: true, source: "x-ratelimit-remaining"))
        // GitHub and X: an epoch.
        let github = try #require(RateLimitReading(headers: ["x-ratelimit-remaining": "4999", "x-ratelimit-reset": "1800003600"], now: Self.now))
        #expect(
            github == RateLimitReading(remaining: 4999, resetsAt: Self.now.addingTimeInterval(3600), isSpent: false, source: "x-ratelimit-remaining"))
        let x = try #require(RateLimitReading(headers: ["x-rate-limit-remaining": "0", "x-rate-limit-reset": "1800000900"], now: Self.now))
        #expect(x.isSpent && x.resetsAt == Self.now.addingTimeInterval(900) && x.source == "x-rate-limit-remaining")
        // Reddit: fractional remaining, seconds until the reset.
        let reddit = try #require(RateLimitReading(headers: ["X-Ratelimit-Remaining": "598.0", "X-Ratelimit-Reset": "42"], now: Self.now))
        #expect(
            reddit == RateLimitReading(remaining: 598, resetsAt: Self.now.addingTimeInterval(42), isSpent: false, source: "x-ratelimit-remaining"))
        // Nothing left but no reset: not spent, since nobody can say until when.
        let unknown = try #require(RateLimitReading(headers: ["RateLimit-Remaining": "0"], now: Self.now))
        #expect(!unknown.isSpent && unknown.resetsAt == nil)
    }

    @Test func theCatalogsDocumentedWindowsSayWhenASpentBudgetOpens() throws {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        // 2027-01-15T08:00:00Z: LinkedIn's daily quotas open at the next UTC midnight…
        let linkedin = try #require(catalog["linkedin"]?.definition.rateLimit)
        #expect(linkedin.nextReset(after: Self.now) == Date(timeIntervalSince1970: 1_800_000_000 + 16 * 3600))
        // …YouTube's at midnight in California (PST, UTC−8 in January): 08:00Z is midnight
        // there, so the next one is a day later…
        let youtube = try #require(catalog["youtube"]?.definition.rateLimit)
        #expect(youtube.nextReset(after: Self.now) == Self.now.addingTimeInterval(24 * 3600))
        #expect(youtube.nextReset(after: Self.now.addingTimeInterval(-3600)) == Self.now)
        // …and a counted limit one window after it was spent.
        let discord = try #require(catalog["discord"]?.definition.rateLimit)
        #expect(discord.nextReset(after: Self.now) == Self.now.addingTimeInterval(try #require(discord.windowSeconds)))
        // A connector whose limits are not documented as numbers or windows: no guess.
        let meta = try #require(catalog["meta"]?.definition.rateLimit)
        #expect(meta.nextReset(after: Self.now) == nil)
    }

    @Test func aCatalogLimitIsCountedPerConnectionAndOpensWithTheNextWindow() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        try await QueueTestSupport.withMetaQueue(fake, workers: 0) { server, _, connection in
            let pool = try #require(server.database?.pool)
            let store = QueueStore(pool: pool)
            let windowEnd = Date().addingTimeInterval(60)
            #expect(try await store.takeQuota(connector: "meta", connection: connection, limit: 2, windowEnd: windowEnd) == nil)
            #expect(try await store.takeQuota(connector: "meta", connection: connection, limit: 2, windowEnd: windowEnd) == nil)
            let spent = try #require(try await store.takeQuota(connector: "meta", connection: connection, limit: 2, windowEnd: windowEnd))
            #expect(abs(spent.until.timeIntervalSince(windowEnd)) < 0.01)
            #expect(spent.source == "catalog")
            // The window passes: a new one starts with the full budget.
            _ = try await pool.execute("UPDATE connector_quotas SET resets_at = now() - interval '1 second' WHERE connection_id = \(connection)")
            #expect(try await store.takeQuota(connector: "meta", connection: connection, limit: 2, windowEnd: windowEnd) == nil)
            // What a provider said wins over the catalog's count until it resets.
            try await store.learnQuota(connector: "meta", connection: connection, remaining: 0, resetsAt: windowEnd, source: "x-app-usage")
            #expect(try await store.takeQuota(connector: "meta", connection: connection, limit: 2, windowEnd: windowEnd)?.source == "x-app-usage")
        }
    }

    @Test func usageHeadersNearTheLimitDeferTheNextPostInsteadOfSendingIt() async throws {
        let fake = MetaGraphFake()
        try fake.start()
        defer { fake.stop() }
        try await QueueTestSupport.withMetaQueue(fake) { _, client, connection in
            fake.reportUsage(percent: 97)
            let (_, first) = try await QueueTestSupport.schedulePost(client, connection: connection, message: "Uses the last of the budget")
            try await QueueTestSupport.waitForJob(client, try #require(QueueTestSupport.jobID(first))) { QueueTestSupport.status($0) == "succeeded" }
            let (_, second) = try await QueueTestSupport.schedulePost(client, connection: connection, message: "Waits for the budget")
            let waiting = try await QueueTestSupport.waitForJob(client, try #require(QueueTestSupport.jobID(second))) {
                (($0["job"] as? [String: Any])?["waitReason"] as? String)?.hasPrefix("quota") == true
            }
            let reason = try #require((waiting["job"] as? [String: Any])?["waitReason"] as? String)
            #expect(reason.contains("x-business-use-case-usage"), "\(reason)")
            #expect(QueueTestSupport.outcomes(waiting) == ["deferred"])
            #expect(fake.postIDs.count == 1)  // the second post was never sent
        }
    }

    /// A clock for the queue's quota resets that reads noon in `zone` (the next real midnight
    /// plus twelve hours, running on), so the midnight a test waits for is never inside it; and
    /// how far ahead of the real clock it runs.
    static func noonClock(in zone: String) throws -> (clock: @Sendable () -> Date, offset: TimeInterval) {
        let realMidnight = try #require(ConnectorDefinition.RateLimit.nextMidnight(after: Date(), in: TimeZone(identifier: zone)))
        let offset = realMidnight.addingTimeInterval(12 * 3600).timeIntervalSinceNow
        return ({ Date().addingTimeInterval(offset) }, offset)
    }

    @Test func aLinkedIn429WithoutRetryAfterWaitsForMidnightUTC() async throws {
        let (clock, offset) = try Self.noonClock(in: "UTC")
        let fake = LinkedInFake()
        try fake.start()
        defer { fake.stop() }
        let endpoints = try TokenRefreshTests.endpoints(fake)
        try await withDatabaseApp({
            OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["LINKEDIN": LinkedInFake.defaultApp])
            $0.workers = 1
            $0.queueSchedules = false
            $0.quotaClock = clock
        }) { _, client in
            let (connection, _) = try await TokenRefreshTests.connect(client, fake)
            fake.injectRateLimit(calls: 1)
            func schedule(_ text: String) async throws -> String {
                let (status, envelope) = try await client.mutation(
                    "publish.schedule",
                    [
                        "connectionId": connection, "action": "posts.create", "accountId": LinkedInFake.Organization.defaults[0].urn,
                        "input": ["commentary": text],
                    ])
                #expect(status == 200)
                return try #require(QueueTestSupport.jobID(envelope))
            }
            let limited = try await QueueTestSupport.waitForJob(client, try await schedule("Daily quota spent")) {
                (($0["job"] as? [String: Any])?["waitReason"] as? String)?.hasPrefix("rate_limited") == true
            }
            #expect(QueueTestSupport.outcomes(limited) == ["rate_limited"])
            #expect((limited["job"] as? [String: Any])?["attempts"] as? Int == 0)  // waiting for a window is not an attempt
            let runAfterText = try #require((limited["job"] as? [String: Any])?["runAfter"] as? String)
            let runAfter = try #require(Self.parseTimestamp(runAfterText))
            let midnight = try #require(ConnectorDefinition.RateLimit.nextMidnight(after: clock(), in: TimeZone(identifier: "UTC")))
            // The job waits in real time what the clock has left to its midnight.
            #expect(abs(runAfter.addingTimeInterval(offset).timeIntervalSince(midnight)) < 60, "\(runAfter) + \(offset) s vs \(midnight)")
            let waiting = try await QueueTestSupport.waitForJob(client, try await schedule("Also waits for midnight")) {
                (($0["job"] as? [String: Any])?["waitReason"] as? String)?.contains("documented window") == true
            }
            #expect(QueueTestSupport.outcomes(waiting) == ["deferred"])
            #expect(fake.postURNs.isEmpty)
        }
    }
}
