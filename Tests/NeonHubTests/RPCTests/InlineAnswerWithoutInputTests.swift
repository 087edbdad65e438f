import Foundation
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// An inline query's answer to a call without input can be encoded once (`answerWithoutInput`):
/// such calls get it without the body running; a call with input runs the body as before.
@Suite struct InlineAnswerWithoutInputTests {
    /// How many times a body ran.
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    /// The `message` a GET of `path` answers.
    func answer(_ client: HTTPTestClient, _ path: String) async throws -> String? {
        let reply = try await client.get(path)
        return ((try reply.json()["result"] as? [String: Any])?["data"] as? [String: Any])?["message"] as? String
    }

    @Test func aCallWithoutInputGetsTheFixedAnswerAndOneWithInputRunsTheBody() async throws {
        let runs = Counter()
        let procedures: @Sendable (ProcedureRegistry) -> Void = { registry in
            registry.inlineQuery(
                "test.fixed", auth: .public, summary: "A fixed answer without input",
                answerWithoutInput: SystemProcedures.EchoOutput(message: "fixed")
            ) { (input: ConnectorProcedures.CatalogInput, _) in
                runs.value.add(1, ordering: .relaxed)
                return SystemProcedures.EchoOutput(message: input.category ?? "body")
            }
        }
        try await withTestApp(procedures: procedures) { _, client in
            let a1 = try await answer(client, "/trpc/test.fixed")
            #expect(a1 == "fixed")
            let a2 = try await answer(client, "/trpc/test.fixed?input=%7B%7D")
            #expect(a2 == "fixed")
            #expect(runs.value.load(ordering: .relaxed) == 0)
            let a3 = try await answer(client, "/trpc/test.fixed?input=%7B%22category%22%3A%22ads%22%7D")
            #expect(a3 == "ads")
            let a4 = try await answer(client, "/trpc/test.fixed?input=%7B%22wave%22%3A%22x%22%7D")
            #expect(a4 == "body")
            #expect(runs.value.load(ordering: .relaxed) == 2)
            // Input the schema refuses is still refused, not answered with the fixed answer.
            #expect(try await client.get("/trpc/test.fixed?input=%7B%22availability%22%3A%22beta%22%7D").status == 400)
        }
    }

    @Test func theWholeCatalogIsTheSameWithAndWithoutAFilterThatKeepsEverything() async throws {
        try await withTestApp({ $0.jwtSecret = testJWTSecret }) { _, client in
            let auth = ["Authorization": "Bearer \(signedToken())"]
            let whole = try await client.get("/trpc/connectors.catalog", headers: auth)
            let empty = try await client.get("/trpc/connectors.catalog?input=%7B%7D", headers: auth)
            #expect(whole.status == 200 && whole.body == empty.body)
            let items = ((try whole.json()["result"] as? [String: Any])?["data"] as? [[String: Any]]) ?? []
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            #expect(items.compactMap { $0["id"] as? String } == catalog.definitions.map(\.id))
            // Each availability's answer is the whole catalog's items of that availability.
            var byAvailability = 0
            for availability in ["stable", "experimental", "disabled"] {
                let input = "%7B%22availability%22%3A%22\(availability)%22%7D"
                let part = try await client.get("/trpc/connectors.catalog?input=\(input)", headers: auth)
                let partItems = ((try part.json()["result"] as? [String: Any])?["data"] as? [[String: Any]]) ?? []
                #expect(partItems.allSatisfy { $0["availability"] as? String == availability })
                byAvailability += partItems.count
            }
            #expect(byAvailability == items.count)
        }
    }
}
