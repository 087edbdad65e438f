import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The three wire defects schemathesis found (issue 17), over a real socket: `+` in a query
/// string, the order of the checks, and `Allow` on 405.
@Suite struct TRPCCheckOrderTests {
    func errorCode(_ reply: HTTPTestClient.Reply) throws -> String? {
        ((try reply.json()["error"] as? [String: Any])?["data"] as? [String: Any])?["code"] as? String
    }

    func data(_ reply: HTTPTestClient.Reply) throws -> [String: Any]? {
        (try reply.json()["result"] as? [String: Any])?["data"] as? [String: Any]
    }

    /// A query with a string input (system.echo is a mutation) and a user-level one.
    let procedures: @Sendable (ProcedureRegistry) -> Void = { registry in
        registry.inlineQuery("test.echoQuery", auth: .public, summary: "Echo as a query") { (input: SystemProcedures.EchoInput, _) in
            SystemProcedures.EchoOutput(message: input.message)
        }
        registry.inlineQuery("test.userEcho", auth: .user, summary: "Echo for users") { (input: SystemProcedures.EchoInput, _) in
            SystemProcedures.EchoOutput(message: input.message)
        }
    }

    // MARK: 1. `+` in the query string

    @Test func plusInTheQueryStringIsASpaceAsURLSearchParamsReadsIt() async throws {
        try await withTestApp(procedures: procedures) { _, client in
            // Python's urlencode / HTML forms: `{"message": "a b"}` with spaces as `+`.
            let plus = try await client.get("/trpc/test.echoQuery?input=%7B%22message%22%3A+%22a+b%22%7D")
            #expect(plus.status == 200)
            #expect(try data(plus)?["message"] as? String == "a b")
            // encodeURIComponent (the stock tRPC client): the same call with %20.
            let percent = try await client.get("/trpc/test.echoQuery?input=%7B%22message%22%3A%20%22a%20b%22%7D")
            #expect(try data(percent)?["message"] as? String == "a b")
            // An encoded plus is a plus.
            let literal = try await client.get("/trpc/test.echoQuery?input=%7B%22message%22%3A%22a%2Bb%22%7D")
            #expect(try data(literal)?["message"] as? String == "a+b")
            // Batch flag and batch input are read the same way.
            let batch = try await client.get(
                "/trpc/test.echoQuery,test.echoQuery?batch=1&input=%7B%220%22%3A+%7B%22message%22%3A+%22x+y%22%7D%2C+%221%22%3A%7B%22message%22%3A%22z%22%7D%7D"
            )
            #expect(batch.status == 200)
            let array = try #require(try JSONSerialization.jsonObject(with: batch.body) as? [[String: Any]])
            #expect(array.compactMap { (($0["result"] as? [String: Any])?["data"] as? [String: Any])?["message"] as? String } == ["x y", "z"])
        }
    }

    @Test func queryStringDecodesAsFormURLEncoded() {
        #expect(QueryString.parameters("input=%7B%22a%22%3A+1%7D&batch=1") == ["input": #"{"a": 1}"#, "batch": "1"])
        #expect(QueryString.parameters("a=x%2By+z&a=second&flag") == ["a": "x+y z", "flag": ""])
        #expect(QueryString.parameters("bad=%ZZ+q") == ["bad": "%ZZ q"])
        #expect(QueryString.parameters(nil).isEmpty)
    }

    // MARK: 2. The order of the checks

