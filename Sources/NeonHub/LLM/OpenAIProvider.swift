import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging

/// An OpenAI-compatible chat-completions client (OpenAI itself, or any local server that
/// speaks its API): `POST {baseURL}/chat/completions` with a bearer key.
///
/// Retries 429 and 5xx answers, timeouts and transport failures with exponential backoff and
/// jitter (a `Retry-After` header wins, capped at 30 s); other 4xx answers fail at once. The
/// API key is sent only in the `Authorization` header and never appears in errors or logs.
public struct OpenAIProvider: LLMProvider {
    /// `openai`.
    public let name = "openai"
    /// The model used when a request names none.
    public let defaultModel: String
    /// The API root, e.g. `https://api.openai.com/v1` (no trailing slash).
    public let baseURL: String
    private let apiKey: String
    private let timeout: Duration
    private let retry: RetryPolicy
    private let session: URLSession
    private let logger: Logger

    /// Creates a client. `timeout` bounds each attempt; `maxRetries` counts retries after
    /// the first attempt; `retryBaseDelay` is the first backoff step.
    public init(
        baseURL: String, apiKey: String, defaultModel: String = "gpt-4o-mini",
        timeout: Duration = .seconds(60), maxRetries: Int = 3,
        retryBaseDelay: Duration = .milliseconds(500), session: URLSession = .shared,
        logger: Logger = Logger(label: "neonhub.llm.openai")
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.defaultModel = defaultModel
        self.timeout = timeout
        self.retry = RetryPolicy(maxRetries: max(0, maxRetries), baseDelay: retryBaseDelay)
        self.session = session
        self.logger = logger
    }

    /// Sends one completion request, retrying as described on the type.
    public func complete(_ request: LLMRequest) async throws -> LLMResponse {
        let model = request.model.isEmpty ? defaultModel : request.model
        let urlRequest = try makeURLRequest(request, model: model)
        let call = URLSessionCall(session: session, timeout: timeout)
        let redactor = SecretRedactor(secret: apiKey)
        var retryNumber = 0
        while true {
            let failure: LLMError
            let retryAfter: Duration?
            switch try await attempt(call, urlRequest, model: model, redactor: redactor) {
            case let .success(response):
                return response
            case let .retryable(error, serverDelay):
                failure = error
                retryAfter = serverDelay
            }
            guard retryNumber < retry.maxRetries else {
                logger.warning("LLM call failed, retries exhausted", metadata: [
                    "model": "\(model)", "attempts": "\(retryNumber + 1)", "error": "\(failure)",
                ])
                throw failure
            }
            let delay = retry.delay(beforeRetry: retryNumber, retryAfter: retryAfter)
            logger.info("LLM call failed, retrying", metadata: [
                "model": "\(model)", "attempt": "\(retryNumber + 1)", "error": "\(failure)",
                "delayMs": "\(Int(delay.inSeconds * 1000))",
            ])
            try await Task.sleep(for: delay)
            retryNumber += 1
        }
    }

    /// How one attempt ended, when it did not fail for good.
    private enum AttemptOutcome {
        case success(LLMResponse)
        case retryable(LLMError, retryAfter: Duration?)
    }

    /// One attempt: success, a retryable failure (429, 5xx, timeout, transport), or a thrown
    /// final error (other statuses, malformed bodies, cancellation).
    private func attempt(
        _ call: URLSessionCall, _ urlRequest: URLRequest, model: String, redactor: SecretRedactor
    ) async throws -> AttemptOutcome {
        do {
            let (data, http) = try await call.perform(urlRequest)
            let status = http.statusCode
            if (200..<300).contains(status) {
                return .success(try OpenAIWire.decodeCompletion(data, requestedModel: model))
            }
            let retryAfter = RetryPolicy.parseRetryAfter(http.value(forHTTPHeaderField: "Retry-After"))
            if status == 429 {
                return .retryable(.rateLimited(retryAfter: retryAfter), retryAfter: retryAfter)
            }
            let message = redactor.clean(
                OpenAIWire.errorMessage(from: data) ?? HTTPURLResponse.localizedString(forStatusCode: status))
            let failure = LLMError.http(status: status, message: message)
            guard RetryPolicy.isRetryable(status: status) else { throw failure }
            return .retryable(failure, retryAfter: retryAfter)
        } catch let error as LLMError where error == .timeout {
            return .retryable(.timeout, retryAfter: nil)
        } catch let error as URLSessionCall.TransportFailure {
            return .retryable(.transport(redactor.clean(error.detail)), retryAfter: nil)
        }
    }

    /// The HTTP request for one attempt (identical across retries).
    func makeURLRequest(_ request: LLMRequest, model: String) throws(LLMError) -> URLRequest {
        guard let url = URL(string: baseURL + "/chat/completions"),
              let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw .invalidConfiguration("base URL must be an absolute http(s) URL")
        }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = "POST"
        // Our own deadline (URLSessionCall) is the real limit; URLSession's is only a backstop
        // and must stay above it: swift-corelibs-foundation truncates it to whole seconds,
        // so a sub-second value would fire at once.
        urlRequest.timeoutInterval = timeout.inSeconds.rounded(.up) + 1
        urlRequest.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization")
        urlRequest.setValue("application/json", forHTTPHeaderField: "Content-Type")
        urlRequest.setValue("application/json", forHTTPHeaderField: "Accept")
        do {
            urlRequest.httpBody = try JSONEncoder().encode(OpenAIWire.ChatRequest(request, model: model))
        } catch {
            throw .invalidConfiguration("request could not be encoded as JSON")
        }
        return urlRequest
    }
}
