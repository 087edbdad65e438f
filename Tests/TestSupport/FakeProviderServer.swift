public import Foundation
public import HTTPCore
public import HTTPFields
import Synchronization

/// A third-party API on loopback, served by our own `HTTPCore`: the base every provider fake
/// stands on. It encodes no provider of its own, only HTTP (RFC 9110,
/// https://www.rfc-editor.org/rfc/rfc9110) and form decoding as browsers and providers do it
/// (https://url.spec.whatwg.org/#application/x-www-form-urlencoded); each fake on top of it
/// cites its provider's API reference. It records every request (method, path, query, headers, body) and answers
/// from scripted routes. A provider fake adds what the provider's documentation says — the
/// checks on each request and the documented success and error payloads — as its routes.
///
/// A route is a method and a path pattern whose `*` segments match any one segment. Its
/// answer is a fixed reply, a sequence (each request takes the next; the last one repeats),
/// or a closure that sees the recorded request. A request no route matches is answered 404
/// with a JSON body naming it, and stays in `requests` so a test can see what was sent. An
/// answer can be held at a `ReplyGate` until the test opens it (`hold`).
public final class FakeProviderServer: HTTPHandler, Sendable {
    /// A request as it arrived.
    public struct RecordedRequest: Sendable {
        /// The method, e.g. `POST`.
        public var method: String
        /// The path, without the query.
        public var path: String
        /// The raw query string, if any.
        public var query: String?
        /// The header fields as received.
        public var headers: HTTPHeaders
        /// The body.
        public var body: [UInt8]
        /// When it arrived.
        public var receivedAt: Date

        /// The body as UTF-8 text.
        public var bodyText: String { String(decoding: body, as: UTF8.self) }

        /// The body parsed as JSON (nil when it is not JSON).
        public var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }

        /// The query parameters, decoded as `application/x-www-form-urlencoded` (`+` is a space).
        public var queryItems: [String: [String]] { Self.formDecode(query ?? "") }

        /// The body's parameters when it is `application/x-www-form-urlencoded`.
        public var formItems: [String: [String]] { Self.formDecode(bodyText) }

        /// A header's value, by case-insensitive name.
        public func header(_ name: String) -> String? { headers[name] }

