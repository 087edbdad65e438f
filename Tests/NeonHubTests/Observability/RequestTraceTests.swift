import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// W3C trace context over real HTTP: a request's `traceparent` is continued (or a trace
/// started), echoed with our span, named on every log line the request causes — in the
/// handler, in services with their own loggers, in the outbound client — and sent on with a
/// child span to the provider the request calls.
@Suite(.serialized) struct RequestTraceTests {
    static let callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let caller = "00-\(callerTrace)-00f067aa0ba902b7-01"

    /// Procedures that log and call a provider, as services do: `test.callProvider` suspends
    /// (runs in a task), `test.logInline` runs on the event loop.
    static func procedures(provider: FakeProviderServer, service: Logger) -> @Sendable (ProcedureRegistry) -> Void {
        { registry in
            var configuration = OutboundConfiguration()
            configuration.retry.backoff = Backoff(base: .milliseconds(5), maximum: .milliseconds(20))
            let client = OutboundClient(configuration: configuration, logger: service)
            registry.mutation("test.callProvider", auth: .public, summary: "test", input: NoInput.self) { _, context -> NoOutput in
                context.logger.info("procedure started")
                service.info("service working")
                let url = URL(string: provider.baseURL + "/v1/things")!
                _ = try await client.send(
                    OutboundRequest(
                        method: "GET", url: url, urlTemplate: "/v1/things",
                        labels: OutboundLabels(connector: "acme", action: "things.list")))
                service.info("service done")
                return NoOutput()
            }
            registry.inlineQuery("test.logInline", auth: .public, summary: "test", input: NoInput.self) { _, _ -> NoOutput in
                service.info("inline work")
                return NoOutput()
            }
        }
    }

    @Test func aRequestsTraceReachesItsResponseLogsAndOutboundCalls() async throws {
        let capture = LogCapture()
        let logger = capture.logger(metadataProvider: TraceContext.metadataProvider)
        try await withFakeProvider({ $0.on("GET", "/v1/things", replies: [.json(503, "{}"), .json(200, #"{"data":[]}"#)]) }) { provider in
            try await withTestApp(procedures: Self.procedures(provider: provider, service: logger), logger: logger) { _, client in
                let before = capture.count
                let reply = try await client.request(
                    "POST", "/trpc/test.callProvider",
                    headers: [
                        "Content-Type": "application/json", "traceparent": Self.caller, "X-Request-Id": "req-trace-1",
                    ], body: Data("{}".utf8))
                #expect(reply.status == 200)
                #expect(reply.header("x-request-id") == "req-trace-1")

                // The response names the same trace with our own span.
                let ours = try #require(reply.header("traceparent").flatMap(TraceParent.init))
                #expect(ours.traceID == Self.callerTrace)
                #expect(ours.parentID != "00f067aa0ba902b7")
                #expect(ours.flags == "01")

                // The provider got the same trace, from a child span of ours (the same on the retry).
                let sent = provider.requests("GET", "/v1/things").compactMap { $0.header("traceparent").flatMap(TraceParent.init) }
                #expect(sent.count == 2)
                #expect(sent.allSatisfy { $0.traceID == Self.callerTrace && $0.flags == "01" })
                #expect(Set(sent.map(\.parentID)).count == 1)
                let callSpan = try #require(sent.first?.parentID)
                #expect(callSpan != ours.parentID && callSpan != "00f067aa0ba902b7")

                // Every line of the request carries it: the handler's, the service's, the
                // outbound client's (under the call's span) and the request line.
                let lines = Array(capture.all.dropFirst(before))
                for message in ["procedure started", "service working", "outbound attempt failed", "service done", "debug request"] {
                    #expect(lines.contains { $0.contains(message) }, "no line \(message)")
                }
                for line in lines {
                    #expect(line.contains("trace_id=\(Self.callerTrace)"), "\(line)")
                    #expect(line.contains("requestId=req-trace-1"), "\(line)")
                }
                let retry = try #require(lines.first { $0.contains("outbound attempt failed") })
                #expect(retry.contains("span_id=\(callSpan)") && retry.contains("parent_span_id=\(ours.parentID)"))
                let procedure = try #require(lines.first { $0.contains("procedure started") })
                #expect(procedure.contains("span_id=\(ours.parentID)") && procedure.contains("parent_span_id=00f067aa0ba902b7"))

                // A handler that runs on the event loop sees it too.
                let inlineStart = capture.count
                let inline = try await client.get("/trpc/test.logInline", headers: ["traceparent": Self.caller])
                let inlineSpan = try #require(inline.header("traceparent").flatMap(TraceParent.init))
                #expect(inlineSpan.traceID == Self.callerTrace && inlineSpan.parentID != ours.parentID)
                let inlineLines = Array(capture.all.dropFirst(inlineStart))
                #expect(inlineLines.contains { $0.contains("inline work") })
                #expect(inlineLines.allSatisfy { $0.contains("trace_id=\(Self.callerTrace)") && $0.contains("span_id=\(inlineSpan.parentID)") })
            }
        }
    }

    @Test func anInvalidTraceparentStartsAFreshTraceAndIsNeverAnError() async throws {
        let callerTrace = Self.callerTrace
        let invalid = [
            "00-\(callerTrace)-00f067aa0ba902b7-0",  // wrong length
            "00-\(callerTrace)-00f067aa0ba902b7-01-extra",  // version 00 with trailing data
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
            "00-\(callerTrace)-0000000000000000-01",  // all-zero parent id
            "ff-\(callerTrace)-00f067aa0ba902b7-01",  // version ff
            "00-\(callerTrace.uppercased())-00f067aa0ba902b7-01",  // upper-case hex
            "garbage",
        ]
        try await withTestApp { _, client in
            var traces: Set<String> = []
            for value in invalid + [nil] {
                let reply = try await client.get("/health", headers: value.map { ["traceparent": $0] } ?? [:])
                #expect(reply.status == 200, "\(value ?? "no header")")
                let started = try #require(reply.header("traceparent").flatMap(TraceParent.init), "\(value ?? "no header")")
                #expect(started.traceID != Self.callerTrace)
                #expect(started.traceID != String(repeating: "0", count: 32))
                #expect(started.flags == "00")
                traces.insert(started.traceID)
                #expect(reply.header("x-request-id").map(RequestID.isSane) == true)
            }
            #expect(traces.count == invalid.count + 1)  // each request its own trace
            // Errors from the router (404) carry it as well.
            let missing = try await client.get("/no-such-route", headers: ["traceparent": Self.caller])
            #expect(missing.status == 404)
            #expect(missing.header("traceparent").flatMap(TraceParent.init)?.traceID == Self.callerTrace)
        }
    }
}
