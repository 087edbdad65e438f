import Foundation
import TestSupport
import Testing

/// The TikTok fake, driven with plain HTTP as TikTok's documentation shows each call:
/// https://developers.tiktok.com/doc/oauth-user-access-token-management,
/// https://developers.tiktok.com/doc/content-posting-api-reference-direct-post,
/// https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide,
/// https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status,
/// https://developers.tiktok.com/doc/tiktok-api-v2-error-handling.
@Suite struct TikTokFakeTests {
    private func withFake<T>(_ fake: TikTokFake = TikTokFake(), _ body: (TikTokFake, HTTPTestClient) async throws -> T) async throws -> T {
        try fake.start()
        return try await fake.server.serving { try await body(fake, HTTPTestClient(baseURL: fake.baseURL)) }
    }

    private static func json(_ token: String) -> [String: String] {
        ["Authorization": "Bearer \(token)", "Content-Type": "application/json; charset=UTF-8"]
    }

    private static func body(_ object: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: object) }

    private static func errorCode(_ reply: HTTPTestClient.Reply) throws -> String? {
        (try reply.json()["error"] as? [String: Any])?["code"] as? String
    }

    private static func form(_ items: [(String, String)]) -> Data {
        Data(items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }.joined(separator: "&").utf8)
    }

    @Test func theTokenEndpointTakesClientKeyAndRotatesRefreshTokens() async throws {
        try await withFake { fake, client in
            let code = fake.authorize()
            let app = TikTokFake.defaultApp
            let formHeaders = ["Content-Type": "application/x-www-form-urlencoded"]
            // client_id instead of client_key is refused.
            let wrong = try await client.request(
                "POST", "/v2/oauth/token/", headers: formHeaders,
                body: Self.form([
                    ("client_id", app.clientID), ("client_secret", app.clientSecret), ("code", code), ("grant_type", "authorization_code"),
                    ("redirect_uri", app.redirectURI),
                ]))
            #expect(try wrong.json()["error"] as? String == "invalid_client")
            let second = fake.authorize()
            let exchanged = try await client.request(
                "POST", "/v2/oauth/token/", headers: formHeaders,
                body: Self.form([
                    ("client_key", app.clientID), ("client_secret", app.clientSecret), ("code", second), ("grant_type", "authorization_code"),
                    ("redirect_uri", app.redirectURI),
                ]))
            let tokens = try exchanged.json()
            #expect(tokens["expires_in"] as? Int == 86_400)
            #expect(tokens["open_id"] as? String == TikTokFake.openID)
            let refresh = try #require(tokens["refresh_token"] as? String)
            let refreshed = try await client.request(
                "POST", "/v2/oauth/token/", headers: formHeaders,
                body: Self.form([
                    ("client_key", app.clientID), ("client_secret", app.clientSecret), ("grant_type", "refresh_token"), ("refresh_token", refresh),
                ]))
            let rotated = try #require(try refreshed.json()["refresh_token"] as? String)
            #expect(rotated != refresh)
            #expect(!fake.isValid(refreshToken: refresh))
            #expect(fake.isValid(refreshToken: rotated))
            let again = try await client.request(
                "POST", "/v2/oauth/token/", headers: formHeaders,
                body: Self.form([
                    ("client_key", app.clientID), ("client_secret", app.clientSecret), ("grant_type", "refresh_token"), ("refresh_token", refresh),
                ]))
            #expect(try again.json()["error"] as? String == "invalid_grant")
        }
    }

    @Test func apiCallsNeedAnIssuedUnexpiredBearerAndAnswerTikTokEnvelopes() async throws {
        try await withFake { fake, client in
            let (token, _) = fake.issueTokens()
            let info = try await client.get("/v2/user/info/?fields=open_id,display_name", headers: ["Authorization": "Bearer \(token)"])
            #expect(info.status == 200)
            let json = try info.json()
            #expect((json["error"] as? [String: Any])?["code"] as? String == "ok")
            #expect(((json["data"] as? [String: Any])?["user"] as? [String: Any])?.keys.sorted() == ["display_name", "open_id"])
            let unknown = try await client.get("/v2/user/info/?fields=open_id", headers: ["Authorization": "Bearer act.never-issued"])
            #expect(unknown.status == 401)
            #expect(try Self.errorCode(unknown) == "access_token_invalid")
            fake.expire(token: token)
            let expired = try await client.get("/v2/user/info/?fields=open_id", headers: ["Authorization": "Bearer \(token)"])
            #expect(expired.status == 401)
            #expect(try Self.errorCode(expired) == "access_token_invalid")
        }
    }

    @Test func theInitEndpointsEnforceTheirPerMinuteLimitWith429() async throws {
        try await withFake { fake, client in
            let (token, _) = fake.issueTokens()
            fake.freezeClock()  // all seven in one window, however long the machine takes to send them
            let body = try Self.body(["source_info": ["source": "PULL_FROM_URL", "video_url": "https://www.example.com/media/a.mp4"]])
            var statuses: [Int] = []
            for _ in 0..<7 {
                statuses.append(try await client.request("POST", "/v2/post/publish/inbox/video/init/", headers: Self.json(token), body: body).status)
            }
            #expect(statuses == [200, 200, 200, 200, 200, 200, 429], "6 requests per minute per token")
            let limited = try await client.request("POST", "/v2/post/publish/inbox/video/init/", headers: Self.json(token), body: body)
            #expect(try Self.errorCode(limited) == "rate_limit_exceeded")
            #expect(limited.header("Retry-After") == nil, "TikTok documents no rate-limit headers")
        }
    }

    @Test func directPostChecksPrivacyVerifiedURLsAndChunkRules() async throws {
        try await withFake { fake, client in
            let (token, _) = fake.issueTokens()
            func initPost(_ post: [String: Any], _ source: [String: Any]) async throws -> HTTPTestClient.Reply {
                try await client.request(
                    "POST", "/v2/post/publish/video/init/", headers: Self.json(token),
                    body: try Self.body(["post_info": post, "source_info": source]))
            }
            let mismatch = try await initPost(
                ["privacy_level": "FOLLOWER_OF_CREATOR"], ["source": "PULL_FROM_URL", "video_url": "https://www.example.com/media/a.mp4"])
            #expect(try Self.errorCode(mismatch) == "privacy_level_option_mismatch")
            let unverified = try await initPost(
                ["privacy_level": "SELF_ONLY"], ["source": "PULL_FROM_URL", "video_url": "https://elsewhere.example/a.mp4"])
            #expect(unverified.status == 403)
            #expect(try Self.errorCode(unverified) == "url_ownership_unverified")
            let missing = try await initPost([:], ["source": "PULL_FROM_URL", "video_url": "https://www.example.com/media/a.mp4"])
            #expect(missing.status == 400)
            #expect(try Self.errorCode(missing) == "invalid_params")
            // 50,000,123 bytes in 10,000,000-byte chunks is 5 chunks (the guide's example); 6 is wrong.
            #expect(TikTokFake.chunkProblem(size: 50_000_123, chunk: 10_000_000, count: 5) == nil)
            #expect(TikTokFake.chunkProblem(size: 50_000_123, chunk: 10_000_000, count: 6) != nil)
            #expect(TikTokFake.chunkProblem(size: 4_000_000, chunk: 4_000_000, count: 1) == nil)
            #expect(TikTokFake.chunkProblem(size: 20_000_000, chunk: 2_000_000, count: 10) != nil, "chunks under 5 MB")
            #expect(TikTokFake.chunkProblem(size: 70_000_000, chunk: 70_000_000, count: 1) != nil, "over 64 MB in one chunk")
            let badChunks = try await initPost(
                ["privacy_level": "SELF_ONLY"], ["source": "FILE_UPLOAD", "video_size": 20_000_000, "chunk_size": 2_000_000, "total_chunk_count": 10])
            #expect(try Self.errorCode(badChunks) == "invalid_params")
        }
    }

    @Test func aFileUploadTakesItsChunksInOrderThenProcesses() async throws {
        try await withFake { fake, client in
            let (token, _) = fake.issueTokens()
            let size = 11 * 1_048_576, chunk = 5 * 1_048_576
            let started = try await client.request(
                "POST", "/v2/post/publish/video/init/", headers: Self.json(token),
                body: try Self.body([
                    "post_info": ["privacy_level": "SELF_ONLY", "title": "t"],
                    "source_info": ["source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk, "total_chunk_count": 2],
                ]))
            let data = try #require(try started.json()["data"] as? [String: Any])
            let publishID = try #require(data["publish_id"] as? String)
            let uploadURL = try #require(data["upload_url"] as? String)
            let path = String(uploadURL.dropFirst(fake.baseURL.count))
            let bytes = Data(repeating: 7, count: size)
            // Out of order: refused.
            let second = try await client.request(
                "PUT", path, headers: ["Content-Type": "video/mp4", "Content-Range": "bytes \(chunk)-\(size - 1)/\(size)"], body: bytes[chunk...])
            #expect(second.status == 400)
            let first = try await client.request(
                "PUT", path, headers: ["Content-Type": "video/mp4", "Content-Range": "bytes 0-\(chunk - 1)/\(size)"], body: bytes[..<chunk])
            #expect(first.status == 206)
            func status() async throws -> [String: Any] {
                let reply = try await client.request(
                    "POST", "/v2/post/publish/status/fetch/", headers: Self.json(token), body: try Self.body(["publish_id": publishID]))
                return try reply.json()["data"] as? [String: Any] ?? [:]
            }
            #expect(try await status()["status"] as? String == "PROCESSING_UPLOAD")
            let last = try await client.request(
                "PUT", path, headers: ["Content-Type": "video/mp4", "Content-Range": "bytes \(chunk)-\(size - 1)/\(size)"], body: bytes[chunk...])
            #expect(last.status == 201)
            #expect(try await status()["status"] as? String == "PROCESSING_UPLOAD")
            let done = try await status()
            #expect(done["status"] as? String == "PUBLISH_COMPLETE")
            #expect((done["publicaly_available_post_id"] as? [Any])?.count == 1)
            #expect(fake.publishes[publishID]?.uploadedBytes == size)
        }
    }
}
