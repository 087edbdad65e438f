import Foundation
import Testing

@testable import NeonHub

/// Found by measuring: an agent's body ran on the event loop of the request that started it,
/// so an SEO analysis of a 440 KB article (340 ms) held every other connection of that loop
/// for as long (`/health` answered in 248 ms instead of 0.3). A computing agent now runs on
/// Swift's shared pool; one that says it only waits stays on the loop.
@Suite struct AgentThreadTests {
    /// The name of the thread running the caller (the server's loops are `http-loop-<n>`).
    static func threadName() -> String {
        ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Answers the name of the thread its body ran on.
    struct ThreadReporter: Agent {
        let name: String
        let description = "reports the thread its body runs on"
        let intents: [String]
        let waitsOnly: Bool
        func runsOnTheSharedPool(_ input: JSONValue) -> Bool { !waitsOnly }
        func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
            .object(["thread": .string(AgentThreadTests.threadName())])
        }
    }

    @Test func aComputingAgentRunsOffTheEventLoopAndAWaitingOneOnIt() async throws {
        let agents: [any Agent] = [
            ThreadReporter(name: "computing", intents: ["compute"], waitsOnly: false),
            ThreadReporter(name: "waiting", intents: ["wait"], waitsOnly: true),
        ]
        try await withDatabaseApp(agents: agents) { _, client in
            var threads: [String: String] = [:]
            for agent in ["computing", "waiting"] {
                let (status, envelope) = try await client.mutation("agents.run", ["agent": agent, "input": [:]])
                #expect(status == 200, "\(envelope)")
                threads[agent] = (resultData(envelope)?["output"] as? [String: Any])?["thread"] as? String
            }
            #expect(threads["waiting"]?.hasPrefix("http-loop-") == true, "\(threads)")
            #expect(threads["computing"].map { !$0.hasPrefix("http-loop-") } == true, "\(threads)")
        }
    }

    @Test func theEchoAgentHopsOnlyForALongText() {
        #expect(!EchoAgent().runsOnTheSharedPool(.object(["text": .string("a b")])))
        #expect(EchoAgent().runsOnTheSharedPool(.object(["text": .string(String(repeating: "word ", count: 2_000))])))
    }
}
