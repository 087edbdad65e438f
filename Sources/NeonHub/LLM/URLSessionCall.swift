import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP exchange over `URLSession` with a hard deadline and task cancellation: the data
/// task is cancelled when the deadline passes (→ `LLMError.timeout`) or when the calling
/// Swift task is cancelled (→ `CancellationError`).
struct URLSessionCall: Sendable {
    /// A transport-level failure (not a timeout, not a cancellation).
    struct TransportFailure: Error {
        let detail: String
    }

    let session: URLSession
    let timeout: Duration

    /// Sends `request` and returns the body and the HTTP response.
    func perform(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        let state = CallState()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, HTTPURLResponse), any Error>) in
                let task = session.dataTask(with: request) { data, response, error in
                    let outcome = state.finish()
                    if let error {
                        continuation.resume(throwing: Self.classify(error, outcome: outcome))
                    } else if let http = response as? HTTPURLResponse {
                        continuation.resume(returning: (data ?? Data(), http))
                    } else {
                        continuation.resume(throwing: LLMError.malformedResponse("not an HTTP response"))
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

    private static func classify(_ error: any Error, outcome: CallState.Outcome) -> any Error {
        switch outcome {
        case .expired: return LLMError.timeout
        case .cancelled: return CancellationError()
        case .running: break
        }
        if let urlError = error as? URLError {
            switch urlError.code {
            case .timedOut: return LLMError.timeout
            case .cancelled: return CancellationError()
            default: return TransportFailure(detail: "URLError \(urlError.code.rawValue)")
            }
        }
        let ns = error as NSError
        if ns.code == NSURLErrorTimedOut { return LLMError.timeout }
        return TransportFailure(detail: "\(ns.domain) \(ns.code)")
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
