import Foundation
import HTTPCore
import HTTPFields
import Synchronization
import TestSupport

@testable import NeonHub

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An OpenAI-compatible chat-completions endpoint on loopback, following the API reference
/// (https://platform.openai.com/docs/api-reference/chat/create and
/// https://platform.openai.com/docs/guides/error-codes). It checks every request
/// against what the test expects (path, bearer key, model, messages, sampling fields,
/// response format) and answers 400 with an OpenAI error body when a check fails; otherwise
/// it plays the next scripted step (realistic completion by default).
final class FakeOpenAIServer: HTTPHandler, Sendable {
    static let apiKey = "test-key"

    /// One scripted answer.
    indirect enum Step: Sendable {
        /// A `chat.completion` with this content.
        case completion(String)
        /// An error status with an OpenAI error body and an optional `Retry-After`.
        case status(Int, retryAfter: String? = nil, message: String = "The server had an error while processing your request.")
        /// 200 with a truncated JSON body.
        case malformed
        /// 401 whose message echoes the received `Authorization` header (as careless proxies do).
        case echoAuthorization
        /// `step`, answered after a delay.
        case delayed(milliseconds: Int, Step)
    }

    /// What every request must carry.
    struct Expectation: Sendable {
        var model = "gpt-4o-mini"
        var messages = [
            LLMMessage(role: "system", content: "You are a marketing assistant."),
            LLMMessage(role: "user", content: "Write a tagline for NeonHub."),
        ]
        var jsonOutput = false
        var temperature: Double?
        var maxTokens: Int?
        /// `max_tokens` or `max_completion_tokens`.
        var maxTokensField = "max_tokens"
    }

    /// A request as it arrived.
    struct Seen: Sendable {
        var at: ContinuousClock.Instant
        var problems: [String]
        /// The request's `traceparent` header.
        var traceparent: String?
    }

    let expectation: Expectation
    private let state: Mutex<(script: [Step], seen: [Seen])>

    init(expectation: Expectation = Expectation(), script: [Step]) {
        self.expectation = expectation
        self.state = Mutex((script, []))
    }

    /// Requests received so far.
    var seen: [Seen] { state.withLock { $0.seen } }

    func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        let problems = check(request)
        let step = state.withLock { s -> Step in
            s.seen.append(Seen(at: .now, problems: problems, traceparent: request.headers["traceparent"]))
            return s.script.isEmpty ? .completion("NeonHub: marketing that runs itself.") : s.script.removeFirst()
        }
        guard problems.isEmpty else {
            responder.respond(Self.errorResponse(400, "request check failed: " + problems.joined(separator: "; ")))
            return
        }
        answer(step, request: request, responder: responder)
    }

    private func answer(_ step: Step, request: HTTPRequest, responder: HTTPResponder) {
        switch step {
        case .completion(let content):
            responder.respond(
                HTTPResponse(
                    status: 200, headers: ["Content-Type": "application/json"],
                    body: Array(Self.completionBody(content, model: expectation.model).utf8)))
        case .status(let code, let retryAfter, let message):
            var response = Self.errorResponse(code, message)
            if let retryAfter { response.headers.add(name: "Retry-After", value: retryAfter) }
            responder.respond(response)
        case .malformed:
            responder.respond(
                HTTPResponse(
                    status: 200, headers: ["Content-Type": "application/json"],
                    body: Array(#"{"id":"chatcmpl-9x","object":"chat.completion","choices":[{"index":0,"mess"#.utf8)))
        case .echoAuthorization:
            let received = request.headers["authorization"] ?? ""
            responder.respond(
                Self.errorResponse(
                    401, "Incorrect API key provided: \(received). You can find your API key at https://platform.openai.com/account/api-keys."))
        case .delayed(let milliseconds, let inner):
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds)) {
                self.answer(inner, request: request, responder: responder)
            }
        }
    }

    /// Every way the request differs from the expectation.
    private func check(_ request: HTTPRequest) -> [String] {
        var problems: [String] = []
        if request.method != "POST" { problems.append("method \(request.method)") }
        if request.path != "/chat/completions" { problems.append("path \(request.path)") }
        if request.headers["authorization"] != "Bearer \(Self.apiKey)" { problems.append("bad Authorization") }
        if !(request.headers["content-type"] ?? "").hasPrefix("application/json") { problems.append("content-type") }
        guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return problems + ["body is not a JSON object"]
        }
        if body["model"] as? String != expectation.model { problems.append("model \(body["model"] ?? "missing")") }
        let messages = (body["messages"] as? [[String: Any]])?.map {
            LLMMessage(role: $0["role"] as? String ?? "?", content: $0["content"] as? String ?? "?")
        }
        if messages != expectation.messages { problems.append("messages differ") }
        let format = (body["response_format"] as? [String: Any])?["type"] as? String
        if expectation.jsonOutput && format != "json_object" { problems.append("response_format missing") }
        if !expectation.jsonOutput && body["response_format"] != nil { problems.append("unexpected response_format") }
        if body["temperature"] as? Double != expectation.temperature { problems.append("temperature") }
        for field in ["max_tokens", "max_completion_tokens"] {
            let expected = field == expectation.maxTokensField ? expectation.maxTokens : nil
            if body[field] as? Int != expected { problems.append(field) }
        }
        return problems
    }

    /// A realistic `chat.completion` object.
    static func completionBody(_ content: String, model: String) -> String {
        let encoded = String(decoding: try! JSONEncoder().encode(content), as: UTF8.self)
        return """
            {"id":"chatcmpl-AzK3v9GqL0a8Hn2","object":"chat.completion","created":1735689600,\
            "model":"\(model)-2024-07-18","choices":[{"index":0,"message":{"role":"assistant",\
            "content":\(encoded),"refusal":null},"logprobs":null,"finish_reason":"stop"}],\
            "usage":{"prompt_tokens":42,"completion_tokens":17,"total_tokens":59,\
            "prompt_tokens_details":{"cached_tokens":8,"audio_tokens":0},\
            "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,\
            "accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},\
            "service_tier":"default","system_fingerprint":"fp_0ba0d124f1"}
            """
    }

    /// An OpenAI-style error response.
    static func errorResponse(_ status: Int, _ message: String) -> HTTPResponse {
        let type = status == 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error"
        let body: [String: [String: String?]] = ["error": ["message": message, "type": type, "param": nil, "code": nil]]
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(data))
    }
}

/// Runs `body` against a fake server on an ephemeral loopback port.
func withFakeOpenAI<T>(
    _ expectation: FakeOpenAIServer.Expectation = .init(), script: [FakeOpenAIServer.Step],
    _ body: (FakeOpenAIServer, _ baseURL: String) async throws -> T
) async throws -> T {
    let fake = FakeOpenAIServer(expectation: expectation, script: script)
    return try await withLoopbackServer(fake) { baseURL in try await body(fake, baseURL) }
}
