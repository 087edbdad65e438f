public import Foundation
public import HTTPFields
import TimeUnits

/// Why an outbound HTTP call failed, once retries (if any) were spent.
///
/// `code` is stable and is what callers branch on (a queue re-schedules `rateLimited` at
/// `resetAt`, a connector refreshes its token on `auth`, …). Every text field is redacted
/// before it is stored here. `description` names only the class, the status and the route
/// template; the provider's message and body excerpt are in `debugDescription`.
public struct OutboundError: Error, Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The error classes. Raw values are stable: they appear in metrics and stored records.
    public enum Code: String, Sendable, Equatable, Hashable, CaseIterable {
        /// 5xx or 408: the provider failed; the same request may succeed later.
        case retryable
        /// 429: the provider throttled us; `resetAt` says when it expects us back, if it said.
        case rateLimited
        /// 401 or 403, or a TLS alert refusing our client certificate: the credentials were refused.
        case auth
        /// Any other non-success status: the request itself is wrong and will not get better.
        case permanent
        /// No answer within the attempt timeout or the overall deadline, or the connection lost
        /// after the request was sent (`message` says so): the provider may have acted on it.
        case timeout
        /// The request could not be delivered: connection refused, DNS, TLS, a connection lost
        /// before the request went out, ….
        case network
    }

    /// The class of the failure.
    public var code: Code
    /// The provider's HTTP status, when it answered.
    public var status: Int?
    /// The delay the provider asked for (`Retry-After`), as it announced it.
    public var retryAfter: Duration?
    /// When the provider's `Retry-After` runs out: the earliest time to try again.
    public var resetAt: Date?
    /// On a 429, the limit that was hit as the provider names it (`global`, `user`, …), if it said.
    public var rateLimitScope: String?
    /// The provider's own error message (read from the body by the caller's reader), redacted.
    public var message: String?
    /// The start of the response body, redacted and truncated.
    public var bodyExcerpt: String?
    /// What the transport reported when no answer came (`timeout`, `network`, and `auth` for a
    /// refused client certificate), redacted.
    public var detail: String?
    /// Attempts made, the failing one included.
    public var attempts: Int
    /// The request method.
    public var method: String
    /// The route template of the request (never the raw URL).
    public var urlTemplate: String

    /// Creates an error; callers outside the client build these only in tests and fakes.
    public init(
        code: Code, status: Int? = nil, retryAfter: Duration? = nil, resetAt: Date? = nil,
        message: String? = nil, bodyExcerpt: String? = nil, detail: String? = nil,
        attempts: Int = 1, method: String = "GET", urlTemplate: String = ""
    ) {
        self.code = code
        self.status = status
        self.retryAfter = retryAfter
        self.resetAt = resetAt
        self.message = message
        self.bodyExcerpt = bodyExcerpt
        self.detail = detail
        self.attempts = attempts
        self.method = method
        self.urlTemplate = urlTemplate
    }

    /// The class of a status whose headers say more: a 403 with `Retry-After` or with
    /// `X-RateLimit-Remaining: 0` is a rate limit, not a refused credential (GitHub answers its
    /// primary and secondary limits so:
    /// https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api).
    public static func code(forStatus status: Int, headers: HTTPHeaders) -> Code? {
        if status == 403, headers["Retry-After"] != nil || headers["X-RateLimit-Remaining"]?.trimmingCharacters(in: .whitespaces) == "0" {
            return .rateLimited
        }
        return code(forStatus: status)
    }

    /// The class of a non-success status: 408 and 5xx retryable, 429 rate limited,
    /// 401/403 auth, anything else permanent. `nil` for 2xx.
    public static func code(forStatus status: Int) -> Code? {
        switch status {
        case 200..<300: return nil
        case 408, 500..<600: return .retryable
        case 429: return .rateLimited
        case 401, 403: return .auth
        default: return .permanent
        }
    }

    /// One line with no provider text: class, status, route, attempts, retry time.
    public var description: String {
        var text = "outbound \(method) \(urlTemplate) failed: \(code.rawValue)"
        if let status { text += " (HTTP \(status))" }
        text += attempts == 1 ? " after 1 attempt" : " after \(attempts) attempts"
        if let retryAfter { text += "; retry after \(Int(retryAfter.inSeconds.rounded(.up))) s" }
        return text
    }

    /// `description` plus the (redacted) provider message, body excerpt and transport detail.
    public var debugDescription: String {
        var text = description
        if let message { text += "; message: \(message)" }
        if let detail { text += "; detail: \(detail)" }
        if let bodyExcerpt { text += "; body: \(bodyExcerpt)" }
        return text
    }
}
