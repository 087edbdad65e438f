public import HTTPCore
import HTTPFields
public import Logging

/// Routes requests by method and path to handlers. Exact paths first, then prefixes (e.g.
/// `/trpc/`). `HEAD` falls back to `GET`. The 404 and 405 answers come from renderers the
/// composition root injects (the router knows no error format).
// Routes are added before the server starts and only read afterwards, so no lock is needed.
public final class AppRouter: HTTPHandler, @unchecked Sendable {
    /// A route handler: answer through the sink, now or later.
    public typealias Handler = @Sendable (HTTPRequest, ResponseSink) -> Void

    private struct PrefixRoute {
        var prefix: String
        var template: String
        var methods: [String: Handler]
    }

    private var exact: [String: [String: Handler]] = [:]
    private var prefixes: [PrefixRoute] = []
    private let metrics: NeonHubMetrics
    private let logger: Logger
    /// CORS headers and preflight answers.
    private let cors: CORSPolicy
    private let notFound: @Sendable (HTTPRequest) -> HTTPResponse
    private let methodNotAllowed: @Sendable (HTTPRequest, _ allowed: [String]) -> HTTPResponse

    /// Creates an empty router answering unrouted requests with `notFound` and unaccepted
    /// methods with `methodNotAllowed` (given the methods the route accepts).
    public init(
        metrics: NeonHubMetrics, logger: Logger, cors: CORSPolicy = CORSPolicy(origins: []),
        notFound: @escaping @Sendable (HTTPRequest) -> HTTPResponse,
        methodNotAllowed: @escaping @Sendable (HTTPRequest, _ allowed: [String]) -> HTTPResponse
    ) {
        self.metrics = metrics
        self.logger = logger
        self.cors = cors
        self.notFound = notFound
        self.methodNotAllowed = methodNotAllowed
    }

    /// Adds an exact-path route. Call before the server starts.
    public func add(_ method: String, _ path: String, _ handler: @escaping Handler) {
        exact[path, default: [:]][method] = handler
    }

    /// Adds a prefix route (`template` is its metric label). Call before the server starts.
    public func addPrefix(_ method: String, _ prefix: String, template: String, _ handler: @escaping Handler) {
        if let i = prefixes.firstIndex(where: { $0.prefix == prefix }) {
            prefixes[i].methods[method] = handler
        } else {
            prefixes.append(PrefixRoute(prefix: prefix, template: template, methods: [method: handler]))
        }
    }

    /// Routes `request` under its trace (`TraceContext.current`, bound for everything the
    /// handler does on this thread and in the tasks it starts): the caller's `traceparent`
    /// continued under a new span, or a new trace.
    public func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        let requestID = RequestID.resolve(request.headers["x-request-id"])
        let trace = TraceContext.continuing(traceparent: request.headers["traceparent"], requestID: requestID)
        TraceContext.$current.withValue(trace) {
            route(request, responder: responder, trace: trace)
        }
    }

    private func route(_ request: HTTPRequest, responder: HTTPResponder, trace: TraceContext) {
        func sink(_ route: String) -> ResponseSink {
            ResponseSink(
                responder: responder, method: request.method, route: route, trace: trace,
                started: .now, metrics: metrics, logger: logger,
                extraHeaders: cors.isEnabled ? cors.headers(for: request) : HTTPHeaders())
        }
        if request.method == "OPTIONS", let answer = cors.preflight(request) {
            sink("preflight").send(answer)
            return
        }
        if let methods = exact[request.path] {
            dispatch(request, methods: methods, sink: sink(request.path))
            return
        }
        for route in prefixes where request.path.hasPrefix(route.prefix) {
            dispatch(request, methods: route.methods, sink: sink(route.template))
            return
        }
        sink("unmatched").send(notFound(request))
    }

    private func dispatch(_ request: HTTPRequest, methods: [String: Handler], sink: ResponseSink) {
        if let handler = methods[request.method] ?? (request.method == "HEAD" ? methods["GET"] : nil) ?? methods["*"] {
            handler(request, sink)
            return
        }
        var allowed = methods.keys.sorted()
        if allowed.contains("GET") && !allowed.contains("HEAD") { allowed.append("HEAD") }
        sink.send(methodNotAllowed(request, allowed))
    }
}
