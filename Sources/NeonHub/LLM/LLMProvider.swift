/// A chat message sent to a language model.
public struct LLMMessage: Codable, Sendable, Equatable {
    /// `system`, `user` or `assistant`.
    public var role: String
    /// The text.
    public var content: String

    /// Creates a message.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A structured brief for an article: what the offline template provider builds from, and
/// what prompts for real models are written from.
public struct ArticleBrief: Codable, Sendable, Equatable {
    public var topic: String
    public var primaryKeyword: String
    public var tone: String
    public var audience: String
    public var wordCount: Int

    /// Creates a brief.
    public init(topic: String, primaryKeyword: String, tone: String = "informative", audience: String = "marketing teams", wordCount: Int = 800) {
        self.topic = topic
        self.primaryKeyword = primaryKeyword
        self.tone = tone
        self.audience = audience
        self.wordCount = wordCount
    }
}

/// What a request is for, so that the offline template provider can answer with real
/// structure instead of parsing a prompt.
public enum LLMTask: Sendable, Equatable {
    /// A full article (title, meta description, sections) as JSON.
    case article(ArticleBrief)
    /// Free text (the template provider answers from the last user message).
    case text
}

/// One completion request.
public struct LLMRequest: Sendable, Equatable {
    /// Model name, e.g. `gpt-4o-mini` (providers may substitute a default).
    public var model: String
    /// The conversation.
    public var messages: [LLMMessage]
    /// Sampling temperature.
    public var temperature: Double?
    /// Upper bound on output tokens.
    public var maxTokens: Int?
    /// Ask for a JSON object as output (`response_format: json_object`).
    public var jsonOutput: Bool
    /// The structured task behind the prompt.
    public var task: LLMTask

    /// Creates a request.
    public init(
        model: String, messages: [LLMMessage], temperature: Double? = nil, maxTokens: Int? = nil, jsonOutput: Bool = false, task: LLMTask = .text
    ) {
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.jsonOutput = jsonOutput
        self.task = task
    }
}

/// Token usage reported for one completion.
public struct LLMUsage: Codable, Sendable, Equatable {
    public var inputTokens: Int
    public var outputTokens: Int
    public var cachedTokens: Int

    /// Creates a usage record.
    public init(inputTokens: Int, outputTokens: Int, cachedTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedTokens = cachedTokens
    }
}

/// One completion result.
public struct LLMResponse: Sendable, Equatable {
    /// The generated text (JSON text when `jsonOutput` was asked).
    public var content: String
    /// The model that answered.
    public var model: String
    /// Token usage.
    public var usage: LLMUsage
    /// Why generation stopped (`stop`, `length`, …), if known.
    public var finishReason: String?

    /// Creates a response.
    public init(content: String, model: String, usage: LLMUsage, finishReason: String? = nil) {
        self.content = content
        self.model = model
        self.usage = usage
        self.finishReason = finishReason
    }
}

/// A language model behind one protocol: the OpenAI-compatible client or the offline
/// template provider.
public protocol LLMProvider: Sendable {
    /// Provider name (`openai`, `template`).
    var name: String { get }
    /// The model used when a request does not name one.
    var defaultModel: String { get }
    /// Completes one request.
    func complete(_ request: LLMRequest) async throws -> LLMResponse
}
