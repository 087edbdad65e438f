import Foundation
public import HTTPCore
import HTTPFields
import Logging
import Prometheus

/// Serves the tRPC wire format at `/trpc/` (DESIGN §4): single and batched calls over GET
/// and POST, JSON Lines streaming for `trpc-accept: application/jsonl`, auth, rate limits,
/// and the error envelope with consistent `data.code` / `data.httpStatus` / `data.path`.
public final class TRPCHandler: Sendable {
    /// Path prefix served.
    public static let prefix = "/trpc/"
    let registry: ProcedureRegistry
    let verifier: TokenVerifier
    /// When the NextAuth session cookie counts (see `TRPCHandler+Auth`).
    let sessionCookies: SessionCookiePolicy
    private let limiter: RateLimiter
    private let metrics: NeonHubMetrics

    /// Creates the handler over a filled registry.
    public init(
        registry: ProcedureRegistry, verifier: TokenVerifier, sessionCookies: SessionCookiePolicy = .disabled,
        limiter: RateLimiter, metrics: NeonHubMetrics
    ) {
        self.registry = registry
        self.verifier = verifier
        self.sessionCookies = sessionCookies
        self.limiter = limiter
        self.metrics = metrics
    }

    static let baseHeaders: HTTPHeaders = ["Content-Type": "application/json", "Vary": "trpc-accept, accept"]

    /// The route template `/trpc/` is mounted under (its metric label).
    public static let routeTemplate = "/trpc/{procedure}"

    /// Answers one request under `/trpc/` (the composition root mounts this for every method).
    /// The checks run in the order a client can act on (DESIGN §4): routing — the procedure
    /// (404) and the method (405, with `Allow`) — then the media type (415), then
    /// authentication (401), the rate limit (429) and authorization (401/403), and only then is
    /// the input read (400). A request refused by an earlier check is never parsed further.
    public func handle(_ request: HTTPRequest, sink: ResponseSink) {
        let method = request.method
        if method == "HEAD" {
            sink.send(HTTPResponse(status: 204, headers: ["Vary": "trpc-accept, accept"]))
            return
        }
        // 1. Routing: the names in the path, each call's procedure and method.
        let target: TRPCCallParser.Target
        switch TRPCCallParser.target(request, prefix: Self.prefix) {
        case .failure(let error):
            sink.send(requestError(error))
            return
        case .success(let value):
            target = value
        }
        let procedures = target.names.map { registry[$0] }  // one lookup per call
        let allow = Self.allowedMethods(procedures)
        let isBatch = target.isBatch
        let route = procedures.count == 1 ? (procedures[0] != nil ? target.names[0] : "unmatched") : "batch"
        guard method == "GET" || method == "POST" else {
            if !isBatch, procedures[0] == nil {
                send(
                    [failure(RPCError(.notFound, "No procedure named \(target.names[0].prefix(100))"), path: target.names[0])],
                    isBatch: false, allow: nil, sink: sink, route: route)
            } else {
                sink.send(requestError(RPCError(.methodNotSupported, "Unsupported method \(method)"), headers: ["Allow": allow]))
            }
            return
        }
        let streaming = isBatch && (request.headers["trpc-accept"]?.lowercased() == "application/jsonl")
        let deliver: @Sendable ([CallResult]) -> Void = { [self] results in
            if streaming {
                sendStream(results, sink: sink, route: route)
            } else {
                send(results, isBatch: isBatch, allow: allow, sink: sink, route: route)
            }
        }
        var refused: [CallResult?] = zip(target.names, procedures).map { routingError($0, $1, method: method) }
        if refused.allSatisfy({ $0 != nil }) {
            deliver(refused.map { $0! })
            return
        }
        // 2. Media type: a POST carries its input as JSON.
        if method == "POST" {
            let type = request.headers["content-type"]?.lowercased() ?? ""
            guard type.hasPrefix("application/json") else {
                sink.send(requestError(RPCError(.unsupportedMediaType, "Content-Type must be application/json")))
                return
            }
        }
        // 3. Authentication (a presented token must be valid, even for public procedures):
        //    the header, connectionParams on a subscription, or the session cookie
        //    (TRPCHandler+Auth); then the rate limit, then each call's authorization.
        let subscription = !isBatch && method == "GET" && procedures[0]?.kind == .subscription
        let credential: Credential
        switch authenticate(request, subscription: subscription) {
        case .failure(let error):
            sink.send(requestError(error, headers: error.code == .unauthorized ? Self.challenge : HTTPHeaders()))
            return
        case .success(let value):
            credential = value
        }
        let identity = credential.identity
        // An answer chosen by a cookie must stay in the browser: shared caches may store
        // responses to requests with cookies (unlike those with Authorization).
        let sink = if case .sessionCookie = credential { sink.adding(["Cache-Control": "private, no-store, no-transform"]) } else { sink }
        let limitKey = identity.map { "tenant:\($0.tenantID)" } ?? "ip:\(request.remoteAddress)"
        if let wait = limiter.acquire(limitKey, cost: target.names.count) {
            metrics.rateLimitHits.increment()
            sink.send(requestError(RPCError(.tooManyRequests, "Rate limit exceeded; retry in \(wait) s"), headers: ["Retry-After": String(wait)]))
            return
        }
        for (index, procedure) in procedures.enumerated() where refused[index] == nil {
            if let procedure, let denied = Self.authorizationError(procedure, identity) { refused[index] = failure(denied, path: procedure.name) }
        }
        if refused.allSatisfy({ $0 != nil }) {
            deliver(refused.map { $0! })
            return
        }
        // 4. The input, read only for calls that passed every check above.
        let inputs: [JSONValue?]
        switch TRPCCallParser.inputs(request, target: target) {
        case .failure(let error):
            sink.send(requestError(error))
            return
        case .success(let value):
            inputs = value
        }
        let context = ProcedureContext(identity: identity, requestID: sink.requestID, logger: sink.logger, remoteAddress: request.remoteAddress)
        if !isBatch, method == "GET", let procedure = procedures[0], procedure.kind == .subscription {
            serveSubscription(procedure, input: inputs[0], request: request, context: context, sink: sink)
            return
        }
        let checked: [CheckedCall] = procedures.indices.map { index in
            switch (refused[index], procedures[index]) {
            case (let result?, _): .failed(result)
            case (nil, let procedure?): .ready(procedure, input: inputs[index])
            case (nil, nil): preconditionFailure("routing refuses every unknown name")
            }
        }
        // Bodies that never suspend run right here, on the connection's event loop.
        if checked.allSatisfy({ $0.isInline }) {
            deliver(checked.map { runInline($0, context: context) })
            return
        }
        // The others start on the connection's event loop too: no thread hop for the answer.
        Task.immediate(executorPreference: sink.executor) { [self] in
            deliver(await run(checked, context: context))
        }
    }