        static func formDecode(_ text: String) -> [String: [String]] {
            var items: [String: [String]] = [:]
            for pair in text.split(separator: "&") where !pair.isEmpty {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                func decode(_ s: Substring) -> String {
                    String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
                }
                items[decode(parts[0]), default: []].append(parts.count > 1 ? decode(parts[1]) : "")
            }
            return items
        }
    }

    /// A scripted answer.
    public struct Reply: Sendable {
        /// The status code.
        public var status: Int
        /// The header fields.
        public var headers: HTTPHeaders
        /// The body.
        public var body: [UInt8]
        /// Waits this long before answering (a slow provider; a timeout test).
        public var delay: Duration?
        /// Closes the connection instead of answering (after `delay`, if any): a request the
        /// provider acted on whose answer is lost.
        public var hangsUp = false

        /// A reply with raw bytes.
        public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], delay: Duration? = nil) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
        }

        /// A JSON reply from JSON text (written as the provider's documentation shows it).
        public static func json(_ status: Int, _ text: String, headers: HTTPHeaders = HTTPHeaders()) -> Reply {
            var h = headers
            h.replaceOrAdd(name: "Content-Type", value: "application/json")
            return Reply(status: status, headers: h, body: Array(text.utf8))
        }

        /// A JSON reply from a JSON-serializable value.
        public static func json(_ status: Int, object: Any, headers: HTTPHeaders = HTTPHeaders()) -> Reply {
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])) ?? Data()
            return json(status, String(decoding: data, as: UTF8.self), headers: headers)
        }

        /// The same reply, answered after `delay`.
        public func delayed(_ delay: Duration) -> Reply {
            var copy = self
            copy.delay = delay
            return copy
        }

        /// No answer: the connection closes instead.
        public func hungUp() -> Reply {
            var copy = self
            copy.hangsUp = true
            return copy
        }
    }

    /// Computes a reply from the recorded request.
    public typealias Responder = @Sendable (RecordedRequest) -> Reply

    private struct Route: Sendable {
        var method: String
        var pattern: [Substring]
        var replies: [Responder]
        var served = 0
    }

    private struct State: Sendable {
        var routes: [Route] = []
        var requests: [RecordedRequest] = []
        /// Answers every request no route matches (a fake with its own dispatcher).
        var fallback: Responder?
        /// Requests whose answers wait for a gate: method, path pattern, gate.
        var holds: [(method: String, pattern: [Substring], gate: ReplyGate)] = []
    }

    private let state = Mutex(State())
    private let server = Mutex<HTTPServer?>(nil)

    /// The largest request body accepted (nil: the server's default); upload fakes raise it.
    private let maxBodyBytes: Int?

    /// A fake with no routes; add them with `on`, then `start()`. `maxBodyBytes` raises the
    /// server's body limit for providers that take large uploads (TikTok's 5–64 MB chunks).
    public init(maxBodyBytes: Int? = nil) { self.maxBodyBytes = maxBodyBytes }

    /// Answers `method pattern` with `reply`, every time.
    public func on(_ method: String, _ pattern: String, reply: Reply) {
        on(method, pattern, replies: [reply])
    }

    /// Answers `method pattern` with each reply in turn; the last one repeats.
    public func on(_ method: String, _ pattern: String, replies: [Reply]) {
        add(method, pattern, replies.map { reply in { _ in reply } })
    }

    /// Answers `method pattern` with what `responder` makes of the request.
    public func on(_ method: String, _ pattern: String, _ responder: @escaping Responder) {
        add(method, pattern, [responder])
    }

    private func add(_ method: String, _ pattern: String, _ replies: [Responder]) {
        precondition(!replies.isEmpty, "a route needs at least one reply")
        state.withLock { $0.routes.append(Route(method: method, pattern: Self.segments(pattern), replies: replies)) }
    }

    /// Answers every request that no route matches with `responder`: for fakes that dispatch
    /// themselves, keeping state across endpoints.
    public func onEveryRequest(_ responder: @escaping Responder) {
        state.withLock { $0.fallback = responder }
    }

    /// Holds the answers to `method pattern` (whatever route or fallback computes them) until
    /// `gate` opens.
    public func hold(_ method: String, _ pattern: String, until gate: ReplyGate) {
        state.withLock { $0.holds.append((method, Self.segments(pattern), gate)) }
    }

    /// Every request received so far, in arrival order.
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// The requests received for `method pattern`.
    public func requests(_ method: String, _ pattern: String) -> [RecordedRequest] {
        let segments = Self.segments(pattern)
        return requests.filter { $0.method == method && Self.matches(segments, $0.path) }
    }

    /// Starts listening on an ephemeral loopback port.
    public func start() throws {
        // A short grace: `stop()` blocks its caller (often a test's cooperative thread) until
        // every connection is closed, and a fake holding a request past the client's timeout
        // kept it for the default 10 s. Two such stops at once held the whole cooperative pool
        // (two threads here), and every lease keeper of the other tests with it: their jobs
        // lost their leases and ran twice.
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, shutdownGrace: .milliseconds(200), eventLoopCount: 1)
        if let maxBodyBytes { configuration.limits.maxBodyBytes = maxBodyBytes }
        let http = HTTPServer(configuration: configuration, handler: self)
        try http.start()
        server.withLock { $0 = http }
    }

    /// `http://127.0.0.1:<port>` (after `start()`).
    public var baseURL: String { "http://127.0.0.1:\(server.withLock { $0?.port ?? 0 })" }

    /// Stops listening and waits until every connection is closed (a request still being
    /// answered is cut off after 200 ms).
    public func stop() {
        guard let http = takeServer() else { return }
        http.shutdown()
        http.waitUntilStopped()
    }

    /// Like `stop()`, without blocking the cooperative pool while waiting.
    public func stopWithoutBlocking() async {
        guard let http = takeServer() else { return }
        await stopOffThePool(http)
    }

    /// Runs `body` against the started server, then stops it (without blocking the cooperative
    /// pool) whether `body` returned or threw.
    public func serving<T>(_ body: () async throws -> T) async throws -> T {
        do {
            let value = try await body()
            await stopWithoutBlocking()
            return value
        } catch {
            await stopWithoutBlocking()
            throw error
        }
    }

    private func takeServer() -> HTTPServer? {
        server.withLock { current -> HTTPServer? in
            defer { current = nil }; return current
        }
    }

    public func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        let recorded = RecordedRequest(
            method: request.method, path: request.path, query: request.query,
            headers: request.headers, body: request.body, receivedAt: Date())
        let (responderForRoute, gate): (Responder?, ReplyGate?) = state.withLock { state in
            state.requests.append(recorded)
            let gate = state.holds.last(where: { $0.method == request.method && Self.matches($0.pattern, request.path) })?.gate
            guard let index = state.routes.lastIndex(where: { $0.method == request.method && Self.matches($0.pattern, request.path) }) else {
                return (state.fallback, gate)
            }
            let route = state.routes[index]
            state.routes[index].served += 1
            return (route.replies[min(route.served, route.replies.count - 1)], gate)
        }
        let reply =
            responderForRoute?(recorded)
            ?? .json(404, object: ["error": "no scripted response for \(request.method) \(request.path)"])
        let answer: @Sendable () -> Void = {
            if reply.hangsUp {
                responder.abort()
            } else {
                responder.respond(HTTPResponse(status: reply.status, headers: reply.headers, body: reply.body))
            }
        }
        if let gate {
            gate.whenOpen(answer)
        } else if let delay = reply.delay {
            DispatchQueue.global().asyncAfter(
                deadline: .now() + .nanoseconds(Int(delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)),
                execute: answer)
        } else {
            answer()
        }
    }

    private static func segments(_ path: String) -> [Substring] { path.split(separator: "/", omittingEmptySubsequences: false) }

    private static func matches(_ pattern: [Substring], _ path: String) -> Bool {
        let segments = segments(path)
        guard segments.count == pattern.count else { return false }
        return zip(pattern, segments).allSatisfy { $0 == "*" || $0 == $1 }
    }
}

/// Runs `body` with a started fake, stopping it afterwards.
public func withFakeProvider<T>(_ configure: (FakeProviderServer) -> Void, _ body: (FakeProviderServer) async throws -> T) async throws -> T {
    let fake = FakeProviderServer()
    configure(fake)
    try fake.start()
    do {
        let result = try await body(fake)
        await fake.stopWithoutBlocking()
        return result
    } catch {
        await fake.stopWithoutBlocking()
        throw error
    }
}
