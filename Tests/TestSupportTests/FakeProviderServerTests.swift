import Foundation
import HTTPCore
import HTTPFields
import TestSupport
import Testing

/// The base of every provider fake: what it records and how it answers. Query and form
/// values are decoded as https://url.spec.whatwg.org/#application/x-www-form-urlencoded says
/// (`+` is a space); statuses and headers are plain HTTP (https://www.rfc-editor.org/rfc/rfc9110).
@Suite struct FakeProviderServerTests {
    @Test func recordsEveryPartOfARequest() async throws {
        try await withFakeProvider({ $0.on("POST", "/v2/posts", reply: .json(201, #"{"id":"p1"}"#)) }) { fake async throws in
            let client = HTTPTestClient(baseURL: fake.baseURL)
            let reply = try await client.request(
                "POST", "/v2/posts?fields=id%2Cname&q=a+b&q=c", headers: ["Authorization": "Bearer t0k", "Content-Type": "application/json"],
                body: Data(#"{"text":"hi"}"#.utf8))
            #expect(reply.status == 201)
            #expect(reply.header("content-type") == "application/json")
            #expect(try reply.json()["id"] as? String == "p1")
            let seen = try #require(fake.requests.first)
            #expect(seen.method == "POST")
            #expect(seen.path == "/v2/posts")
            #expect(seen.query == "fields=id%2Cname&q=a+b&q=c")
            #expect(seen.queryItems == ["fields": ["id,name"], "q": ["a b", "c"]])
            #expect(seen.header("authorization") == "Bearer t0k")
            #expect((seen.json as? [String: Any])?["text"] as? String == "hi")
        }
    }

    @Test func sequencesRepeatTheirLastReplyAndWildcardsMatchOneSegment() async throws {
        try await withFakeProvider({
            $0.on("GET", "/items/*", replies: [.json(429, "{}", headers: ["Retry-After": "1"]), .json(200, #"{"ok":true}"#)])
        }) { fake async throws in
            let client = HTTPTestClient(baseURL: fake.baseURL)
            #expect(try await client.get("/items/1").status == 429)
            #expect(try await client.get("/items/2").status == 200)
            #expect(try await client.get("/items/3").status == 200)
            #expect(try await client.get("/items/3/extra").status == 404)
            #expect(fake.requests("GET", "/items/*").map(\.path) == ["/items/1", "/items/2", "/items/3"])
        }
    }

    @Test func unscriptedRequestsAre404AndStillRecorded() async throws {
        try await withFakeProvider({ _ in }) { fake async throws in
            let reply = try await HTTPTestClient(baseURL: fake.baseURL).request("DELETE", "/nothing")
            #expect(reply.status == 404)
            #expect(reply.text.contains("no scripted response for DELETE /nothing"))
            #expect(fake.requests.map(\.method) == ["DELETE"])
        }
    }

    @Test func respondersSeeTheRequestAndDelaysHold() async throws {
        try await withFakeProvider({
            $0.on("POST", "/oauth/token") { request in
                request.formItems["grant_type"] == ["refresh_token"]
                    ? .json(200, object: ["access_token": "new", "expires_in": 3600])
                    : .json(400, object: ["error": "unsupported_grant_type"])
            }
            $0.on("GET", "/slow", reply: FakeProviderServer.Reply.json(200, "{}").delayed(.milliseconds(200)))
        }) { fake async throws in
            let client = HTTPTestClient(baseURL: fake.baseURL)
            let form = ["Content-Type": "application/x-www-form-urlencoded"]
            #expect(try await client.request("POST", "/oauth/token", headers: form, body: Data("grant_type=refresh_token".utf8)).status == 200)
            #expect(try await client.request("POST", "/oauth/token", headers: form, body: Data("grant_type=password".utf8)).status == 400)
            let started = Date()
            #expect(try await client.get("/slow").status == 200)
            #expect(Date().timeIntervalSince(started) >= 0.2)
        }
    }

    @Test func aHeldAnswerWaitsForItsGateAndOthersDoNot() async throws {
        let gate = ReplyGate()
        try await withFakeProvider({
            $0.on("GET", "/held", reply: .json(200, #"{"held":true}"#))
            $0.on("GET", "/free", reply: .json(200, "{}"))
            $0.hold("GET", "/held", until: gate)
        }) { fake async throws in
            let client = HTTPTestClient(baseURL: fake.baseURL)
            let held = Task { try await client.get("/held") }
            for _ in 0..<500 where gate.heldCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(gate.heldCount == 1)
            #expect(try await client.get("/free").status == 200, "other routes still answer")
            gate.open()
            let reply = try await held.value
            #expect(reply.status == 200)
            #expect(try reply.json()["held"] as? Bool == true)
            #expect(gate.heldCount == 0)
            #expect(try await client.get("/held").status == 200, "an open gate holds nothing")
        }
    }
}
