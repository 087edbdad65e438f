import Foundation
import HTTPCore
import HTTPFields
import Logging
import Synchronization
import Testing

@testable import NeonHub

/// Builders shared by the live client suites.
enum ClientFixtures {
    /// A client over `transport` with short pauses, so that retry tests run fast.
    static func client(
        _ transport: any OutboundTransport, maxRetries: Int = 2, backoff: Backoff = Backoff(base: .milliseconds(10)),
        retryAfterCap: Duration = .seconds(60), attemptTimeout: Duration = .seconds(5), deadline: Duration? = .seconds(20),
        logger: Logger = Logger(label: "test.outbound"), hook: OutboundHook? = nil
    ) -> OutboundClient {
        OutboundClient(
            configuration: OutboundConfiguration(
                attemptTimeout: attemptTimeout, deadline: deadline,
                retry: RetryPolicy(maxRetries: maxRetries, backoff: backoff, retryAfterCap: retryAfterCap)),
            transport: transport, logger: logger, hook: hook)
    }

    /// A request to `baseURL + path`, labelled as a Stripe call.
    static func request(
        _ baseURL: String, method: String = "GET", path: String = "/v1/customers?limit=3",
        headers: [(String, String)] = [], body: String? = nil, retry: OutboundRequest.RetrySafety = .byMethod,
        secrets: [String] = [], traceParent: TraceParent? = nil
    ) -> OutboundRequest {
        OutboundRequest(
            method: method, url: URL(string: baseURL + path)!, urlTemplate: "/v1/customers",
            labels: OutboundLabels(connector: "stripe", action: "listCustomers"), headers: .init(headers),
            body: body.map { Data($0.utf8) }, retry: retry, traceParent: traceParent, secrets: secrets,
            messageReader: errorMessage)
    }

    /// `error.message` of a Stripe- or Meta-shaped error body.
    @Sendable static func errorMessage(_ body: Data) -> String? {
        let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
        return (object?["error"] as? [String: Any])?["message"] as? String
    }

    /// The `OutboundError` that `body` throws.
    static func outboundError(_ body: () async throws -> OutboundResponse) async -> OutboundError? {
        do {
            _ = try await body()
            Issue.record("expected an error")
            return nil
        } catch let error as OutboundError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }
}

/// Collects the hook's records.
final class AttemptRecorder: Sendable {
    private let records = Mutex<[OutboundAttempt]>([])

    /// Records so far.
    var all: [OutboundAttempt] { records.withLock { $0 } }

    /// The hook to hand to a client.
    var hook: OutboundHook { { record in self.records.withLock { $0.append(record) } } }
}
