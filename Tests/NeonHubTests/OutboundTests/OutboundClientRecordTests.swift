import Foundation
import HTTPCore
import HTTPFields
import Testing

@testable import NeonHub

extension OutboundTests {
    /// What the client sends (default headers) and what it leaves behind: hook records, log
    /// lines and errors, none of which may carry a secret.
    @Suite(.serialized) struct OutboundClientRecordTests {
        typealias F = ClientFixtures

        @Test func userAgentAndAGeneratedTraceparentAreSent() async throws {
            try await withFakeProvider(script: [.answer(200), .answer(200)]) { fake, url, transport in
                let client = F.client(transport)
                _ = try await client.send(F.request(url, headers: [("Stripe-Version", "2024-06-20")]))
                _ = try await client.send(F.request(url))
                let seen = fake.seen
                #expect(seen.map { $0.headers["user-agent"] } == ["NeonHub/\(NeonHubVersion.current)", "NeonHub/\(NeonHubVersion.current)"])
                #expect(seen.first?.headers["stripe-version"] == "2024-06-20")
                let traces = seen.compactMap { $0.headers["traceparent"].flatMap(TraceParent.init) }
                #expect(traces.count == 2)
                #expect(traces.first?.traceID != traces.last?.traceID)
            }
        }

        @Test func theCallersTraceparentIsSentOnEveryAttempt() async throws {
            let trace = try #require(TraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
            try await withFakeProvider(script: [.answer(502), .answer(200)]) { fake, url, transport in
                _ = try await F.client(transport).send(F.request(url, traceParent: trace))
                #expect(fake.seen.map { $0.headers["traceparent"] } == [trace.description, trace.description])
            }
        }

        @Test func theHookRecordsEveryAttempt() async throws {
            let recorder = AttemptRecorder()
            try await withFakeProvider(script: [.answer(503), .answer(429, headers: [("Retry-After", "0")]), .answer(200)]) { _, url, transport in
                _ = try await F.client(transport, hook: recorder.hook).send(F.request(url))
            }
            let records = recorder.all
            #expect(records.map(\.number) == [1, 2, 3])
            #expect(records.map(\.status) == [503, 429, 200])
            #expect(records.map(\.errorCode) == [.retryable, .rateLimited, nil])
            #expect(records.map { $0.retryDelay != nil } == [true, true, false])
            #expect(records[1].retryDelay == .zero)
            #expect(
                records.allSatisfy {
                    $0.labels == OutboundLabels(connector: "stripe", action: "listCustomers")
                        && $0.method == "GET" && $0.urlTemplate == "/v1/customers" && $0.duration > .zero
                })
        }

        @Test func aRequestsOwnHookSeesOnlyItsAttemptsAndTheClientsSeesAll() async throws {
            let clientRecorder = AttemptRecorder()
            let requestRecorder = AttemptRecorder()
            try await withFakeProvider(script: [.answer(200), .answer(500), .answer(200)]) { _, url, transport in
                let client = F.client(transport, hook: clientRecorder.hook)
                _ = try await client.send(F.request(url))
                var traced = F.request(url)
                traced.hook = requestRecorder.hook
                _ = try await client.send(traced)
            }
            #expect(clientRecorder.all.map(\.status) == [200, 500, 200])
            #expect(requestRecorder.all.map(\.status) == [500, 200])
            #expect(requestRecorder.all.map(\.number) == [1, 2])
        }

        @Test func theHookRecordsTimeoutsWithoutAStatus() async throws {
            let recorder = AttemptRecorder()
            try await withFakeProvider(script: [.delayed(milliseconds: 1000, .answer(200))]) { _, url, transport in
                _ = await F.outboundError {
                    try await F.client(transport, maxRetries: 0, attemptTimeout: .milliseconds(200), hook: recorder.hook).send(F.request(url))
                }
            }
            #expect(recorder.all.count == 1)
            #expect(recorder.all.first?.status == nil)
            #expect(recorder.all.first?.errorCode == .timeout)
            #expect((recorder.all.first?.duration ?? .zero) >= .milliseconds(150))
        }

        @Test func aPlantedSecretNeverAppearsInErrorsOrLogs() async throws {
            let bearer = "sk_live_51HbearerPlanted0000"
            let queryToken = "EAAGqueryPlanted1111"
            let planted = "planted-7f3a9c2e"
            let logs = LogCapture()
            try await withFakeProvider(script: [.echo(500), .echo(500), .echo(400)]) { fake, url, transport in
                let request = F.request(
                    url, method: "POST", path: "/v1/customers?limit=3&access_token=\(queryToken)",
                    headers: [("Authorization", "Bearer \(bearer)")], body: "caption: launch day, ref \(planted)",
                    retry: .safe, secrets: [planted])
                let thrown = await F.outboundError {
                    try await F.client(transport, maxRetries: 2, logger: logs.logger()).send(request)
                }
                // The secrets did travel, and the provider echoed them back.
                #expect(fake.seen.first?.headers["authorization"] == "Bearer \(bearer)")
                #expect(fake.seen.first?.target.contains(queryToken) == true)
                #expect(fake.seen.count == 3)
                let error = try #require(thrown)
                #expect(error.code == .permanent)
                let texts = [
                    String(describing: error), String(reflecting: error), error.message ?? "",
                    error.bodyExcerpt ?? "", error.localizedDescription, logs.text,
                ]
                for secret in [bearer, queryToken, planted] {
                    for text in texts { #expect(!text.contains(secret), "\(secret) leaked into: \(text)") }
                }
                #expect(error.message?.hasPrefix("Invalid OAuth access token: [redacted] for /v1/customers?limit=3&access_token=[redacted]") == true)
                #expect(logs.count == 3)
                #expect(logs.text.contains("access_token=[redacted]"))
                #expect(logs.text.contains("ref [redacted]"))
            }
        }
    }
}
