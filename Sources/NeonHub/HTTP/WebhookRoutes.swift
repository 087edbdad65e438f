import HTTPCore
import HTTPFields

/// The `/webhooks/*` routes built so far: Meta's verification handshake. Before Meta sends a
/// Page's or an Instagram account's events to a callback URL it checks it with
/// `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` and expects the challenge back
/// when the verify token is the one configured for the app
/// (https://developers.facebook.com/docs/graph-api/webhooks/getting-started, "Verification
/// Requests"). The event deliveries themselves (`POST`, signed with `X-Hub-Signature-256`)
/// arrive with the webhooks of the queue issue.
enum WebhookRoutes {
    static func register(on router: AppRouter, metaVerifyToken: String?) {
        router.add("GET", "/webhooks/meta") { request, sink in
            sink.send(metaVerification(query: QueryString.parameters(request.query), expected: metaVerifyToken))
        }
    }

    /// The answer to a verification request: the challenge, or 403 without saying which part was wrong.
    static func metaVerification(query: [String: String], expected: String?) -> HTTPResponse {
        let plain: HTTPHeaders = ["Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"]
        guard let expected, !expected.isEmpty else {
            return HTTPResponse(status: 404, headers: plain, body: Array("META_WEBHOOK_VERIFY_TOKEN is not set\n".utf8))
        }
        guard query["hub.mode"] == "subscribe", let challenge = query["hub.challenge"], !challenge.isEmpty, challenge.utf8.count <= 256,
              let token = query["hub.verify_token"], constantTimeEquals(Array(token.utf8), Array(expected.utf8)) else {
            return HTTPResponse(status: 403, headers: plain, body: Array("verification refused\n".utf8))
        }
        return HTTPResponse(status: 200, headers: plain, body: Array(challenge.utf8))
    }
}