    @Test func authenticationIsDecidedBeforeTheInputIsParsed() async throws {
        try await withTestApp({ $0.jwtSecret = testJWTSecret }, procedures: procedures) { _, client in
            let anonymous = try await client.get("/trpc/test.userEcho?input=%7Bnot-json")
            #expect(anonymous.status == 401)
            #expect(try errorCode(anonymous) == "UNAUTHORIZED")
            #expect(anonymous.header("www-authenticate") == "Bearer error=\"invalid_token\"")
            let forged = try await client.get(
                "/trpc/test.userEcho?input=%7Bnot-json", headers: ["Authorization": "Bearer \(signedToken().dropLast(2))xx"])
            #expect(forged.status == 401)
            let anonymousMutation = try await client.request(
                "POST", "/trpc/agents.run", headers: ["Content-Type": "application/json"], body: Data("{nope".utf8))
            #expect(anonymousMutation.status == 401)
            // With a valid token the same input is what is wrong.
            let signedIn = try await client.get("/trpc/test.userEcho?input=%7Bnot-json", headers: ["Authorization": "Bearer \(signedToken())"])
            #expect(signedIn.status == 400)
            #expect(try errorCode(signedIn) == "BAD_REQUEST")
            // A public procedure still parses anonymous input.
            #expect(try await client.get("/trpc/test.echoQuery?input=%7Bnot-json").status == 400)
        }
    }

    @Test func theMethodIsCheckedBeforeTheMediaType() async throws {
        try await withTestApp(procedures: procedures) { _, client in
            let queryAsPost = try await client.request("POST", "/trpc/system.ping")
            #expect(queryAsPost.status == 405)
            #expect(try errorCode(queryAsPost) == "METHOD_NOT_SUPPORTED")
            #expect(queryAsPost.header("allow") == "GET, HEAD")
            let queryAsTextPost = try await client.request(
                "POST", "/trpc/test.echoQuery", headers: ["Content-Type": "text/plain"], body: Data("x".utf8))
            #expect(queryAsTextPost.status == 405)
            let mutationAsGet = try await client.get("/trpc/system.echo?input=%7Bnot-json")
            #expect(mutationAsGet.status == 405)
            #expect(mutationAsGet.header("allow") == "POST, HEAD")
            // The right method without a JSON content type is still 415.
            let mutationAsText = try await client.request("POST", "/trpc/system.echo", headers: ["Content-Type": "text/plain"], body: Data("x".utf8))
            #expect(mutationAsText.status == 415)
            #expect(mutationAsText.header("allow") == nil)
        }
    }

    // MARK: 3. `Allow` on 405

    @Test func allowNamesExactlyTheMethodsTheProcedureAccepts() async throws {
        try await withTestApp(procedures: procedures) { _, client in
            let mutation = try await client.request("OPTIONS", "/trpc/agents.run")
            #expect(mutation.status == 405)
            #expect(mutation.header("allow") == "POST, HEAD")
            #expect(try errorCode(mutation) == "METHOD_NOT_SUPPORTED")
            let query = try await client.request("PUT", "/trpc/system.ping", headers: ["Content-Type": "application/json"], body: Data("{}".utf8))
            #expect(query.status == 405)
            #expect(query.header("allow") == "GET, HEAD")
            let subscription = try await client.request("DELETE", "/trpc/agents.onRunEvent")
            #expect(subscription.header("allow") == "GET, HEAD")
            // A batch: only what every call accepts.
            let mixed = try await client.request("OPTIONS", "/trpc/system.ping,system.echo?batch=1")
            #expect(mixed.status == 405)
            #expect(mixed.header("allow") == "HEAD")
            // No such procedure: 404, nothing to allow.
            let unknown = try await client.request("OPTIONS", "/trpc/no.such")
            #expect(unknown.status == 404)
            #expect(unknown.header("allow") == nil)
        }
    }

    @Test func aCORSPreflightIsStillAnsweredAsCORSRequires() async throws {
        try await withTestApp({ $0.corsOrigins = ["http://localhost:3000"] }) { _, client in
            let preflight = try await client.request(
                "OPTIONS", "/trpc/agents.run",
                headers: [
                    "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
                ])
            #expect(preflight.status == 204)
            #expect(preflight.header("access-control-allow-origin") == "http://localhost:3000")
            #expect(preflight.header("access-control-allow-methods")?.contains("POST") == true)
            // OPTIONS without Access-Control-Request-Method is no preflight.
            let plain = try await client.request("OPTIONS", "/trpc/agents.run", headers: ["Origin": "http://localhost:3000"])
            #expect(plain.status == 405)
            #expect(plain.header("allow") == "POST, HEAD")
        }
    }
}
