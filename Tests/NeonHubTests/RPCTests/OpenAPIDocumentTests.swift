import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The OpenAPI document promises what the server enforces (issue 17), derived from the
/// procedure declarations.
@Suite struct OpenAPIDocumentTests {
    func operations(_ client: HTTPTestClient) async throws -> [String: [String: Any]] {
        let paths = try #require(try await client.get("/openapi.json").json()["paths"] as? [String: [String: Any]])
        var out: [String: [String: Any]] = [:]
        for (path, item) in paths { out[String(path.dropFirst("/trpc/".count))] = (item["get"] ?? item["post"]) as? [String: Any] }
        return out
    }

    @Test func inputsWithRequiredFieldsAreRequired() async throws {
        try await withTestApp { _, client in
            let ops = try await operations(client)
            func queryInputRequired(_ name: String) -> Bool? {
                ((ops[name]?["parameters"] as? [[String: Any]])?.first)?["required"] as? Bool
            }
            #expect(queryInputRequired("content.getDraft") == true)
            #expect(queryInputRequired("connectors.listAccounts") == true)
            #expect(queryInputRequired("content.listDrafts") == false)
            #expect(queryInputRequired("system.ping") == false)
            // A POST always carries a JSON body (tRPC answers 415 without its content type).
            for (name, op) in ops where op["x-trpc-kind"] as? String == "mutation" {
                #expect((op["requestBody"] as? [String: Any])?["required"] as? Bool == true, "\(name)")
            }
        }
    }

    @Test func everyProcedureDeclaresItsAuthAndRateLimitAnswers() async throws {
        try await withTestApp { server, client in
            let ops = try await operations(client)
            for procedure in server.registry.all {
                let op = try #require(ops[procedure.name])
                let responses = try #require(op["responses"] as? [String: Any])
                #expect(responses["401"] != nil && responses["429"] != nil && responses["400"] != nil, "\(procedure.name)")
                #expect((responses["403"] != nil) == (procedure.auth == .admin), "\(procedure.name)")
                let security = try #require(op["security"] as? [[String: [String]]])
                #expect(security.contains { $0["bearer"] != nil }, "\(procedure.name)")
                // Public procedures take a token but do not need one.
                #expect(security.contains { $0.isEmpty } == (procedure.auth == .public), "\(procedure.name)")
            }
            let doc = try await client.get("/openapi.json").json()
            let responses = try #require((doc["components"] as? [String: Any])?["responses"] as? [String: [String: Any]])
            #expect((responses["TooManyRequests"]?["headers"] as? [String: Any])?["Retry-After"] != nil)
            #expect((responses["Unauthorized"]?["headers"] as? [String: Any])?["WWW-Authenticate"] != nil)
        }
    }

    @Test func subscriptionsDeclareTheirEventStream() async throws {
        try await withTestApp { _, client in
            let op = try #require(try await operations(client)["agents.onRunEvent"])
            let ok = try #require((op["responses"] as? [String: Any])?["200"] as? [String: Any])
            let content = try #require(ok["content"] as? [String: Any])
            #expect(content["application/json"] == nil)
            let event = try #require((content["text/event-stream"] as? [String: Any])?["schema"] as? [String: Any])
            let variants = try #require(event["oneOf"] as? [[String: Any]])
            let message = try #require(
                variants.first { (($0["properties"] as? [String: Any])?["event"] as? [String: Any])?["const"] as? String == "message" })
            let data = try #require((message["properties"] as? [String: Any])?["data"] as? [String: Any])
            #expect(data["contentMediaType"] as? String == "application/json")
            #expect(((data["contentSchema"] as? [String: Any])?["required"] as? [String])?.contains("runId") == true)
        }
    }
}
