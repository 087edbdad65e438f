/// Why a completion failed. Descriptions never contain the API key: providers redact it
/// before building an error.
public enum LLMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The endpoint answered with a non-success status (after retries for 5xx); `message`
    /// is taken from the OpenAI error body (`{"error":{"message":…}}`), truncated and redacted.
    case http(status: Int, message: String)
    /// No answer arrived within the request timeout (after retries).
    case timeout
    /// The endpoint answered 2xx with a body that is not a usable chat completion.
    case malformedResponse(String)
    /// Still rate limited (429) once retries were exhausted; `retryAfter` is the last
    /// `Retry-After` the server sent, if any.
    case rateLimited(retryAfter: Duration?)
    /// The request could not be delivered (connection refused, reset, DNS, …) after retries.
    case transport(String)
    /// The provider is configured wrongly (e.g. an unusable base URL).
    case invalidConfiguration(String)

    /// A one-line, key-free explanation.
    public var description: String {
        switch self {
        case .http(let status, let message):
            return "LLM endpoint answered HTTP \(status): \(message)"
        case .timeout:
            return "LLM request timed out"
        case .malformedResponse(let detail):
            return "LLM endpoint sent a malformed response: \(detail)"
        case .rateLimited(let retryAfter):
            if let retryAfter {
                return "LLM endpoint is rate limiting requests (retry after \(retryAfter.components.seconds) s)"
            }
            return "LLM endpoint is rate limiting requests"
        case .transport(let detail):
            return "LLM endpoint unreachable: \(detail)"
        case .invalidConfiguration(let detail):
            return "LLM provider misconfigured: \(detail)"
        }
    }
}
