import Logging

@testable import NeonHub

extension OutboundClient {
    /// A client whose retries back off in milliseconds: what the provider runtime tests use, so
    /// that a retried 5xx or 429 costs no real time.
    static func quickRetries(label: String) -> OutboundClient {
        var configuration = OutboundConfiguration()
        configuration.retry.backoff = Backoff(base: .milliseconds(5), maximum: .milliseconds(20))
        return OutboundClient(configuration: configuration, logger: Logger(label: label))
    }
}
