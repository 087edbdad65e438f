import Foundation

/// What a provider said about a limit it enforced, beyond `Retry-After`: a more precise wait
/// (Discord's `retry_after` body field, in seconds with decimals) and which limit was hit
/// (Discord's `X-RateLimit-Scope`: `user`, `global`, `shared`). A request's
/// `rateLimitReader` produces it from a 429's headers and body.
public struct RateLimitSignal: Sendable, Equatable {
    /// How long to wait before trying again, when the provider said more precisely than `Retry-After`.
    public var retryAfter: Duration?
    /// The limit that was hit, as the provider names it.
    public var scope: String?

    /// Creates a signal.
    public init(retryAfter: Duration? = nil, scope: String? = nil) {
        self.retryAfter = retryAfter
        self.scope = scope
    }
}
