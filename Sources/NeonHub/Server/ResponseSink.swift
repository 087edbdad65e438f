import HTTPCore
import Logging

/// Where a route sends its answer: adds `X-Request-Id`, records the request's metrics and
/// log line, then hands the response to the connection. Usable from any thread, once.
public struct ResponseSink: Sendable {
    let responder: HTTPResponder
    let method: String
    /// The route template used as the metric label (never the raw path).
    public let route: String
    /// This request's id.
    public let requestID: String
    let started: ContinuousClock.Instant
    let metrics: NeonHubMetrics
    /// The server's logger (without request metadata; `ProcedureContext.logger` adds the id).
    let logger: Logger
    let extraHeaders: HTTPHeaders

    /// The connection's event loop as a task executor (see `HTTPResponder.executor`).
    public var executor: any TaskExecutor { responder.executor }

    /// Sends the response; `route` overrides the label (e.g. a tRPC procedure name).
    public func send(_ response: HTTPResponse, route overrideRoute: String? = nil) {
        var response = response
        response.headers.add(name: "X-Request-Id", value: requestID)  // handlers never set it
        for field in extraHeaders { response.headers.replaceOrAdd(name: field.name, value: field.value) }
        let label = overrideRoute ?? route
        let method = Self.methodLabel(self.method)
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.recordRequest(method: method, route: label, status: response.status, seconds: seconds)
        if response.status >= 500 && label != "/health" {
            logger.error("request failed", metadata: ["requestId": "\(requestID)", "method": "\(method)", "route": "\(label)", "status": "\(response.status)"])
        } else if logger.logLevel <= .debug {
            logger.debug("request", metadata: ["requestId": "\(requestID)", "method": "\(method)", "route": "\(label)", "status": "\(response.status)", "ms": "\(Int(seconds * 1000))"])
        }
        responder.respond(response)
    }

    /// Starts a streamed response (chunked), recording the request when the head is sent.
    public func startStream(status: Int, headers: HTTPHeaders, route overrideRoute: String? = nil) -> HTTPResponseStream {
        var h = headers
        h.replaceOrAdd(name: "X-Request-Id", value: requestID)
        for field in extraHeaders { h.replaceOrAdd(name: field.name, value: field.value) }
        let elapsed = ContinuousClock.now - started
        metrics.recordRequest(method: Self.methodLabel(method), route: overrideRoute ?? route, status: status,
                              seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        return responder.startStream(status: status, headers: h)
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
