import Logging

@testable import NeonHub

extension OutboundClient {
    /// A client whose retries back off in milliseconds: what the provider runtime tests use, so
    /// that a retried 5xx or 429 costs no real time. Its attempt timeout and overall deadline
    /// are long: these tests are about what is sent and answered, and while the whole suite
    /// runs on two cores a call can wait minutes for a thread (CI saw a Stripe retry refused
    /// as "deadline passed" four seconds after its first attempt).
    static func quickRetries(label: String) -> OutboundClient {
        var configuration = OutboundConfiguration(attemptTimeout: .seconds(120), deadline: .seconds(600))
        configuration.retry.backoff = Backoff(base: .milliseconds(5), maximum: .milliseconds(20))
        return OutboundClient(configuration: configuration, logger: Logger(label: label))
    }
}
