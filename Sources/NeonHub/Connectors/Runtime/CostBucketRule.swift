import Foundation

/// A calculated-cost leaky bucket the provider reports in every answer (`rateLimit.costBucket`;
/// Shopify's `extensions.cost`, https://shopify.dev/docs/api/usage/rate-limits): each request
/// asks for `requested` points, the bucket holds `available` and gets `restoreRate` back each
/// second. Instead of failing a throttled call the runtime waits for the missing points and
/// retries once; a wait longer than `maxWaitSeconds` is a rate-limit error with the time at
/// which the points will be there.
struct CostBucketRule: Sendable {
    let bucket: ConnectorDefinition.CostBucket

    /// The bucket as an answer reports it.
    struct Reading: Sendable, Equatable {
        var requested: Double
        var available: Double
        var restoreRate: Double

        /// Seconds until the bucket holds `requested` points (0 when it already does).
        var secondsUntilAvailable: Double {
            guard available < requested else { return 0 }
            return (requested - available) / restoreRate
        }
    }

    /// The reading in `body`, if it carries a complete one with a positive restore rate.
    func reading(_ body: JSONValue) -> Reading? {
        guard case .number(let requested)? = JSONPath.value(at: bucket.requestedPath, in: body),
            case .number(let available)? = JSONPath.value(at: bucket.availablePath, in: body),
            case .number(let rate)? = JSONPath.value(at: bucket.restoreRatePath, in: body), rate > 0, requested.isFinite, available.isFinite
        else { return nil }
        return Reading(requested: requested, available: available, restoreRate: rate)
    }

    /// How long to wait before sending again after `body`: nil when the bucket has room (or
    /// the answer says nothing about it); the wait when it is within the bound; and
    /// `tooLong` with the full wait when it is not.
    func wait(after body: JSONValue) -> (seconds: Double, withinBound: Bool)? {
        guard let reading = reading(body) else { return nil }
        let seconds = reading.secondsUntilAvailable
        guard seconds > 0 else { return nil }
        return (seconds, seconds <= bucket.maxWaitSeconds)
    }

    /// The rate-limit error of a call whose wait is beyond the bound (or already waited once):
    /// its reset time is when the bucket will hold the points.
    static func limited(_ connector: String, seconds: Double, code: String?, message: String?) -> ConnectorError {
        // A restore rate of 1e-300 points a second is an answer to distrust, not a wait of 1e300 s.
        let seconds = min(seconds, RateLimitReading.longestWindow)
        var error = ConnectorError(
            .providerRateLimited,
            "\(connector) is rate-limiting these calls (query cost bucket: about \(Int(seconds.rounded(.up))) s until enough points)"
                + (message.map { ": \($0)" } ?? ""),
            retryAfterSeconds: max(1, Int(seconds.rounded(.up))), providerCode: code)
        error.resetAt = Date().addingTimeInterval(seconds)
        return error
    }

    /// Sleeps `seconds` without holding a thread.
    static func sleep(_ seconds: Double) async throws {
        try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
    }
}

extension ConnectorDefinition.Action {
    /// Whether the request template names `{{call.idempotencyKey}}` (Shopify's `@idempotent(key:)`
    /// in a GraphQL body): the call then gets a key like one with an `idempotencyHeader`.
    var sendsIdempotencyKeyInTemplate: Bool {
        guard let template = request?.body?.template else { return false }
        return template.jsonText.contains("{{call.idempotencyKey}}")
    }
}
