import Foundation
import HTTPFields
public import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An OpenAI-compatible chat-completions client (OpenAI itself, or any local server that
/// speaks its API): `POST {baseURL}/chat/completions` with a bearer key, through
/// `OutboundClient`.
///
/// Retries 429 and 5xx answers, timeouts and transport failures with exponential backoff and
/// jitter (a repeated completion has no effect beyond its cost, so the POST is marked safe to
/// repeat). A `Retry-After` of up to 30 s is waited for; a longer one fails at once as
/// `rateLimited` with the server's delay. Other 4xx answers fail at once. The API key is sent
/// only in the `Authorization` header and never appears in errors or logs.
public struct OpenAIProvider: LLMProvider {
    /// `openai`.
    public let name = "openai"
    /// The model used when a request names none.
    public let defaultModel: String
    /// The API root, e.g. `https://api.openai.com/v1` (no trailing slash).
    public let baseURL: String
    private let apiKey: String
    private let client: OutboundClient

    /// Creates a client. `timeout` bounds each attempt; `maxRetries` counts retries after
    /// the first attempt; `retryBaseDelay` is the first backoff step.
    public init(
        baseURL: String, apiKey: String, defaultModel: String = "gpt-4o-mini",
        timeout: Duration = .seconds(60), maxRetries: Int = 3,
        retryBaseDelay: Duration = .milliseconds(500), transport: any OutboundTransport = AsyncHTTPClientTransport(),
        logger: Logger = Logger(label: "neonhub.llm.openai")
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.defaultModel = defaultModel
        // Each step waits at least the full backoff step (plus up to 50 %): an endpoint that
        // just failed is not asked again at once.
        let retry = RetryPolicy(
            maxRetries: maxRetries,
            backoff: Backoff(base: retryBaseDelay, maximum: .seconds(30), jitter: .additive(0.5)),
            retryAfterCap: .seconds(30))
        self.client = OutboundClient(
            configuration: OutboundConfiguration(attemptTimeout: timeout, deadline: nil, retry: retry),
            transport: transport, logger: logger)
    }

    /// Sends one completion request, retrying as described on the type.
    public func complete(_ request: LLMRequest) async throws -> LLMResponse {
        let model = request.model.isEmpty ? defaultModel : request.model
        let outbound = try makeOutboundRequest(request, model: model)
        let response: OutboundResponse
        do {
            response = try await client.send(outbound)
        } catch let error as OutboundError {
            throw Self.llmError(error)
        }
        return try OpenAIWire.decodeCompletion(response.body, requestedModel: model)
    }

    /// The LLM error for a failed call; every text in it was redacted by the client.
    static func llmError(_ error: OutboundError) -> LLMError {
        switch error.code {
        case .rateLimited:
            return .rateLimited(retryAfter: error.retryAfter)
        case .timeout:
            return .timeout
        case .network:
            return .transport(error.detail ?? "unreachable")
        case .retryable, .auth, .permanent:
            let status = error.status ?? 0
            return .http(status: status, message: error.message ?? HTTPURLResponse.localizedString(forStatusCode: status))
        }
    }

    /// The HTTP request (identical across retries).
    func makeOutboundRequest(_ request: LLMRequest, model: String) throws(LLMError) -> OutboundRequest {
        guard let url = URL(string: baseURL + "/chat/completions"),
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil
        else {
            throw .invalidConfiguration("base URL must be an absolute http(s) URL")
        }
        let body: Data
        do {
            body = try JSONEncoder().encode(OpenAIWire.ChatRequest(request, model: model))
        } catch {
            throw .invalidConfiguration("request could not be encoded as JSON")
        }
        return OutboundRequest(
            method: "POST", url: url, urlTemplate: "/chat/completions",
            labels: OutboundLabels(connector: name, action: "chat.completions"),
            headers: ["Authorization": "Bearer \(apiKey)", "Content-Type": "application/json", "Accept": "application/json"],
            body: body, retry: .safe, secrets: [apiKey],
            messageReader: { OpenAIWire.errorMessage(from: $0) })
    }
}
