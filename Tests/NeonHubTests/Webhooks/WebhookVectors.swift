import Foundation

@testable import NeonHub

/// Fixed inputs of the signature tests. Every expected signature in the tests was computed
/// outside our code, with Python's hmac module (and checked with `openssl dgst`), e.g.
///
///     python3 -c 'import hmac,hashlib; print(hmac.new(b"meta-app-secret-test",
///         b"{\"id\":\"evt_test_1\",\"type\":\"payment_intent.succeeded\"}", hashlib.sha256).hexdigest())'
///     printf %s '{"id":"evt_test_1","type":"payment_intent.succeeded"}' | openssl dgst -sha256 -hmac meta-app-secret-test
enum WebhookVectors {
    /// The signed body of most vectors.
    static let body = #"{"id":"evt_test_1","type":"payment_intent.succeeded"}"#
    /// The same body with one character changed.
    static let tampered = #"{"id":"evt_test_2","type":"payment_intent.succeeded"}"#
    /// The signing time of the timestamped schemes (2026-01-01T00:00:00Z).
    static let signedAt = 1_767_225_600
    static var signedDate: Date { Date(timeIntervalSince1970: TimeInterval(signedAt)) }

    /// A delivery to `connector` with `headers`.
    static func request(
        _ connector: String = "test", body: String = body, headers: [(String, String)], path: String = "/webhooks/test",
        query: String? = nil
    ) -> WebhookRequest {
        WebhookRequest(
            connector: connector, method: "POST", body: Array(body.utf8), headers: headers.map { (name: $0.0, value: $0.1) },
            path: path, query: query)
    }

    /// The error code `verify` throws, or nil when it accepts.
    static func outcome(_ scheme: some WebhookSignatureScheme, _ request: WebhookRequest, at date: Date = signedDate) -> WebhookError.Code? {
        do {
            try scheme.verify(request, now: date)
            return nil
        } catch {
            return error.code
        }
    }
}