    /// The `Allow` value for these procedures: exactly the methods every one of them accepts
    /// (`GET` for queries and subscriptions, `POST` for mutations; `HEAD` answers 204 on any
    /// tRPC path). With no known procedure, the methods of `/trpc/` itself.
    static func allowedMethods(_ procedures: [Procedure?]) -> String {
        let known = procedures.compactMap(\.self)
        if known.isEmpty { return "GET, POST, HEAD" }
        var methods: [String] = []
        if known.allSatisfy({ $0.kind != .mutation }) { methods.append("GET") }
        if known.allSatisfy({ $0.kind == .mutation }) { methods.append("POST") }
        return (methods + ["HEAD"]).joined(separator: ", ")
    }

    static let challenge: HTTPHeaders = ["WWW-Authenticate": "Bearer error=\"invalid_token\""]

    /// One call's outcome: status and envelope bytes.
    struct CallResult {
        var status: Int
        var envelope: [UInt8]
        var retryAfter: Int?
    }

    /// A call checked for existence, method and authorization: ready to run, or already failed.
    enum CheckedCall {
        case ready(Procedure, input: JSONValue?)
        case failed(CallResult)

        var isInline: Bool {
            switch self {
            case .ready(let procedure, _): procedure.invokeInline != nil
            case .failed: true
            }
        }
    }

    /// Why a call cannot be routed — no such procedure (404), or the wrong method for its
    /// kind (405) — or nil.
    private func routingError(_ name: String, _ procedure: Procedure?, method: String) -> CallResult? {
        guard let procedure else {
            return failure(RPCError(.notFound, "No procedure named \(name.prefix(100))"), path: name)
        }
        switch (procedure.kind, method) {
        case (.query, "POST"), (.subscription, "POST"):
            return failure(RPCError(.methodNotSupported, "\(procedure.name) is a query: use GET"), path: name)
        case (.mutation, "GET"):
            return failure(RPCError(.methodNotSupported, "\(procedure.name) is a mutation: use POST"), path: name)
        default:
            return nil
        }
    }

