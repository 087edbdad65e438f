import Foundation
import Logging
import Synchronization
import Testing

@testable import NeonHub

/// The task-local trace: how a request's context is made, how a job continues a stored one,
/// what reaches other tasks and threads, and what every log line gets from it.
@Suite struct TraceContextTests {
    static let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test func aValidHeaderIsContinuedUnderANewSpanAndAnInvalidOneStartsATrace() throws {
        let continued = TraceContext.continuing(traceparent: Self.caller, requestID: "req-1")
        #expect(continued.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(continued.parentSpanID == "00f067aa0ba902b7")
        #expect(continued.spanID != "00f067aa0ba902b7")
        #expect(continued.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-\(continued.spanID)-01")
        #expect(continued.requestID == "req-1")
        for bad in [
            nil, "", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01", String(Self.caller.dropLast()),
        ] {
            let fresh = TraceContext.continuing(traceparent: bad)
            #expect(fresh.traceID != "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(fresh.parentSpanID == nil)
            #expect(TraceParent(fresh.traceparent) != nil)
        }
    }

    @Test func aJobContinuesTheTraceItsEnqueuerStored() async throws {
        let request = TraceContext.continuing(traceparent: Self.caller)
        // Enqueue: what the queue stores in `publish_jobs.trace_parent`.
        let stored = TraceContext.$current.withValue(request) { TraceContext.current?.traceparent }
        #expect(stored == request.traceparent)
        #expect(TraceContext.current == nil)
        // Run: the job's work sees the same trace under a new span whose parent is the request's.
        let seen = await TraceContext.withContinued(traceparent: stored) { TraceContext.current }
        #expect(seen?.traceID == request.traceID)
        #expect(seen?.parentSpanID == request.spanID)
        #expect(seen?.spanID != request.spanID)
        let orphan = await TraceContext.withContinued(traceparent: "not a traceparent") { TraceContext.current }
        #expect(orphan != nil && orphan?.traceID != request.traceID)
    }

    @Test func tasksInheritTheContextAndThreadsGetItOnlyWhenHandedOver() async throws {
        let trace = TraceContext.started(requestID: "req-2")
        try await TraceContext.$current.withValue(trace) {
            #expect(await Task { TraceContext.current }.value == trace)
            #expect(
                await withTaskGroup(of: TraceContext?.self) { group in
                    group.addTask { TraceContext.current }
                    return await group.next() ?? nil
                } == trace)
            // A thread (a database connection's) has no task-locals: `waitForAsync` binds what it is given.
            let captured = TraceContext.current
            let lost = try await runOnOwnThread { try waitForAsync(trace: nil) { TraceContext.current } }
            let handedOver = try await runOnOwnThread { try waitForAsync(trace: captured) { TraceContext.current } }
            #expect(lost == nil)
            #expect(handedOver == trace)
        }
    }

    @Test func theMetadataProviderNamesTheTraceAndRequest() throws {
        #expect(TraceContext.metadataProvider.get().isEmpty)
        let trace = TraceContext.continuing(traceparent: Self.caller, requestID: "req-3")
        let metadata = TraceContext.$current.withValue(trace) { TraceContext.metadataProvider.get() }
        #expect(metadata["trace_id"] == .string("4bf92f3577b34da6a3ce929d0e0e4736"))
        #expect(metadata["span_id"] == .string(trace.spanID))
        #expect(metadata["parent_span_id"] == .string("00f067aa0ba902b7"))
        #expect(metadata["requestId"] == .string("req-3"))
    }

    /// The production handler (as `LoggingSetup` makes it) writes the trace of the task that
    /// logs, from any logger, and nothing outside a trace.
    @Test func theJSONHandlerWritesTheCurrentTraceOnEveryLine() throws {
        let written = Mutex<[Data]>([])
        let handler = JSONLogHandler(label: "neonhub.agents", metadataProvider: TraceContext.metadataProvider) { line in
            written.withLock { $0.append(line) }
        }
        let logger = Logger(label: "neonhub.agents") { _ in handler }
        let trace = TraceContext.continuing(traceparent: Self.caller, requestID: "req-4")
        TraceContext.$current.withValue(trace) {
            logger.info("inside", metadata: ["agent": "seo"])
        }
        logger.info("outside")
        let lines = try written.withLock { $0 }.map { try #require(JSONSerialization.jsonObject(with: $0) as? [String: Any]) }
        #expect(lines.count == 2)
        #expect(lines[0]["msg"] as? String == "inside")
        #expect(lines[0]["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(lines[0]["span_id"] as? String == trace.spanID)
        #expect(lines[0]["requestId"] as? String == "req-4")
        #expect(lines[0]["agent"] as? String == "seo")
        #expect(lines[1]["trace_id"] == nil)
        #expect(LoggingSetup.makeHandler(label: "x", format: "json", level: .info).metadataProvider != nil)
        #expect(LoggingSetup.makeHandler(label: "x", format: "text", level: .info).metadataProvider != nil)
    }
}
