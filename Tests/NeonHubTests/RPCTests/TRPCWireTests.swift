import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The tRPC wire format over real HTTP, with the bytes a stock tRPC v11 client sends.
@Suite struct TRPCWireTests {
    func envelope(_ reply: HTTPTestClient.Reply) throws -> [String: Any] { try reply.json() }

    func errorData(_ object: [String: Any]) -> [String: Any]? {
        (object["error"] as? [String: Any])?["data"] as? [String: Any]
    }

    @Test func queryWithoutInputAsHttpLinkSendsIt() async throws {
        try await withTestApp { _, client in
            let reply = try await client.get("/trpc/system.ping")
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "application/json")
            #expect(reply.header("vary") == "trpc-accept, accept")
            #expect(reply.header("x-request-id") != nil)
            let data = try #require((try envelope(reply)["result"] as? [String: Any])?["data"] as? [String: Any])
            #expect(data["ok"] as? Bool == true)
            #expect(data["version"] as? String == NeonHubVersion.current)
        }
    }

    @Test func batchedGetAsHttpBatchLinkSendsIt() async throws {
        try await withTestApp { _, client in
            // httpBatchLink: GET /trpc/a,b?batch=1&input={"1":…} (undefined inputs omitted).
            let input = #"{"1":{"message":"x"}}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let reply = try await client.get("/trpc/system.ping,system.nope?batch=1&input=\(input)")
            #expect(reply.status == 207)
            let array = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [[String: Any]])
            #expect(array.count == 2)
            #expect((array[0]["result"] as? [String: Any])?["data"] != nil)
            let notFound = try #require(errorData(array[1]))
            #expect(notFound["code"] as? String == "NOT_FOUND")
            #expect(notFound["httpStatus"] as? Int == 404)
            #expect(notFound["path"] as? String == "system.nope")
        }
    }

    @Test func batchedMutationsOverPost() async throws {
        try await withTestApp { _, client in
            let body = Data(#"{"0":{"message":"a"},"1":{"message":"b","times":2}}"#.utf8)
            let reply = try await client.request(
                "POST", "/trpc/system.echo,system.echo?batch=1", headers: ["Content-Type": "application/json"], body: body)
            #expect(reply.status == 200)
            let array = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [[String: Any]])
            let messages = array.compactMap { (($0["result"] as? [String: Any])?["data"] as? [String: Any])?["message"] as? String }
            #expect(messages == ["a", "b b"])
        }
    }

    /// A batch mixing inline bodies (run on the event loop) with suspending ones (run in a task
    /// group) answers every call, in path order, with each call's own status.
    @Test func batchMixingInlineAndSuspendingProcedures() async throws {
        try await withTestApp(procedures: { registry in
            registry.mutation("test.slowEcho", auth: .public, summary: "Echo after a pause") { (input: SystemProcedures.EchoInput, _) in
                try await Task.sleep(for: .milliseconds(20))
                return SystemProcedures.EchoOutput(message: "slow " + input.message)
            }
            registry.mutation("test.slowFail", auth: .public, summary: "Fails after a pause", input: NoInput.self) { _, _ -> NoOutput in
                try await Task.sleep(for: .milliseconds(5))
                throw RPCError(.conflict, "late conflict")
            }
        }) { _, client in
            let body = Data(#"{"0":{"message":"a"},"1":{"message":"b"},"3":{"message":"d","times":2}}"#.utf8)
            let reply = try await client.request(
                "POST", "/trpc/test.slowEcho,system.echo,test.slowFail,system.echo?batch=1",
                headers: ["Content-Type": "application/json"], body: body)
            #expect(reply.status == 207)
            let array = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [[String: Any]])
            let messages = array.map { (($0["result"] as? [String: Any])?["data"] as? [String: Any])?["message"] as? String }
            #expect(messages == ["slow a", "b", nil, "d d"])
            #expect(errorData(array[2])?["code"] as? String == "CONFLICT")
            #expect(errorData(array[2])?["path"] as? String == "test.slowFail")
        }
    }

    @Test func streamingBatchAnswersJSONLines() async throws {
        try await withTestApp { _, client in
            let input = #"{"0":{"message":"hi"}}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            _ = input
            let reply = try await client.request(
                "POST", "/trpc/system.echo,system.nope?batch=1",
                headers: ["Content-Type": "application/json", "trpc-accept": "application/jsonl"],
                body: Data(#"{"0":{"message":"hi"}}"#.utf8))
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "application/jsonl")
            let lines = reply.text.split(separator: "\n")
            #expect(lines.count == 1)
            let head = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
            let first = try #require((head["0"] as? [[Any]])?.first?.first as? [String: Any])
            #expect(((first["result"] as? [String: Any])?["data"] as? [String: Any])?["message"] as? String == "hi")
            let second = try #require((head["1"] as? [[Any]])?.first?.first as? [String: Any])
            #expect(errorData(second)?["code"] as? String == "NOT_FOUND")
        }
    }

    @Test func methodRulesFollowTRPCv11() async throws {
        try await withTestApp { _, client in
            let mutationAsGet = try await client.get("/trpc/system.echo?input=%7B%22message%22%3A%22x%22%7D")
            #expect(mutationAsGet.status == 405)
            #expect(errorData(try envelope(mutationAsGet))?["code"] as? String == "METHOD_NOT_SUPPORTED")
            let queryAsPost = try await client.request(
                "POST", "/trpc/system.ping", headers: ["Content-Type": "application/json"], body: Data("{}".utf8))
            #expect(queryAsPost.status == 405)
            let head = try await client.request("HEAD", "/trpc/system.ping")
            #expect(head.status == 204)
            let notJSON = try await client.request("POST", "/trpc/system.echo", headers: ["Content-Type": "text/plain"], body: Data("hi".utf8))
            #expect(notJSON.status == 415)
            #expect(errorData(try envelope(notJSON))?["code"] as? String == "UNSUPPORTED_MEDIA_TYPE")
            let unknown = try await client.get("/trpc/nothing.here")
            #expect(unknown.status == 404)
            #expect(errorData(try envelope(unknown))?["path"] as? String == "nothing.here")
        }
    }

    @Test func malformedAndInvalidInputIsBadRequestWithIssues() async throws {
        try await withTestApp { _, client in
            let malformed = try await client.request(
                "POST", "/trpc/system.echo", headers: ["Content-Type": "application/json"], body: Data("{nope".utf8))
            #expect(malformed.status == 400)
            #expect(errorData(try envelope(malformed))?["code"] as? String == "BAD_REQUEST")

            let invalid = try await client.request(
                "POST", "/trpc/system.echo", headers: ["Content-Type": "application/json"],
                body: Data(#"{"times":9,"extra":true}"#.utf8))
            #expect(invalid.status == 400)
            let object = try envelope(invalid)
            #expect((object["error"] as? [String: Any])?["code"] as? Int == -32600)
            let issues = try #require(errorData(object)?["issues"] as? [[String: Any]])
            let paths = Set(issues.compactMap { ($0["path"] as? [String])?.joined(separator: ".") })
            #expect(paths == ["message", "times", "extra"])
            // Found by a review: every unknown field was listed, so a megabyte of them became an
            // answer of several megabytes built on the event loop. The first 20, then a count.
            let many = "{" + (0..<5_000).map { "\"a\($0)\":0" }.joined(separator: ",") + "}"
            let flood = try await client.request(
                "POST", "/trpc/system.echo", headers: ["Content-Type": "application/json"], body: Data(many.utf8))
            #expect(flood.status == 400 && flood.body.count < 4_096)
            let listed = try #require(errorData(try envelope(flood))?["issues"] as? [[String: Any]])
            #expect(listed.count == 21 && listed.last?["message"] as? String == "4981 more issues not listed")

            let wrongType = try await client.request(
                "POST", "/trpc/system.echo", headers: ["Content-Type": "application/json"],
                body: Data(#"{"message":42}"#.utf8))
            #expect(wrongType.status == 400)
            let emptyBody = try await client.request("POST", "/trpc/system.echo", headers: ["Content-Type": "application/json"])
            #expect(emptyBody.status == 400)
            // Found by schemathesis: NUL cannot be stored in PostgreSQL text; refused up front.
            let nul = try await client.request(
                "POST", "/trpc/system.echo", headers: ["Content-Type": "application/json"],
                body: Data(#"{"message":"a\u0000b"}"#.utf8))
            #expect(nul.status == 400)
            #expect(nul.text.contains("NUL"))
        }
    }

    @Test func authRequiredAndVerified() async throws {
        try await withTestApp({ $0.jwtSecret = testJWTSecret }) { _, client in
            let anonymous = try await client.get("/trpc/system.whoami")
            #expect(anonymous.status == 401)
            #expect(anonymous.header("www-authenticate")?.hasPrefix("Bearer") == true)
            #expect(errorData(try envelope(anonymous))?["code"] as? String == "UNAUTHORIZED")

            let good = try await client.get("/trpc/system.whoami", headers: ["Authorization": "Bearer \(signedToken(tenant: "t-9", role: .admin))"])
            #expect(good.status == 200)
            let data = try #require((try envelope(good)["result"] as? [String: Any])?["data"] as? [String: Any])
            #expect(data["tenantId"] as? String == "t-9")
            #expect(data["role"] as? String == "admin")

            let forged = signedToken(tenant: "t-9").dropLast(2) + "xx"
            let bad = try await client.get("/trpc/system.ping", headers: ["Authorization": "Bearer \(forged)"])
            #expect(bad.status == 401)
            #expect(bad.header("www-authenticate") == "Bearer error=\"invalid_token\"")
        }
    }

    @Test func adminProceduresRefuseUsers() async throws {
        try await withTestApp(
            { $0.jwtSecret = testJWTSecret },
            procedures: { registry in
                registry.query("test.adminOnly", auth: .admin, summary: "test", input: NoInput.self) { _, _ in NoOutput() }
            }
        ) { _, client in
            let user = try await client.get("/trpc/test.adminOnly", headers: ["Authorization": "Bearer \(signedToken(role: .user))"])
            #expect(user.status == 403)
            let admin = try await client.get("/trpc/test.adminOnly", headers: ["Authorization": "Bearer \(signedToken(role: .admin))"])
            #expect(admin.status == 200)
            #expect(admin.text == #"{"result":{}}"#)
        }
    }

    @Test func internalErrorsDoNotLeak() async throws {
        struct Boom: Error { let sql = "SELECT password FROM secrets WHERE token = 'sk-live-123'" }
        try await withTestApp(procedures: { registry in
            registry.query("test.boom", auth: .public, summary: "test", input: NoInput.self, output: NoOutput.self) { _, _ in throw Boom() }
        }) { _, client in
            let reply = try await client.get("/trpc/test.boom")
            #expect(reply.status == 500)
            #expect(reply.text.contains("Internal server error"))
            #expect(!reply.text.contains("SELECT"))
            #expect(!reply.text.contains("sk-live"))
            #expect(errorData(try envelope(reply))?["code"] as? String == "INTERNAL_SERVER_ERROR")
        }
    }

    @Test func rateLimitPerClientAddress() async throws {
        try await withTestApp({ $0.rateLimitPerMinute = 3 }) { _, client in
            for _ in 0..<3 { #expect(try await client.get("/trpc/system.ping").status == 200) }
            let limited = try await client.get("/trpc/system.ping")
            #expect(limited.status == 429)
            #expect(Int(limited.header("retry-after") ?? "") ?? 0 >= 1)
            #expect(errorData(try envelope(limited))?["code"] as? String == "TOO_MANY_REQUESTS")
            #expect(try await client.get("/metrics").text.contains("neonhub_rate_limit_hits_total 1"))
        }
    }

    @Test func corsPreflightAndHeaders() async throws {
        try await withTestApp({ $0.corsOrigins = ["http://localhost:3000"] }) { _, client in
            let preflight = try await client.request(
                "OPTIONS", "/trpc/system.ping",
                headers: [
                    "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type, authorization",
                ])
            #expect(preflight.status == 204)
            #expect(preflight.header("access-control-allow-origin") == "http://localhost:3000")
            #expect(preflight.header("access-control-allow-credentials") == "true")
            #expect(preflight.header("access-control-allow-headers") == "content-type, authorization")
            let denied = try await client.request(
                "OPTIONS", "/trpc/system.ping", headers: ["Origin": "http://evil.example", "Access-Control-Request-Method": "GET"])
            #expect(denied.status == 403)
            let normal = try await client.get("/trpc/system.ping", headers: ["Origin": "http://localhost:3000"])
            #expect(normal.header("access-control-allow-origin") == "http://localhost:3000")
            // Found by a review: CORS replaced the contract's `Vary: trpc-accept, accept`, an
            // unlisted origin's answer did not vary on Origin, and the frontend could not read
            // a 429's Retry-After.
            #expect(normal.header("access-control-expose-headers") == "X-Request-Id, Retry-After, WWW-Authenticate")
            #expect(normal.header("vary") == "trpc-accept, accept, Origin")
            let stranger = try await client.get("/trpc/system.ping", headers: ["Origin": "http://evil.example"])
            #expect(stranger.header("access-control-allow-origin") == nil && stranger.header("vary") == "trpc-accept, accept, Origin")
            #expect(try await client.get("/trpc/system.ping").header("vary") == "trpc-accept, accept, Origin")
            #expect(preflight.header("vary") == "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
        }
    }

    @Test func openAPIDocumentListsEveryProcedure() async throws {
        try await withTestApp { server, client in
            let reply = try await client.get("/openapi.json")
            #expect(reply.status == 200)
            let doc = try reply.json()
            #expect(doc["openapi"] as? String == "3.1.0")
            let paths = try #require(doc["paths"] as? [String: Any])
            for procedure in server.registry.all {
                let item = try #require(paths["/trpc/\(procedure.name)"] as? [String: Any])
                #expect(item[procedure.kind == .mutation ? "post" : "get"] != nil)
            }
            let echo = try #require((paths["/trpc/system.echo"] as? [String: Any])?["post"] as? [String: Any])
            let schema = try #require(
                (((echo["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
                    as? [String: Any])
            #expect(schema["required"] as? [String] == ["message"])
        }
    }

    @Test func metricsLabelRpcRequestsByProcedure() async throws {
        try await withTestApp { _, client in
            _ = try await client.get("/trpc/system.ping")
            _ = try await client.get("/trpc/no.such")
            let text = try await client.get("/metrics").text
            #expect(text.contains(#"neonhub_http_requests_total{method="GET",route="system.ping",status="200"} 1"#))
            #expect(text.contains(#"neonhub_http_requests_total{method="GET",route="unmatched",status="404"} 1"#))
        }
    }
}
