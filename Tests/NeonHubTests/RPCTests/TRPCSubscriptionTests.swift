import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// Subscriptions as Server-Sent Events in tRPC v11 `httpSubscriptionLink` format.
@Suite struct TRPCSubscriptionTests {
    struct TickInput: RPCInput {
        static let schema = JSONSchema.object(
            [("count", .integer(minimum: 1, maximum: 10)), ("fail", .boolean), ("lastEventId", .string())], required: ["count"])
        let count: Int
        let fail: Bool?
    }

    struct Tick: RPCOutput {
        static let schema = JSONSchema.object([("n", .integer())], required: ["n"])
        let n: Int
    }

    func register(_ registry: ProcedureRegistry) {
        registry.subscription("test.ticks", auth: .public, summary: "ticks") { (input: TickInput, _, lastEventID) in
            let start = (lastEventID.flatMap(Int.init) ?? 0) + 1
            return AsyncThrowingStream { continuation in
                for n in start...max(start, input.count) where n <= input.count { continuation.yield((id: String(n), event: Tick(n: n))) }
                if input.fail == true { continuation.finish(throwing: RPCError(.conflict, "tick conflict")) } else { continuation.finish() }
            }
        }
    }

    /// Parses an SSE body into (event, data, id) triples.
    func messages(_ text: String) -> [(event: String?, data: String?, id: String?)] {
        text.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n")
            guard !lines.isEmpty else { return nil }
            var event: String?, data: String?, id: String?
            for line in lines {
                if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") || line == "data:" { data = String(line.dropFirst(6)) }
                if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
            }
            return (event, data, id)
        }
    }

    @Test func streamsEventsInOrderThenReturn() async throws {
        try await withTestApp(procedures: register) { _, client in
            let input = #"{"count":3}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let reply = try await client.get("/trpc/test.ticks?input=\(input)", headers: ["Accept": "text/event-stream"])
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "text/event-stream")
            let m = messages(reply.text)
            #expect(m.first?.event == "connected")
            let data = m.filter { $0.event == nil }
            #expect(data.map(\.data) == [#"{"n":1}"#, #"{"n":2}"#, #"{"n":3}"#])
            #expect(data.map(\.id) == ["1", "2", "3"])
            #expect(m.last?.event == "return")
        }
    }

    @Test func resumesAfterLastEventID() async throws {
        try await withTestApp(procedures: register) { _, client in
            let input = #"{"count":4}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let reply = try await client.get("/trpc/test.ticks?input=\(input)", headers: ["Last-Event-ID": "2"])
            let ids = messages(reply.text).filter { $0.event == nil }.compactMap(\.id)
            #expect(ids == ["3", "4"])
            let viaInput = #"{"count":4,"lastEventId":"3"}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let second = try await client.get("/trpc/test.ticks?input=\(viaInput)")
            #expect(messages(second.text).filter { $0.event == nil }.compactMap(\.id) == ["4"])
        }
    }

    @Test func errorsArriveAsSerializedErrorEvents() async throws {
        try await withTestApp(procedures: register) { _, client in
            let input = #"{"count":1,"fail":true}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let reply = try await client.get("/trpc/test.ticks?input=\(input)")
            let error = try #require(messages(reply.text).first { $0.event == "serialized-error" })
            let shape = try #require(try JSONSerialization.jsonObject(with: Data((error.data ?? "").utf8)) as? [String: Any])
            #expect(shape["message"] as? String == "tick conflict")
            #expect((shape["data"] as? [String: Any])?["code"] as? String == "CONFLICT")
        }
    }

    @Test func invalidSubscriptionInputIsAPlainError() async throws {
        try await withTestApp(procedures: register) { _, client in
            let reply = try await client.get("/trpc/test.ticks?input=%7B%22count%22%3A99%7D")
            #expect(reply.status == 400)
            #expect(reply.header("content-type") == "application/json")
        }
    }
}
