import Foundation
import Testing

@testable import NeonHub

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension LLMTests {
    /// `OpenAIProvider` against the checking fake server: request shape, parsing, retries,
    /// errors, timeouts and key hygiene.
    @Suite(.serialized) struct OpenAIProviderTests {
        typealias Fake = FakeOpenAIServer

        static let messages = Fake.Expectation().messages

        func provider(
            _ baseURL: String, timeout: Duration = .seconds(10),
            maxRetries: Int = 3, baseDelay: Duration = .milliseconds(20)
        ) -> OpenAIProvider {
            OpenAIProvider(
                baseURL: baseURL + "/", apiKey: Fake.apiKey, timeout: timeout,
                maxRetries: maxRetries, retryBaseDelay: baseDelay)
        }

        /// The error `body` throws, with the key-hygiene check every error must pass.
        func llmError(_ body: () async throws -> LLMResponse) async -> LLMError? {
            do {
                _ = try await body()
                Issue.record("expected an error")
                return nil
            } catch let error as LLMError {
                #expect(!String(describing: error).contains(Fake.apiKey))
                #expect(!error.localizedDescription.contains(Fake.apiKey))
                return error
            } catch {
                Issue.record("unexpected error \(error)")
                return nil
            }
        }

        @Test func sendsAWellFormedRequestAndParsesTheCompletion() async throws {
            let expectation = Fake.Expectation(jsonOutput: true, temperature: 0.2, maxTokens: 500)
            try await withFakeOpenAI(expectation, script: [.completion(#"{"tagline":"Marketing on autopilot"}"#)]) { fake, url in
                let response = try await provider(url).complete(
                    LLMRequest(
                        model: "gpt-4o-mini", messages: Self.messages, temperature: 0.2, maxTokens: 500, jsonOutput: true))
                #expect(response.content == #"{"tagline":"Marketing on autopilot"}"#)
                #expect(response.model == "gpt-4o-mini-2024-07-18")
                #expect(response.usage == LLMUsage(inputTokens: 42, outputTokens: 17, cachedTokens: 8))
                #expect(response.finishReason == "stop")
                #expect(fake.seen.count == 1)
                #expect(fake.seen.first?.problems == [])
            }
        }

        /// Each completion is a child span of the request or job that asked for it (DESIGN §7).
        @Test func aCompletionCarriesTheCurrentTraceWithItsOwnSpan() async throws {
            let trace = TraceContext.continuing(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
            try await withFakeOpenAI(script: [.status(500), .completion("ok"), .completion("again")]) { fake, url in
                let llm = provider(url)
                try await TraceContext.$current.withValue(trace) {
                    _ = try await llm.complete(LLMRequest(model: "", messages: Self.messages))
                    _ = try await llm.complete(LLMRequest(model: "", messages: Self.messages))
                }
                let sent = fake.seen.compactMap { $0.traceparent.flatMap(TraceParent.init) }
                #expect(sent.count == 3)
                #expect(sent.allSatisfy { $0.traceID == trace.traceID && $0.flags == "01" })
                #expect(sent[0].parentID == sent[1].parentID)  // a retry is the same call
                #expect(sent[1].parentID != sent[2].parentID)  // another call, another span
                #expect(!sent.contains { $0.parentID == trace.spanID })
            }
        }

        @Test func plainTextRequestsCarryNoResponseFormatAndUseTheDefaultModel() async throws {
            try await withFakeOpenAI(script: []) { fake, url in
                let response = try await provider(url).complete(LLMRequest(model: "", messages: Self.messages))
                #expect(response.content == "NeonHub: marketing that runs itself.")
                #expect(fake.seen.map(\.problems) == [[]])
            }
        }

        @Test func reasoningModelsGetMaxCompletionTokensAndNoTemperature() async throws {
            let expectation = Fake.Expectation(model: "o3-mini", maxTokens: 300, maxTokensField: "max_completion_tokens")
            try await withFakeOpenAI(expectation, script: []) { fake, url in
                _ = try await provider(url).complete(
                    LLMRequest(
                        model: "o3-mini", messages: Self.messages, temperature: 0.7, maxTokens: 300))
                #expect(fake.seen.map(\.problems) == [[]])
            }
        }

        @Test func theFakeRefusesARequestThatDoesNotMatch() async throws {
            try await withFakeOpenAI(script: []) { fake, url in
                let error = await llmError {
                    try await provider(url).complete(LLMRequest(model: "gpt-4o", messages: Self.messages, jsonOutput: true))
                }
                guard case .http(let status, let message) = error else { Issue.record("got \(String(describing: error))"); return }
                #expect(status == 400)
                #expect(message.contains("model gpt-4o"))
                #expect(message.contains("response_format"))
                #expect(fake.seen.count == 1)
            }
        }

        @Test func a429WithRetryAfterIsRetriedAfterTheAnnouncedDelay() async throws {
            try await withFakeOpenAI(script: [
                .status(429, retryAfter: "1", message: "Rate limit reached for gpt-4o-mini"), .completion("ok after 429"),
            ]) { fake, url in
                let started = ContinuousClock.now
                let response = try await provider(url, baseDelay: .milliseconds(10)).complete(
                    LLMRequest(model: "gpt-4o-mini", messages: Self.messages))
                #expect(response.content == "ok after 429")
                let seen = fake.seen
                #expect(seen.count == 2)
                if seen.count == 2 {
                    #expect(seen[1].at - seen[0].at >= .milliseconds(950))
                }
                #expect(ContinuousClock.now - started < .seconds(30))  // loose: a starved CI machine adds seconds
            }
        }

        @Test func persistent429EndsAsRateLimitedAfterTheRetries() async throws {
            try await withFakeOpenAI(script: Array(repeating: .status(429, retryAfter: "0"), count: 5)) { fake, url in
                let error = await llmError {
                    try await provider(url, maxRetries: 2).complete(LLMRequest(model: "gpt-4o-mini", messages: Self.messages))
                }
                #expect(error == .rateLimited(retryAfter: .zero))
                #expect(fake.seen.count == 3)
            }
        }

        @Test func a500IsRetriedWithBackoff() async throws {
            try await withFakeOpenAI(script: [.status(500), .completion("ok after 500")]) { fake, url in
                let response = try await provider(url, baseDelay: .milliseconds(100)).complete(
                    LLMRequest(model: "gpt-4o-mini", messages: Self.messages))
                #expect(response.content == "ok after 500")
                let seen = fake.seen
                #expect(seen.count == 2)
                if seen.count == 2 { #expect(seen[1].at - seen[0].at >= .milliseconds(95)) }
            }
        }

        @Test func persistent5xxEndsAsAnHTTPErrorWithTheServerMessage() async throws {
            try await withFakeOpenAI(script: Array(repeating: .status(503, message: "The engine is currently overloaded"), count: 3)) {
                fake, url in
                let error = await llmError {
                    try await provider(url, maxRetries: 1).complete(LLMRequest(model: "gpt-4o-mini", messages: Self.messages))
                }
                #expect(error == .http(status: 503, message: "The engine is currently overloaded"))
                #expect(fake.seen.count == 2)
            }
        }

        @Test func a400IsNotRetried() async throws {
            let message = "Invalid value for 'messages': expected an array of objects."
            try await withFakeOpenAI(script: [.status(400, message: message), .completion("never")]) { fake, url in
                let error = await llmError {
                    try await provider(url).complete(LLMRequest(model: "gpt-4o-mini", messages: Self.messages))
                }
                #expect(error == .http(status: 400, message: message))
                #expect(fake.seen.count == 1)
            }
        }

        @Test func aMalformedBodyIsReportedWithoutRetrying() async throws {
            try await withFakeOpenAI(script: [.malformed, .completion("never")]) { fake, url in
                let error = await llmError {
                    try await provider(url).complete(LLMRequest(model: "gpt-4o-mini", messages: Self.messages))
                }
                guard case .malformedResponse = error else { Issue.record("got \(String(describing: error))"); return }
                #expect(fake.seen.count == 1)
            }
        }

        /// Found by a review: `prompt_tokens` of Int.max overflowed the run's token total and
        /// stopped the process; a negative count gave budget back. Such an answer is not used.
        @Test func usageCountsOutsideWhatATokenCountCanBeAreRefused() throws {
            func body(_ prompt: String, _ completion: String) -> Data {
                Data(
                    #"{"model":"gpt-4o-mini","choices":[{"message":{"content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion)}}"#
                        .utf8)
            }
            let fine = try OpenAIWire.decodeCompletion(body("12", "30"), requestedModel: "gpt-4o-mini")
            #expect(fine.usage.inputTokens == 12 && fine.usage.outputTokens == 30)
            for (prompt, completion) in [("9223372036854775807", "1"), ("-5000", "10"), ("10", "2147483648")] {
                #expect(throws: LLMError.self, "\(prompt) \(completion)") {
                    try OpenAIWire.decodeCompletion(body(prompt, completion), requestedModel: "gpt-4o-mini")
                }
            }
        }

        @Test func aSlowServerTimesOut() async throws {
            try await withFakeOpenAI(script: [.delayed(milliseconds: 40_000, .completion("too late"))]) { fake, url in
                let started = ContinuousClock.now
                let error = await llmError {
                    try await provider(url, timeout: .milliseconds(1_500), maxRetries: 0).complete(
                        LLMRequest(model: "gpt-4o-mini", messages: Self.messages))
                }
                let elapsed = ContinuousClock.now - started
                #expect(error == .timeout)
                // 1.5 s, long enough for the request to reach the fake on a loaded machine.
                #expect(elapsed >= .milliseconds(1_450))
                #expect(elapsed < .seconds(30))  // unbounded: the server's 40 s
                #expect(fake.seen.count == 1)
            }
        }

        @Test func aTimeoutIsRetried() async throws {
            try await withFakeOpenAI(script: [.delayed(milliseconds: 15_000, .completion("too late")), .completion("second try")]) {
                fake, url in
                let response = try await provider(url, timeout: .seconds(3), maxRetries: 1).complete(
                    LLMRequest(model: "gpt-4o-mini", messages: Self.messages))
                #expect(response.content == "second try")
                #expect(fake.seen.count == 2)
            }
        }

        @Test func theKeyNeverAppearsInErrorsEvenWhenTheServerEchoesIt() async throws {
            try await withFakeOpenAI(script: [.echoAuthorization]) { fake, url in
                let error = await llmError {
                    try await provider(url).complete(LLMRequest(model: "gpt-4o-mini", messages: Self.messages))
                }
                guard case .http(let status, let message) = error else { Issue.record("got \(String(describing: error))"); return }
                #expect(status == 401)
                #expect(message.contains("Incorrect API key provided"))
                #expect(message.contains("[redacted]"))
                #expect(fake.seen.count == 1)
            }
        }

        @Test func anUnreachableEndpointIsATransportErrorAfterRetries() async throws {
            // A port that was just bound and released: nothing listens there.
            let url = try await withFakeOpenAI(script: []) { _, url in url }
            let error = await llmError {
                try await provider(url, maxRetries: 1, baseDelay: .milliseconds(10)).complete(
                    LLMRequest(model: "gpt-4o-mini", messages: Self.messages))
            }
            guard case .transport = error else { Issue.record("got \(String(describing: error))"); return }
        }

        @Test func aBaseURLThatIsNotHTTPIsRefusedUpFront() async throws {
            let provider = OpenAIProvider(baseURL: "ftp://example.com", apiKey: Fake.apiKey)
            let error = await llmError { try await provider.complete(LLMRequest(model: "gpt-4o-mini", messages: Self.messages)) }
            guard case .invalidConfiguration = error else { Issue.record("got \(String(describing: error))"); return }
        }
    }
}
