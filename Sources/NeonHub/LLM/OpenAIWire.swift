import Foundation

/// The JSON shapes of OpenAI's chat-completions API that `OpenAIProvider` sends and reads.
enum OpenAIWire {
    /// `POST /chat/completions` body.
    struct ChatRequest: Encodable, Equatable {
        var model: String
        var messages: [LLMMessage]
        var temperature: Double?
        var maxTokens: Int?
        var maxCompletionTokens: Int?
        var responseFormat: ResponseFormat?

        enum CodingKeys: String, CodingKey {
            case model, messages, temperature
            case maxTokens = "max_tokens"
            case maxCompletionTokens = "max_completion_tokens"
            case responseFormat = "response_format"
        }

        /// The body for `request` sent to `model`. Reasoning models (`o1`, `o3`, `o4` …)
        /// take `max_completion_tokens` and reject `temperature`.
        init(_ request: LLMRequest, model: String) {
            self.model = model
            self.messages = request.messages
            let reasoning = Self.isReasoningModel(model)
            self.temperature = reasoning ? nil : request.temperature
            self.maxTokens = reasoning ? nil : request.maxTokens
            self.maxCompletionTokens = reasoning ? request.maxTokens : nil
            self.responseFormat = request.jsonOutput ? ResponseFormat(type: "json_object") : nil
        }

        /// `o1…`, `o3…`, `o4…`: OpenAI's reasoning families.
        static func isReasoningModel(_ model: String) -> Bool {
            let name = model.lowercased()
            guard name.count >= 2, name.first == "o" else { return false }
            return name.dropFirst().first?.isNumber == true
        }
    }

    /// `response_format`.
    struct ResponseFormat: Codable, Equatable {
        var type: String
    }

    /// A `chat.completion` object (the fields we use).
    struct ChatResponse: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable {
                var role: String?
                var content: String?
                var refusal: String?
            }
            var message: Message?
            var finishReason: String?

            enum CodingKeys: String, CodingKey {
                case message
                case finishReason = "finish_reason"
            }
        }
        struct Usage: Decodable {
            struct PromptDetails: Decodable {
                var cachedTokens: Int?
                enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
            }
            var promptTokens: Int?
            var completionTokens: Int?
            var promptTokensDetails: PromptDetails?

            enum CodingKeys: String, CodingKey {
                case promptTokens = "prompt_tokens"
                case completionTokens = "completion_tokens"
                case promptTokensDetails = "prompt_tokens_details"
            }
        }
        var model: String?
        var choices: [Choice]
        var usage: Usage?
    }

    /// `{"error": {"message": …, "type": …, "code": …}}`.
    struct ErrorEnvelope: Decodable {
        struct Body: Decodable {
            var message: String?
            var type: String?
        }
        var error: Body
    }

    /// Decodes a 2xx body into a response, or explains why it cannot be used.
    static func decodeCompletion(_ data: Data, requestedModel: String) throws(LLMError) -> LLMResponse {
        let decoded: ChatResponse
        do {
            decoded = try JSONDecoder().decode(ChatResponse.self, from: data)
        } catch {
            throw .malformedResponse("body is not a chat.completion object (\(data.count) bytes)")
        }
        guard let choice = decoded.choices.first else {
            throw .malformedResponse("no choices in the response")
        }
        guard let content = choice.message?.content else {
            if let refusal = choice.message?.refusal {
                throw .malformedResponse("the model refused: \(refusal.prefix(200))")
            }
            throw .malformedResponse("choices[0].message.content is missing")
        }
        // Counts are the endpoint's, not ours to trust: a negative one would give budget back,
        // and one past Int32 overflows the run's total (stopping the process) or the
        // `llm_usage` row (losing the run). Such an answer is not used.
        let counts = [decoded.usage?.promptTokens, decoded.usage?.completionTokens, decoded.usage?.promptTokensDetails?.cachedTokens]
        guard counts.allSatisfy({ ($0 ?? 0) >= 0 && ($0 ?? 0) <= Int(Int32.max) }) else {
            throw .malformedResponse("usage token counts outside 0...\(Int32.max)")
        }
        let usage = LLMUsage(
            inputTokens: decoded.usage?.promptTokens ?? 0,
            outputTokens: decoded.usage?.completionTokens ?? 0,
            cachedTokens: decoded.usage?.promptTokensDetails?.cachedTokens ?? 0)
        return LLMResponse(
            content: content, model: decoded.model ?? requestedModel, usage: usage,
            finishReason: choice.finishReason)
    }

    /// The human-readable message of an error body, or the body text itself when it is not
    /// OpenAI-shaped, or nil when empty.
    static func errorMessage(from data: Data) -> String? {
        if let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: data),
            let message = envelope.error.message, !message.isEmpty
        {
            return message
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
