/// The W3C trace that the current work belongs to, available anywhere below the code that
/// bound it as `TraceContext.current` (a task-local): no function passes it on.
///
/// - Every HTTP request binds one (`AppRouter`): the caller's `traceparent` continued under a
///   new span of ours, or a new trace when the header is absent or invalid. The response
///   echoes our span as `traceparent`.
/// - Every log line written under it carries `trace_id`, `span_id` (and `parent_span_id`,
///   `requestId` when known) through `TraceContext.metadataProvider`.
/// - Every outbound call (`OutboundClient`: connectors, OAuth token calls, the LLM client)
///   sends a child span of it as its `traceparent`.
///
/// Queues carry a trace across processes in two steps:
/// ```swift
/// // when enqueuing (nil outside any request or job):
/// let traceParent = TraceContext.current?.traceparent   // → publish_jobs.trace_parent
/// // when running the job, around all of its work:
/// try await TraceContext.withContinued(traceparent: job.traceParent) {
///     try await run(job)   // logs and outbound calls: same trace, a new span
/// }
/// ```
/// A job with no stored value, or an invalid one, runs under a new trace. `QueueStore.enqueue`
/// and `QueueWorkers` do both for `publish_jobs`.
///
/// Task-locals follow `await`, child tasks, `Task {}` and `Task.immediate`, but not a
/// `Thread`, a `DispatchQueue` or a database connection's thread: capture `current` before
/// such a hop and bind it again on the other side (as `waitForAsync(trace:_:)` does).
public struct TraceContext: Sendable, Equatable {
    /// This work's own span: the trace id, our span id (sent onwards as the parent id) and
    /// the flags.
    public let span: TraceParent
    /// The span of whoever caused this work (the received `traceparent`'s parent id).
    let parentSpan: UInt64?
    /// The HTTP request id, when the work is a request's.
    public let requestID: String?

    /// The context of the running work, nil outside any request or job.
    @TaskLocal public static var current: TraceContext?

    /// 32 lower-case hex digits.
    public var traceID: String { span.traceID }
    /// Our span id: 16 lower-case hex digits.
    public var spanID: String { span.parentID }
    /// The caller's span id, when the trace was continued.
    public var parentSpanID: String? { parentSpan.map(TraceParent.hex) }
    /// The `traceparent` value naming this span: what a job stores to continue the trace.
    public var traceparent: String { span.description }

    init(span: TraceParent, parentSpan: UInt64?, requestID: String?) {
        self.span = span
        self.parentSpan = parentSpan
        self.requestID = requestID
    }

    /// A new span continuing `traceparent` when it is valid, otherwise a new trace.
    public static func continuing(traceparent: String?, requestID: String? = nil) -> TraceContext {
        guard let traceparent, let caller = TraceParent(traceparent) else { return started(requestID: requestID) }
        return TraceContext(span: caller.child(), parentSpan: caller.span, requestID: requestID)
    }

    /// A new trace (random trace id, not sampled).
    public static func started(requestID: String? = nil) -> TraceContext {
        TraceContext(span: .generate(), parentSpan: nil, requestID: requestID)
    }

    /// A new span of the same trace whose parent is this one (same request id).
    public func child() -> TraceContext {
        TraceContext(span: span.child(), parentSpan: span.span, requestID: requestID)
    }

    /// Runs `operation` under a new span continuing `traceparent` (a job's stored value), or
    /// under a new trace when it is nil or invalid.
    public static func withContinued<R>(
        traceparent: String?, isolation: isolated (any Actor)? = #isolation, _ operation: () async throws -> R
    ) async rethrows -> R {
        try await $current.withValue(continuing(traceparent: traceparent), operation: operation, isolation: isolation)
    }
}
