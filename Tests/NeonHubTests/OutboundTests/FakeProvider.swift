import AsyncHTTPClient
import Foundation
import HTTPCore
import HTTPFields
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A provider API on loopback that plays a script of answers and records every request as it
/// arrived. It encodes no single provider: statuses, `Retry-After` forms and error bodies are
/// those of RFC 9110 §15 and §10.2.3 (https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3), with
/// bodies shaped like Stripe's (https://docs.stripe.com/api/errors) and Meta's errors
/// (https://developers.facebook.com/docs/graph-api/guides/error-handling).
final class FakeProvider: HTTPHandler, Sendable {
    /// One scripted answer.
    indirect enum Step: Sendable {
        /// This status, headers and body.
        case answer(Int, headers: [(String, String)] = [], body: String = "")
        /// This status with a Meta-shaped error body whose message echoes the request's
        /// `Authorization` header, target and body (as careless providers and proxies do).
        case echo(Int)
        /// `step`, answered after a delay.
        case delayed(milliseconds: Int, Step)
    }

    /// A request as it arrived.
    struct Seen: Sendable {
        var at: ContinuousClock.Instant
        var method: String
        var target: String
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    private let state: Mutex<(script: [Step], seen: [Seen])>

    init(script: [Step]) {
        state = Mutex((script, []))
    }

    /// Requests received so far.
    var seen: [Seen] { state.withLock { $0.seen } }

    func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        let step = state.withLock { s -> Step in
            s.seen.append(Seen(at: .now, method: request.method, target: request.target, headers: request.headers, body: request.body))
            return s.script.isEmpty ? .answer(200, body: #"{"ok":true}"#) : s.script.removeFirst()
        }
        answer(step, request: request, responder: responder)
    }

    private func answer(_ step: Step, request: HTTPRequest, responder: HTTPResponder) {
        switch step {
        case .answer(let status, let headers, let body):
            var response = HTTPResponse(status: status, contentType: "application/json", body: body)
            for (name, value) in headers { response.headers.add(name: name, value: value) }
            responder.respond(response)
        case .echo(let status):
            let body =
                #"{"error":{"message":"Invalid OAuth access token: \#(request.headers["authorization"] ?? "") for \#(request.target) with \#(String(decoding: request.body, as: UTF8.self))","type":"OAuthException","code":190}}"#
            responder.respond(HTTPResponse(status: status, contentType: "application/json", body: body))
        case .delayed(let milliseconds, let inner):
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds)) {
                self.answer(inner, request: request, responder: responder)
            }
        }
    }
}

/// The transports the live client suites run over: AsyncHTTPClient is the server's, URLSession
/// is kept as the fallback; both must honour the same contract (statuses, timeouts, cancellation).
enum TransportKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case asyncHTTPClient, urlSession

    var testDescription: String { rawValue }
}

/// Runs `body` against a fake provider on an ephemeral loopback port, with a fresh transport
/// of `kind` (a fresh URLSession, or a fresh AsyncHTTPClient shut down afterwards).
func withFakeProvider<T>(
    script: [FakeProvider.Step], transport kind: TransportKind = .asyncHTTPClient,
    _ body: (FakeProvider, _ baseURL: String, any OutboundTransport) async throws -> T
) async throws -> T {
    let fake = FakeProvider(script: script)
    switch kind {
    case .urlSession:
        let session = URLSession(configuration: .ephemeral)
        defer { session.invalidateAndCancel() }
        return try await withLoopbackServer(fake) { baseURL in try await body(fake, baseURL, URLSessionTransport(session: session)) }
    case .asyncHTTPClient:
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: AsyncHTTPClientTransport.configuration)
        do {
            let result = try await withLoopbackServer(fake) { baseURL in
                try await body(fake, baseURL, AsyncHTTPClientTransport(client: client))
            }
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
