import Foundation
import HTTPCore
import HTTPFields
import Testing

@testable import NeonHub

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension OutboundTests {
    /// Each error class, produced by a real exchange with a loopback provider.
    @Suite(.serialized) struct OutboundClientTests {
        typealias F = ClientFixtures

        @Test(arguments: TransportKind.allCases) func aSuccessReturnsTheBodyAfterOneAttempt(_ kind: TransportKind) async throws {
            try await withFakeProvider(script: [.answer(200, headers: [("X-Request-Id", "req_1")], body: #"{"data":[]}"#)], transport: kind) {
                fake, url, transport in
                let response = try await F.client(transport).send(F.request(url))
                #expect(response.status == 200)
                #expect(String(decoding: response.body, as: UTF8.self) == #"{"data":[]}"#)
                #expect(response.headers["x-request-id"] == "req_1")
                #expect(response.attempts == 1)
                #expect(fake.seen.map(\.target) == ["/v1/customers?limit=3"])
            }
        }

        @Test(arguments: TransportKind.allCases) func persistentServerErrorsAreRetryableAfterTheRetries(_ kind: TransportKind) async throws {
            try await withFakeProvider(
                script: [.answer(500), .answer(502), .answer(503, body: #"{"error":{"message":"overloaded"}}"#)], transport: kind
            ) {
                fake, url, transport in
                let error = await F.outboundError { try await F.client(transport, maxRetries: 2).send(F.request(url)) }
                #expect(error?.code == .retryable)
                #expect(error?.status == 503)
                #expect(error?.attempts == 3)
                #expect(error?.message == "overloaded")
                #expect(error?.urlTemplate == "/v1/customers")
                #expect(fake.seen.count == 3)
            }
        }

        @Test(arguments: TransportKind.allCases) func a408IsRetryableAndRetried(_ kind: TransportKind) async throws {
            try await withFakeProvider(script: [.answer(408), .answer(200)], transport: kind) { fake, url, transport in
                let response = try await F.client(transport).send(F.request(url))
                #expect(response.attempts == 2)
                #expect(fake.seen.count == 2)
            }
            try await withFakeProvider(script: [.answer(408)], transport: kind) { _, url, transport in
                let error = await F.outboundError { try await F.client(transport, maxRetries: 0).send(F.request(url)) }
                #expect(error?.code == .retryable)
                #expect(error?.status == 408)
            }
        }

        @Test(arguments: TransportKind.allCases) func a429IsRateLimitedWithTheResetTime(_ kind: TransportKind) async throws {
            try await withFakeProvider(script: Array(repeating: .answer(429, headers: [("Retry-After", "0")]), count: 3), transport: kind) {
                fake, url, transport in
                let before = Date()
                let error = await F.outboundError { try await F.client(transport, maxRetries: 2).send(F.request(url)) }
                #expect(error?.code == .rateLimited)
                #expect(error?.status == 429)
                #expect(error?.retryAfter == .zero)
                let resetAt = try #require(error?.resetAt)
                #expect(resetAt >= before && resetAt <= Date())
                #expect(fake.seen.count == 3)
            }
        }

        @Test(arguments: [401, 403])
        func refusedCredentialsAreAuthAndNotRetried(status: Int) async throws {
            try await withFakeProvider(script: [.answer(status, body: #"{"error":{"message":"Invalid API Key provided"}}"#), .answer(200)]) {
                fake, url, transport in
                let error = await F.outboundError { try await F.client(transport).send(F.request(url)) }
                #expect(error?.code == .auth)
                #expect(error?.status == status)
                #expect(error?.message == "Invalid API Key provided")
                #expect(fake.seen.count == 1)
            }
        }

        @Test(arguments: TransportKind.allCases) func otherClientErrorsArePermanentWithTheProvidersStatusAndBody(_ kind: TransportKind) async throws {
            let body =
                #"{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such customer: 'cus_NffrFeUfNV2Hib'","param":"id"}}"#
            try await withFakeProvider(script: [.answer(404, body: body), .answer(200)], transport: kind) { fake, url, transport in
                let error = await F.outboundError { try await F.client(transport).send(F.request(url)) }
                #expect(error?.code == .permanent)
                #expect(error?.status == 404)
                #expect(error?.message == "No such customer: 'cus_NffrFeUfNV2Hib'")
                #expect(error?.bodyExcerpt == body)
                #expect(error?.attempts == 1)
                #expect(fake.seen.count == 1)
            }
        }

        @Test(arguments: TransportKind.allCases) func theBodyExcerptIsBounded(_ kind: TransportKind) async throws {
            try await withFakeProvider(script: [.answer(422, body: String(repeating: "y", count: 5000))], transport: kind) { _, url, transport in
                let error = await F.outboundError { try await F.client(transport).send(F.request(url)) }
                #expect(error?.code == .permanent)
                #expect(error?.bodyExcerpt?.count == 301)
            }
        }

        @Test(arguments: TransportKind.allCases) func aSlowProviderIsATimeout(_ kind: TransportKind) async throws {
            try await withFakeProvider(script: [.delayed(milliseconds: 40_000, .answer(200))], transport: kind) { fake, url, transport in
                let started = ContinuousClock.now
                let error = await F.outboundError {
                    try await F.client(transport, maxRetries: 0, attemptTimeout: .milliseconds(1_500)).send(F.request(url))
                }
                let elapsed = ContinuousClock.now - started
                #expect(error?.code == .timeout)
                #expect(error?.status == nil)
                // 1.5 s, long enough for the request to reach the fake on a loaded machine.
                #expect(elapsed >= .milliseconds(1_450))
                #expect(elapsed < .seconds(30))  // unbounded: the server's 40 s
                #expect(fake.seen.count == 1)
            }
        }

        @Test(arguments: TransportKind.allCases) func anUnreachableProviderIsANetworkErrorAfterRetries(_ kind: TransportKind) async throws {
            // A port that was just bound and released: nothing listens there.
            let url = try await withFakeProvider(script: [], transport: kind) { _, url, _ in url }
            let recorder = AttemptRecorder()
            let error = try await withFakeProvider(script: [], transport: kind) { _, _, transport in
                await F.outboundError { try await F.client(transport, maxRetries: 1, hook: recorder.hook).send(F.request(url)) }
            }
            #expect(error?.code == .network)
            #expect(error?.attempts == 2)
            #expect(error?.detail?.isEmpty == false)
            #expect(recorder.all.map(\.errorCode) == [.network, .network])
        }

        @Test(arguments: TransportKind.allCases) func cancellingTheCallerCancelsTheCall(_ kind: TransportKind) async throws {
            try await withFakeProvider(script: [.delayed(milliseconds: 40_000, .answer(200))], transport: kind) { _, url, transport in
                let client = F.client(transport)
                let task = Task { try await client.send(F.request(url)) }
                try await Task.sleep(for: .milliseconds(200))
                let started = ContinuousClock.now
                task.cancel()
                let result = await task.result
                #expect(ContinuousClock.now - started < .seconds(30))  // uncancelled: the server's remaining 39.8 s
                #expect(throws: CancellationError.self) { try result.get() }
            }
        }
    }
}
