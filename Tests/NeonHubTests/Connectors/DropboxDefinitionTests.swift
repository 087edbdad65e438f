import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// Where configs/connectors/dropbox.json (or the runtime that reads it) disagreed with Dropbox's
/// documented API until these tests showed it: disconnect revokes with a Bearer access token
/// (`auth.revokeStyle`), and a 429's reason is read from `error.reason`.
@Suite struct DropboxDefinitionTests {
    /// `auth/token/revoke` is Dropbox's RPC endpoint: POST with an access token as Bearer and no
    /// arguments (https://www.dropbox.com/developers/documentation/http/documentation#auth-token-revoke).
    /// `auth.revokeStyle: bearer` sends that; the RFC 7009 form sent before was refused with 400 and
    /// the grant stayed alive after a disconnect.
    @Test func disconnectingRevokesTheGrantAtDropbox() async throws {
        let fake = DropboxFake()
        try fake.start()
        try await fake.server.serving {
            let endpoints = try DropboxConnectionTests.endpoints(fake)
            try await withDatabaseApp({ OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["DROPBOX": fake.app]) }) { _, client in
                let id = try await DropboxConnectionTests.connect(client, fake).uuidString.lowercased()
                let granted = try #require(fake.tokenRequests.first)
                #expect(granted.formItems["grant_type"] == ["authorization_code"])
                let reply = try await client.request(
                    "POST", "/trpc/connectors.disconnect",
                    headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
                    body: Data(#"{"connectionId":"\#(id)"}"#.utf8))
                #expect(reply.status == 200)
                let revoke = try #require(fake.requests("POST", "/2/auth/token/revoke").last)
                #expect(revoke.header("Authorization")?.hasPrefix("Bearer ") == true, "Dropbox takes the access token as Bearer")
                #expect(revoke.body.isEmpty || revoke.bodyText == "null", "auth/token/revoke has no arguments")
                let header = revoke.header("Authorization") ?? ""
                let access = header.hasPrefix("Bearer ") ? String(header.dropFirst("Bearer ".count)) : ""
                #expect(!access.isEmpty && !fake.isValid(token: access), "the grant is dead at Dropbox")
            }
        }
    }

    /// `errors.codePath` `error..tag` does not reach the tag of a 429: Dropbox's RateLimitError is
    /// `{"error": {"reason": {".tag": "too_many_requests" | "too_many_write_operations"}, "retry_after": n}}`
    /// (https://www.dropbox.com/developers/documentation/http/documentation, "Errors", 429;
    /// the fixture's own `rate_limited` body has this shape), so `errors.rateLimitCodes` never
    /// match and the error carries no provider code. `error..tag|error.reason..tag` would read both.
    @Test func aRateLimitCarriesDropboxsReason() async throws {
        let fake = DropboxFake()
        try fake.start()
        try await fake.server.serving {
            let runtime = try DropboxRuntimeTests.runtime(fake)
            fake.failNext(.rateLimited(reason: "too_many_requests", retryAfter: 300))
            let limited = await #expect(throws: ConnectorError.self) {
                try await DropboxRuntimeTests.execute(runtime, "users.getCurrentAccount", token: fake.issueToken())
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "too_many_requests")
        }
    }
}
