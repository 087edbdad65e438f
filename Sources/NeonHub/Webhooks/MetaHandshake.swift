/// Meta's subscription check: before sending a Page's, an Instagram account's or a WhatsApp
/// business account's events to a callback URL, Meta calls
/// `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` and expects the challenge
/// back when the verify token is the one configured for the app.
///
/// Reference: https://developers.facebook.com/docs/graph-api/webhooks/getting-started
/// ("Verification Requests").
enum MetaHandshake {
    /// The challenge, 403 without saying which part was wrong, or 404 without a verify token.
    static func answer(query: [String: String], verifyToken expected: String?) -> WebhookReply {
        guard let expected, !expected.isEmpty else { return .text("META_WEBHOOK_VERIFY_TOKEN is not set\n", status: 404) }
        guard query["hub.mode"] == "subscribe", let challenge = query["hub.challenge"], !challenge.isEmpty, challenge.utf8.count <= 256,
            let token = query["hub.verify_token"], constantTimeEquals(Array(token.utf8), Array(expected.utf8))
        else {
            return .text("verification refused\n", status: 403)
        }
        return .text(challenge)
    }
}
