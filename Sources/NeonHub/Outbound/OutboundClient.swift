import Foundation
import HTTPFields
public import Logging
import TimeUnits

/// The one outbound HTTP client: every call to a provider (LLM, connectors, queue) goes
/// through `send`.
///
/// Per call it adds `User-Agent` and `traceparent` (a child span of `TraceContext.current`,
/// under which the call's own log lines are written), bounds each attempt and the whole call,
/// retries what `RetryPolicy` allows (backoff with jitter, or the server's `Retry-After` up to
/// the cap), classifies failures into `OutboundError` codes, reports every attempt to the
/// hook, and removes secrets from everything it logs or throws.
public struct OutboundClient: Sendable {
    /// Limits and defaults.
    public let configuration: OutboundConfiguration
    private let transport: any OutboundTransport
    private let hook: OutboundHook?
    private let logger: Logger

    /// Creates a client. `hook` is called once per attempt of every request (see
    /// `OutboundHook`), before the request's own hook.
    public init(
        configuration: OutboundConfiguration = OutboundConfiguration(),
        transport: any OutboundTransport = AsyncHTTPClientTransport(),
        logger: Logger, hook: OutboundHook? = nil
    ) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.hook = hook
    }

    /// Sends `request` and returns the 2xx answer (or one of its `acceptedStatuses`). Throws `OutboundError` when every allowed
    /// attempt failed, and `CancellationError` when the calling task is cancelled. When the
    /// next pause would pass the overall deadline, no pause is taken: the last failure is
    /// thrown as it was (an attempt cut short by the deadline is a `timeout`).
    public func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        let span = TraceContext.current?.child() ?? .started()
        return try await TraceContext.$current.withValue(span) {
            try await send(request, span: span.span)
        }
    }

    private func send(_ request: OutboundRequest, span: TraceParent) async throws -> OutboundResponse {
        let redactor = SecretRedactor(for: request, maxLength: configuration.bodyExcerptLength)
        var wire = TransportRequest(
            method: request.method, url: request.url,
            headers: headersToSend(request, span: span), body: request.body, clientIdentity: request.clientIdentity)
        wire.followsRedirects = request.followsRedirects
        let policy = configuration.retry
        let mayRetry = policy.allowsRetry(
            method: request.method, safety: request.retry,
            hasIdempotencyKey: request.headers.contains("Idempotency-Key"))
        let attemptTimeout = request.attemptTimeout ?? configuration.attemptTimeout
        let clock = ContinuousClock()
        let deadline = (request.deadline ?? configuration.deadline).map { clock.now + $0 }
        var generator = SystemRandomNumberGenerator()
        var number = 0
        while true {
            number += 1
            let remaining = deadline.map { $0 - clock.now }
            let timeout = remaining.map { min($0, attemptTimeout) } ?? attemptTimeout
            let started = clock.now
            let outcome = await attempt(wire, timeout: max(timeout, .zero), redactor: redactor)
            let duration = clock.now - started
            var failure: OutboundError
            var repeatable = false
            var final = false
            switch outcome {
            case .answered(let response):
                guard let code = OutboundError.code(forStatus: response.status, headers: response.headers),
                    !request.acceptedStatuses.contains(response.status)
                else {
                    report(request, number: number, status: response.status, duration: duration, code: nil, pause: nil)
                    return OutboundResponse(
                        status: response.status, headers: response.headers,
                        body: response.body, attempts: number)
                }
                repeatable = code != .retryable && request.repeatableAnswer?(response.status, response.headers) == true
                failure = makeFailure(repeatable ? .retryable : code, response, request: request, redactor: redactor)
            case .failed(let code, let detail, let message, let isFinal):
                failure = OutboundError(code: code, message: message, detail: detail)
                final = isFinal
            case .cancelled(let error):
                throw error
            }
            failure.attempts = number
            failure.method = request.method
            failure.urlTemplate = request.urlTemplate
            let decision = policy.decide(
                after: .init(code: failure.code, status: failure.status, retryAfter: failure.retryAfter, repeatable: repeatable, final: final),
                retriesDone: number - 1, mayRetry: mayRetry, remaining: deadline.map { $0 - clock.now },
                using: &generator)
            let pause: Duration? = if case .retry(let after) = decision { after } else { nil }
            report(request, number: number, status: failure.status, duration: duration, code: failure.code, pause: pause)
            log(failure, request: request, redactor: redactor, pause: pause)
            guard let pause else { throw failure }
            try await Task.sleep(for: pause)
        }
    }

    /// How one attempt ended.
    private enum AttemptOutcome {
        case answered(TransportResponse)
        /// `final`: sending it again within this call cannot help (the class alone would retry).
        case failed(OutboundError.Code, detail: String, message: String? = nil, final: Bool = false)
        case cancelled(any Error)
    }

    private func attempt(_ wire: TransportRequest, timeout: Duration, redactor: SecretRedactor) async -> AttemptOutcome {
        if timeout <= .zero { return .failed(.timeout, detail: "deadline passed") }
        do {
            return .answered(try await transport.send(wire, timeout: timeout))
        } catch let error as OutboundTransportError {
            let detail = redactor.clean(error.detail)
            switch error.kind {
            case .timeout: return .failed(.timeout, detail: detail)
            case .network: return .failed(.network, detail: detail)
            // Sent and then cut off: the provider may have acted, as after a timeout.
            case .interrupted: return .failed(.timeout, detail: detail, message: "the connection was lost after the request was sent")
            // Refused credentials, the alert named as the provider's message.
            case .certificateRefused: return .failed(.auth, detail: detail, message: detail)
            // Unavailable to us until a certificate or our trust changes: said in words, not
            // retried within the call (a queued job still retries later, then reaches the DLQ).
            case .certificateUnverified: return .failed(.network, detail: detail, message: detail, final: true)
            }
        } catch let error as CancellationError {
            return .cancelled(error)
        } catch {
            return .failed(.network, detail: redactor.clean(String(describing: error)))
        }
    }

    /// The error for a non-success answer: status, `Retry-After` (or the reset of a budget the
    /// usage headers report spent), provider message, excerpt.
    private func makeFailure(
        _ code: OutboundError.Code, _ response: TransportResponse, request: OutboundRequest, redactor: SecretRedactor
    ) -> OutboundError {
        let now = Date()
        let signal = code == .rateLimited ? request.rateLimitReader?(response.headers, response.body) : nil
        var retryAfter = signal?.retryAfter ?? RetryAfter.parse(response.headers["Retry-After"], now: now)
        if retryAfter == nil, let reading = RateLimitReading(headers: response.headers, now: now), reading.isSpent, let reset = reading.resetsAt {
            // No Retry-After, but the usage headers say the budget is spent until a known time.
            retryAfter = .seconds(max(1, Int(reset.timeIntervalSince(now).rounded(.up))))
        }
        let header = request.messageHeader.flatMap { response.headers[$0] }.flatMap { $0.isEmpty ? nil : $0 }
        let message = (request.messageReader?(response.body) ?? header).map(redactor.clean)
        let excerptBytes = response.body.prefix(configuration.bodyExcerptLength * 4)
        let excerpt = excerptBytes.isEmpty ? nil : redactor.clean(String(decoding: excerptBytes, as: UTF8.self))
        var failure = OutboundError(
            code: code, status: response.status, retryAfter: retryAfter,
            resetAt: retryAfter.map { now.addingTimeInterval($0.inSeconds) }, message: message, bodyExcerpt: excerpt)
        failure.rateLimitScope = signal?.scope
        return failure
    }

    /// The request's headers plus `User-Agent` and `traceparent` when it has none (the
    /// request's own `traceParent`, else the call's span).
    private func headersToSend(_ request: OutboundRequest, span: TraceParent) -> HTTPHeaders {
        var headers = request.headers
        if !headers.contains("User-Agent") { headers.add(name: "User-Agent", value: configuration.userAgent) }
        if !headers.contains("traceparent") {
            headers.add(name: "traceparent", value: (request.traceParent ?? span).description)
        }
        return headers
    }

    private func report(
        _ request: OutboundRequest, number: Int, status: Int?, duration: Duration, code: OutboundError.Code?, pause: Duration?
    ) {
        guard hook != nil || request.hook != nil else { return }
        let record = OutboundAttempt(
            labels: request.labels, method: request.method, urlTemplate: request.urlTemplate,
            number: number, status: status, duration: duration, errorCode: code, retryDelay: pause)
        hook?(record)
        request.hook?(record)
    }

    private func log(_ failure: OutboundError, request: OutboundRequest, redactor: SecretRedactor, pause: Duration?) {
        var metadata: Logger.Metadata = [
            "connector": "\(request.labels.connector)", "action": "\(request.labels.action)",
            "method": "\(request.method)", "url": "\(redactor.clean(url: request.url))",
            "attempt": "\(failure.attempts)", "error": "\(failure.code.rawValue)",
        ]
        if let status = failure.status { metadata["status"] = "\(status)" }
        if let detail = failure.detail ?? failure.message { metadata["detail"] = "\(detail)" }
        if let pause {
            metadata["retryInMs"] = "\(pause.inMilliseconds)"
            logger.info("outbound attempt failed, retrying", metadata: metadata)
        } else {
            if let resetAt = failure.resetAt { metadata["resetAt"] = "\(resetAt.timeIntervalSince1970)" }
            logger.warning("outbound call failed", metadata: metadata)
        }
    }
}
