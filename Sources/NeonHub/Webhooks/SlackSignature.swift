public import Foundation

/// Slack requests (Events API, interactivity, slash commands):
/// `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<X-Slack-Request-Timestamp>:<raw body>">`
/// keyed with the app's signing secret; a timestamp more than five minutes from now is refused.
///
/// Reference: https://api.slack.com/authentication/verifying-requests-from-slack
public struct SlackSignature: WebhookSignatureScheme {
    /// `SLACK_SIGNING_SECRET`.
    let signingSecret: [UInt8]
    /// The replay window.
    let tolerance: TimeInterval

    /// A verifier for one signing secret.
    public init(signingSecret: String, tolerance: TimeInterval = 300) {
        self.signingSecret = Array(signingSecret.utf8)
        self.tolerance = tolerance
    }

    public var signatureHeaders: [String] { ["X-Slack-Signature"] }

    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookError) {
        guard let header = request.header("X-Slack-Signature"), header.hasPrefix("v0="),
            let t = request.header("X-Slack-Request-Timestamp"), let timestamp = Int64(t)
        else {
            throw WebhookError(.missingSignature, "X-Slack-Signature (v0=<hex>) or X-Slack-Request-Timestamp is missing")
        }
        let expected = HMACSHA256.authenticate(message: Array("v0:\(t):".utf8) + request.body, key: signingSecret)
        guard WebhookEncoding.matches(WebhookEncoding.unhex(header.dropFirst(3)), expected) else {
            throw WebhookError(.invalidSignature, "X-Slack-Signature does not match the body")
        }
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else {
            throw WebhookError(.staleTimestamp, "X-Slack-Request-Timestamp is more than five minutes from now")
        }
    }
}
