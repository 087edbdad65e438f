import Synchronization

@testable import NeonHub

/// A toolbox test double: runs tool bodies, records every call (name, input, output or error),
/// answers LLM requests from a script, and records metrics.
final class RecordingToolbox: AgentToolbox {
    struct Call: Sendable {
        var tool: String
        var input: JSONValue
        var output: JSONValue?
        var error: String?
        var timeout: Duration
    }

    struct Metric: Sendable, Equatable {
        var name: String
        var value: Double
        var unit: String
    }

    private struct State {
        var calls: [Call] = []
        var requests: [LLMRequest] = []
        var metrics: [Metric] = []
        var answers: [String]
    }

    let tenantID: String
    let model: String
    private let state: Mutex<State>

    /// `answers` are returned by `complete` in order (the last one repeats).
    init(tenantID: String = "tenant-test", model: String = "scripted-model", answers: [String] = ["A scripted answer."]) {
        self.tenantID = tenantID
        self.model = model
        self.state = Mutex(State(answers: answers))
    }

    var calls: [Call] { state.withLock { $0.calls } }
    var toolNames: [String] { calls.map(\.tool) }
    var requests: [LLMRequest] { state.withLock { $0.requests } }
    var metrics: [Metric] { state.withLock { $0.metrics } }

    func call(
        _ tool: String, input: JSONValue, timeout: Duration,
        _ body: @escaping @Sendable () async throws -> JSONValue
    ) async throws -> JSONValue {
        do {
            let output = try await body()
            state.withLock { $0.calls.append(Call(tool: tool, input: input, output: output, error: nil, timeout: timeout)) }
            return output
        } catch {
            state.withLock { $0.calls.append(Call(tool: tool, input: input, output: nil, error: "\(error)", timeout: timeout)) }
            throw error
        }
    }

    func complete(_ request: LLMRequest) async throws -> LLMResponse {
        let content = state.withLock { s -> String in
            s.requests.append(request)
            return s.answers.count > 1 ? s.answers.removeFirst() : (s.answers.first ?? "")
        }
        let response = LLMResponse(
            content: content, model: model,
            usage: LLMUsage(inputTokens: 100, outputTokens: content.count / 4), finishReason: "stop")
        state.withLock {
            $0.calls.append(
                Call(
                    tool: "llm.complete", input: .string(request.messages.last?.content ?? ""),
                    output: .string(content), error: nil, timeout: .seconds(60)))
        }
        return response
    }

    func metric(_ name: String, _ value: Double, unit: String) {
        state.withLock { $0.metrics.append(Metric(name: name, value: value, unit: unit)) }
    }
}

/// Small accessors for reading agent output in tests.
extension JSONValue {
    var testString: String? { if case .string(let s) = self { s } else { nil } }
    var testNumber: Double? { if case .number(let n) = self { n } else { nil } }
    var testInt: Int? { testNumber.map { Int($0) } }
    var testBool: Bool? { if case .bool(let b) = self { b } else { nil } }
    var testArray: [JSONValue] { if case .array(let a) = self { a } else { [] } }
    var testStrings: [String] { testArray.compactMap(\.testString) }
}
