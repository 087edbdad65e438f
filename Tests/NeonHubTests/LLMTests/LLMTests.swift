import Testing

/// Namespace for the LLM provider and cost-accounting suites (`swift test --filter LLMTests`).
@Suite enum LLMTests {}