    private func runInline(_ call: CheckedCall, context: ProcedureContext) -> CallResult {
        switch call {
        case .failed(let result):
            return result
        case .ready(let procedure, let input):
            guard let invoke = procedure.invokeInline else { preconditionFailure("runInline needs an inline procedure") }
            do {
                return CallResult(status: 200, envelope: try invoke(input, context))
            } catch {
                return failure(error, in: procedure, context: context)
            }
        }
    }

    private func run(_ calls: [CheckedCall], context: ProcedureContext) async -> [CallResult] {
        if calls.count == 1 { return [await run(calls[0], context: context)] }
        return await withTaskGroup(of: (Int, CallResult).self) { group in
            for (index, call) in calls.enumerated() {
                group.addTask { (index, await self.run(call, context: context)) }
            }
            var results = [CallResult?](repeating: nil, count: calls.count)
            for await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }

    private func run(_ call: CheckedCall, context: ProcedureContext) async -> CallResult {
        switch call {
        case .failed(let result):
            return result
        case .ready(let procedure, let input):
            do {
                return CallResult(status: 200, envelope: try await procedure.invoke(input, context))
            } catch {
                return failure(error, in: procedure, context: context)
            }
        }
    }

    /// A procedure's error as its call's envelope (unexpected errors logged, never shown).
    private func failure(_ error: any Error, in procedure: Procedure, context: ProcedureContext) -> CallResult {
        failure(RPCErrorMapper.map(error, logger: context.logger, procedure: procedure.name), path: procedure.name)
    }

    /// Why the caller may not call `procedure`, or nil.
    static func authorizationError(_ procedure: Procedure, _ identity: AuthIdentity?) -> RPCError? {
        switch procedure.auth {
        case .public: return nil
        case .user: return identity == nil ? RPCError(.unauthorized, "Authentication required") : nil
        case .admin:
            guard let identity else { return RPCError(.unauthorized, "Authentication required") }
            return identity.role == .admin ? nil : RPCError(.forbidden, "Admin role required")
        }
    }

    func failure(_ error: RPCError, path: String?) -> CallResult {
        CallResult(status: error.code.httpStatus, envelope: ErrorEnvelope.json(error, path: path), retryAfter: error.retryAfter)
    }

    private func requestError(_ error: RPCError, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var h = Self.baseHeaders
        for field in headers { h.replaceOrAdd(name: field.name, value: field.value) }
        return HTTPResponse(status: error.code.httpStatus, headers: h, body: failure(error, path: nil).envelope)
    }

    private func send(_ results: [CallResult], isBatch: Bool, allow: String?, sink: ResponseSink, route: String) {
        var headers = Self.baseHeaders
        if results.contains(where: { $0.status == 401 }) { headers.add(name: "WWW-Authenticate", value: "Bearer error=\"invalid_token\"") }
        if let wait = results.compactMap(\.retryAfter).max() { headers.add(name: "Retry-After", value: String(wait)) }
        let statuses = Set(results.map(\.status))
        if statuses == [405], let allow { headers.add(name: "Allow", value: allow) }
        if !isBatch {
            sink.send(HTTPResponse(status: results[0].status, headers: headers, body: results[0].envelope), route: route)
            return
        }
        let status = statuses.count == 1 ? statuses.first! : 207
        var body: [UInt8] = [UInt8(ascii: "[")]
        for (i, r) in results.enumerated() {
            if i > 0 { body.append(UInt8(ascii: ",")) }
            body += r.envelope
        }
        body.append(UInt8(ascii: "]"))
        sink.send(HTTPResponse(status: status, headers: headers, body: body), route: route)
    }

    /// tRPC v11 `httpBatchStreamLink`: JSON Lines over chunked encoding; the single-line form
    /// `{"0":[[<envelope>]],…}` carries every result.
    private func sendStream(_ results: [CallResult], sink: ResponseSink, route: String) {
        var headers = Self.baseHeaders
        headers.replaceOrAdd(name: "Content-Type", value: "application/jsonl")
        headers.add(name: "Cache-Control", value: "no-cache")
        let stream = sink.startStream(status: 200, headers: headers, route: route)
        var line: [UInt8] = [UInt8(ascii: "{")]
        for (i, r) in results.enumerated() {
            if i > 0 { line.append(UInt8(ascii: ",")) }
            line += Array("\"\(i)\":[[".utf8) + r.envelope + Array("]]".utf8)
        }
        line += Array("}\n".utf8)
        stream.write(line)
        stream.finish()
    }
}
