public import HTTPCore
public import HTTPFields
import Logging
import TimeUnits

/// Where a route sends its answer: adds `X-Request-Id` and `traceparent`, records the
/// request's metrics and log line, then hands the response to the connection. Usable from
/// any thread, once.
public struct ResponseSink: Sendable {
    let responder: HTTPResponder
    let method: String
    /// The route template used as the metric label (never the raw path).
    public let route: String
    /// This request's trace (its span is echoed as `traceparent`).
    public let trace: TraceContext
    /// This request's id.
    public var requestID: String { trace.requestID ?? "" }
    let started: ContinuousClock.Instant
    let metrics: NeonHubMetrics
    /// The server's logger (without request metadata; `ProcedureContext.logger` adds the id).
    let logger: Logger
    private(set) var extraHeaders: HTTPHeaders

    /// The connection's event loop as a task executor (see `HTTPResponder.executor`).
    public var executor: any TaskExecutor { responder.executor }

    /// This sink, also setting `headers` on the answer (replacing fields of the same name).
    func adding(_ headers: HTTPHeaders) -> ResponseSink {
        var copy = self
        for field in headers { copy.extraHeaders.replaceOrAdd(name: field.name, value: field.value) }
        return copy
    }

    /// Sends the response; `route` overrides the label (e.g. a tRPC procedure name).
    public func send(_ response: HTTPResponse, route overrideRoute: String? = nil) {
        var response = response
        response.headers = decorated(response.headers)
        record(status: response.status, route: overrideRoute ?? route)
        responder.respond(response)
    }

    /// Starts a streamed response (chunked), recording the request when the head is sent.
    public func startStream(status: Int, headers: HTTPHeaders, route overrideRoute: String? = nil) -> HTTPResponseStream {
        record(status: status, route: overrideRoute ?? route)
        return responder.startStream(status: status, headers: decorated(headers))
    }

    /// The handler's headers plus `X-Request-Id`, `traceparent` and the per-request extras (CORS).
    private func decorated(_ headers: HTTPHeaders) -> HTTPHeaders {
        var h = headers
        h.add(name: "X-Request-Id", value: requestID)  // handlers never set these
        h.add(name: "traceparent", value: trace.traceparent)
        for field in extraHeaders {
            // `Vary` adds to the handler's (`trpc-accept, accept`), which caches still need.
            if field.name.lowercased() == "vary", let existing = h["Vary"], !existing.isEmpty {
                let value = field.value.lowercased()
                if !existing.lowercased().split(separator: ",").contains(where: { $0.filter { $0 != " " && $0 != "\t" } == value }) {
                    h.replaceOrAdd(name: "Vary", value: "\(existing), \(field.value)")
                }
            } else {
                h.replaceOrAdd(name: field.name, value: field.value)
            }
        }
        return h
    }

    /// Metrics and the log line of an answered request: 503 (degraded, a dependency down) is a
    /// warning, other 5xx an error, everything else debug.
    private func record(status: Int, route label: String) {
        let method = Self.methodLabel(self.method)
        let elapsed = ContinuousClock.now - started
        let seconds = elapsed.inSeconds
        metrics.recordRequest(method: method, route: label, status: status, seconds: seconds)
        let level: Logger.Level = status == 503 ? .warning : status >= 500 ? .error : .debug
        guard logger.logLevel <= level else { return }
        // The trace is named here too: a sink may answer from a thread without the task-local.
        var metadata = trace.logMetadata
        metadata["method"] = "\(method)"
        metadata["route"] = "\(label)"
        metadata["status"] = "\(status)"
        metadata["ms"] = "\(Int(seconds * 1000))"
        logger.log(level: level, "request", metadata: metadata)
    }

    /// The method as a metric label: one of the standard methods, else `OTHER` (clients
    /// choose the token; labels must come from a small fixed set).
    static func methodLabel(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS": method
        default: "OTHER"
        }
    }
}
