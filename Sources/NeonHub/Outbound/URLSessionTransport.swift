import Foundation
import HTTPFields
import TimeUnits

#if canImport(FoundationNetworking)
    public import FoundationNetworking
#endif
/// `OutboundTransport` over Foundation's `URLSession`, with a hard deadline and task
/// cancellation: the data task is cancelled when the timeout passes (→ `.timeout`) or when
/// the calling Swift task is cancelled (→ `CancellationError`). The completion handler runs
/// on URLSession's own queue; nothing here blocks the cooperative pool.
public struct URLSessionTransport: OutboundTransport {
    /// A session for server-side calls: no cookie store, no cache, no credential store, so
    /// that nothing from one tenant's call rides along on another's.
    public static let serverSession: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.urlCredentialStorage = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        return URLSession(configuration: configuration)
    }()

    /// The session every request goes through.
    public let session: URLSession

    /// Creates a transport over `session`.
    public init(session: URLSession = URLSessionTransport.serverSession) {
        self.session = session
    }

    /// Sends `request` through the session, cancelling its data task after `timeout`.
    public func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        guard request.clientIdentity == nil else {
            throw OutboundTransportError(.network, detail: "URLSession cannot present a TLS client certificate: use AsyncHTTPClientTransport")
        }
        let urlRequest = Self.urlRequest(request, timeout: timeout)
        let state = CallState()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<TransportResponse, any Error>) in
                let task = session.dataTask(with: urlRequest) { data, response, error in
                    let outcome = state.finish()
                    if let error {
                        continuation.resume(throwing: Self.classify(error, outcome: outcome))
                    } else if let http = response as? HTTPURLResponse {
                        continuation.resume(
                            returning: TransportResponse(
                                status: http.statusCode, headers: Self.headers(of: http), body: data ?? Data()))
                    } else {
                        continuation.resume(throwing: OutboundTransportError(.network, detail: "not an HTTP response"))
                    }
                }
                state.start(task)
                task.resume()
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout.inSeconds) {
                    state.expire()
                }
            }
        } onCancel: {
            state.cancel()
        }
    }

    private static func urlRequest(_ request: TransportRequest, timeout: Duration) -> URLRequest {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        // Our own deadline (CallState) is the real limit; URLSession's is only a backstop and
        // must stay above it: swift-corelibs-foundation truncates it to whole seconds, so a
        // sub-second value would fire at once.
        urlRequest.timeoutInterval = timeout.inSeconds.rounded(.up) + 1
        for field in request.headers {
            urlRequest.addValue(field.value, forHTTPHeaderField: field.name)
        }
        urlRequest.httpBody = request.body
        return urlRequest
    }

    private static func headers(of response: HTTPURLResponse) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for (name, value) in response.allHeaderFields {
            headers.add(name: "\(name)", value: "\(value)")
        }
        return headers
    }

    private static func classify(_ error: any Error, outcome: CallState.Outcome) -> any Error {
        switch outcome {
        case .expired: return OutboundTransportError(.timeout, detail: "no answer within the timeout")
        case .cancelled: return CancellationError()
        case .running: break
        }
        if let urlError = error as? URLError {
            switch urlError.code {
            case .timedOut: return OutboundTransportError(.timeout, detail: "URLError timedOut")
            case .cancelled: return CancellationError()
            default: return OutboundTransportError(.network, detail: "URLError \(urlError.code.rawValue)")
            }
        }
        let ns = error as NSError
        if ns.code == NSURLErrorTimedOut { return OutboundTransportError(.timeout, detail: "\(ns.domain) \(ns.code)") }
        return OutboundTransportError(.network, detail: "\(ns.domain) \(ns.code)")
    }
}

/// The shared state of one call: the data task and why it ended early, if it did.
private final class CallState: @unchecked Sendable {
    // All fields are guarded by `lock`.
    enum Outcome { case running, expired, cancelled }
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var outcome = Outcome.running
    private var done = false

    func start(_ task: URLSessionDataTask) {
        let cancelNow = lock.withLock { () -> Bool in
            self.task = task
            return outcome != .running
        }
        if cancelNow { task.cancel() }
    }

    func expire() { stop(.expired) }
    func cancel() { stop(.cancelled) }

    /// Marks the call complete and reports how it ended.
    func finish() -> Outcome {
        lock.withLock {
            done = true
            task = nil
            return outcome
        }
    }

    private func stop(_ reason: Outcome) {
        let task = lock.withLock { () -> URLSessionDataTask? in
            guard !done, outcome == .running else { return nil }
            outcome = reason
            return self.task
        }
        task?.cancel()
    }
}
