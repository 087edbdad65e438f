import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// Found by a review: an agent's circuit breaker, shared by every tenant, counted failures that
/// one request caused — a question that kept the tool loop going past its limit, a prompt the
/// model refused as too large — so one tenant could pause the agent for all. Those leave the
/// breaker alone; the model's own failures still open it.
@Suite struct BreakerVerdictTests {
    /// Fails as its input says.
    struct FailingAgent: Agent {
        let name = "failing"
        let description = "fails on demand"
        let intents = ["fail"]
        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            switch JSONPath.text(input["how"]) {
            case "exhausted": throw ToolLoop.Exhausted(iterations: 6)
            case "too-large": throw LLMError.http(status: 400, message: "This model's maximum context length is 128000 tokens")
            default: throw LLMError.http(status: 500, message: "upstream error")
            }
        }
    }

    func circuit(_ client: HTTPTestClient) async throws -> String? {
        let reply = try await client.get("/trpc/agents.list", headers: ["Authorization": "Bearer \(signedToken())"])
        let items = try #require((try reply.json()["result"] as? [String: Any])?["data"] as? [[String: Any]])
        return items.first { $0["name"] as? String == "failing" }?["circuit"] as? String
    }

    @Test func requestCausedFailuresLeaveTheSharedBreakerClosed() async throws {
        try await withDatabaseApp(agents: [FailingAgent()], { $0.agentBreakerThreshold = 1 }) { _, client in
            for how in ["exhausted", "too-large", "exhausted", "too-large"] {
                let (status, _) = try await client.mutation("agents.run", ["agent": "failing", "input": ["how": how]])
                #expect(status == 200)
                #expect(try await circuit(client) == "closed", "after \(how)")
            }
            // The model failing on its own side still counts: one failure opens it at this threshold.
            _ = try await client.mutation("agents.run", ["agent": "failing", "input": ["how": "model-down"]])
            #expect(try await circuit(client) == "open")
            let (paused, envelope) = try await client.mutation("agents.run", ["agent": "failing", "input": ["how": "exhausted"]], tenant: "tenant-b")
            #expect(paused == 503 && errorCode(envelope) == "SERVICE_UNAVAILABLE")
        }
    }
}
