import TestSupport
import Testing

@testable import NeonHub

/// Meta's webhook verification handshake over a real socket: the challenge comes back only
/// for `hub.mode=subscribe` with the configured verify token.
@Suite struct MetaWebhookVerificationTests {
    @Test func theChallengeIsEchoedOnlyForTheConfiguredVerifyToken() async throws {
        try await withTestApp({ $0.metaWebhookVerifyToken = "verify-6f1c2a" }) { _, client in
            let good = try await client.get("/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-6f1c2a")
            #expect(good.status == 200)
            #expect(good.text == "1158201444")
            let wrong = try await client.get("/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess")
            #expect(wrong.status == 403 && !wrong.text.contains("1158201444"))
            let mode = try await client.get("/webhooks/meta?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=verify-6f1c2a")
            #expect(mode.status == 403)
            let none = try await client.get("/webhooks/meta?hub.mode=subscribe&hub.verify_token=verify-6f1c2a")
            #expect(none.status == 403)
        }
        try await withTestApp { _, client in
            let unset = try await client.get("/webhooks/meta?hub.mode=subscribe&hub.challenge=1&hub.verify_token=")
            #expect(unset.status == 404)
        }
    }
}
