import Foundation
import TestSupport
import Testing

/// The X fake, driven with plain HTTP as X's documentation shows each call:
/// https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token,
/// https://docs.x.com/x-api/posts/create-post, https://docs.x.com/x-api/media/quickstart/media-upload-chunked,
/// https://docs.x.com/x-api/fundamentals/rate-limits.
@Suite struct XFakeTests {
    private func withFake<T>(_ body: (XFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = XFake()
        try fake.start()
        return try await fake.server.serving { try await body(fake, HTTPTestClient(baseURL: fake.baseURL)) }
    }

    private static func json(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)", "Content-Type": "application/json"] }

    @Test func theCodeIsExchangedWithPKCEAndBasicAuthAndRefreshTokensRotate() async throws {
        try await withFake { fake, client in
            let verifier = String(repeating: "v", count: 43)
            let query = [
                "response_type": "code", "client_id": XFake.defaultApp.clientID, "redirect_uri": XFake.defaultApp.redirectURI,
                "state": "s1", "scope": "tweet.read users.read offline.access", "code_challenge": PKCE.s256Challenge(verifier),
                "code_challenge_method": "S256",
            ]
            #expect(fake.authorize(query.merging(["code_challenge": ""]) { $1 }) == nil)
            let code = try #require(fake.authorize(query))
            let basic = "Basic " + Data("\(XFake.defaultApp.clientID):\(XFake.defaultApp.clientSecret)".utf8).base64EncodedString()
            func exchange(_ form: String, auth: String?) async throws -> HTTPTestClient.Reply {
                var headers = ["Content-Type": "application/x-www-form-urlencoded"]
                headers["Authorization"] = auth
                return try await client.request("POST", "/2/oauth2/token", headers: headers, body: Data(form.utf8))
            }
            let redirect = XFake.defaultApp.redirectURI.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let noBasic = try await exchange(
                "grant_type=authorization_code&code=\(code)&redirect_uri=\(redirect)&code_verifier=\(verifier)", auth: nil)
            #expect(noBasic.status == 401)
            #expect(try noBasic.json()["error"] as? String == "unauthorized_client")
            let wrongVerifier = try await exchange(
                "grant_type=authorization_code&code=\(code)&redirect_uri=\(redirect)&code_verifier=\(String(repeating: "w", count: 43))", auth: basic)
            #expect(wrongVerifier.status == 400)
            let good = try await exchange(
                "grant_type=authorization_code&code=\(code)&redirect_uri=\(redirect)&code_verifier=\(verifier)", auth: basic)
            #expect(good.status == 200)
            let tokens = try good.json()
            #expect(tokens["token_type"] as? String == "bearer")
            #expect(tokens["expires_in"] as? Int == 7200)
            let refresh = try #require(tokens["refresh_token"] as? String)
            let renewed = try await exchange("grant_type=refresh_token&refresh_token=\(refresh)", auth: basic)
            #expect(renewed.status == 200)
            #expect(try renewed.json()["refresh_token"] as? String != refresh)
            #expect(
                try await exchange("grant_type=refresh_token&refresh_token=\(refresh)", auth: basic).status == 400,
                "a used refresh token stops working")
        }
    }

    @Test func postsAreCreatedListedAndDeletedWithRateLimitHeaders() async throws {
        try await withFake { fake, client in
            let token = fake.issueAccessToken()
            let created = try await client.request(
                "POST", "/2/tweets", headers: Self.json(token), body: Data(#"{"text":"Hello from the fake"}"#.utf8))
            #expect(created.status == 201)
            let id = try #require((try created.json()["data"] as? [String: Any])?["id"] as? String)
            #expect(created.header("x-rate-limit-limit") == "100")
            #expect(created.header("x-rate-limit-remaining") == "99")
            #expect(created.header("x-rate-limit-reset") == String(fake.resetEpoch))
            let duplicate = try await client.request(
                "POST", "/2/tweets", headers: Self.json(token), body: Data(#"{"text":"Hello from the fake"}"#.utf8))
            #expect(duplicate.status == 403)
            #expect(try duplicate.json()["detail"] as? String == "You are not allowed to create a Tweet with duplicate content.")
            let emptyMedia = try await client.request("POST", "/2/tweets", headers: Self.json(token), body: Data(#"{"text":"a","media":{}}"#.utf8))
            #expect(emptyMedia.status == 400)
            #expect(try emptyMedia.json()["title"] as? String == "Invalid Request")

            let listed = try await client.get("/2/users/\(XFake.user.id)/tweets?max_results=5", headers: ["Authorization": "Bearer \(token)"])
            #expect(((try listed.json()["data"] as? [[String: Any]]) ?? []).map { $0["id"] as? String } == [id])
            let tooFew = try await client.get("/2/users/\(XFake.user.id)/tweets?max_results=4", headers: ["Authorization": "Bearer \(token)"])
            #expect(tooFew.status == 400)

            let deleted = try await client.request("DELETE", "/2/tweets/\(id)", headers: ["Authorization": "Bearer \(token)"])
            #expect(try (deleted.json()["data"] as? [String: Any])?["deleted"] as? Bool == true)
            #expect(fake.posts.isEmpty)

            fake.expire(token: token)
            let expired = try await client.get("/2/users/me", headers: ["Authorization": "Bearer \(token)"])
            #expect(expired.status == 401)
            #expect(try expired.json()["title"] as? String == "Unauthorized")

            let other = fake.issueAccessToken()
            fake.injectRateLimit()
            let limited = try await client.get("/2/users/me", headers: ["Authorization": "Bearer \(other)"])
            #expect(limited.status == 429)
            #expect(limited.header("x-rate-limit-remaining") == "0")
            #expect(limited.header("retry-after") == nil)
        }
    }

    @Test func aVideoIsUploadedInSegmentsAndProcessedBeforeAPostMayCarryIt() async throws {
        try await withFake { fake, client in
            let token = fake.issueAccessToken()
            fake.setProcessing(reads: 1)
            let started = try await client.request(
                "POST", "/2/media/upload/initialize", headers: Self.json(token),
                body: Data(#"{"media_type":"video/mp4","total_bytes":6,"media_category":"tweet_video"}"#.utf8))
            let id = try #require((try started.json()["data"] as? [String: Any])?["id"] as? String)
            for (index, chunk) in ["abc", "def"].enumerated() {
                let boundary = "b0undary"
                let body =
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"segment_index\"\r\n\r\n\(index)\r\n"
                    + "--\(boundary)\r\nContent-Disposition: form-data; name=\"media\"; filename=\"media\"\r\nContent-Type: application/octet-stream\r\n\r\n\(chunk)\r\n--\(boundary)--\r\n"
                let appended = try await client.request(
                    "POST", "/2/media/upload/\(id)/append",
                    headers: ["Authorization": "Bearer \(token)", "Content-Type": "multipart/form-data; boundary=\(boundary)"], body: Data(body.utf8))
                #expect(appended.status == 200)
            }
            #expect(fake.segments(of: id) == [0: 3, 1: 3])
            let finalized = try await client.request("POST", "/2/media/upload/\(id)/finalize", headers: ["Authorization": "Bearer \(token)"])
            let info = (try finalized.json()["data"] as? [String: Any])?["processing_info"] as? [String: Any]
            #expect(info?["state"] as? String == "pending")
            let early = try await client.request(
                "POST", "/2/tweets", headers: Self.json(token), body: Data(#"{"text":"clip","media":{"media_ids":["\#(id)"]}}"#.utf8))
            #expect(early.status == 400, "a video still processing cannot be posted")
            var states: [String] = []
            for _ in 0..<2 {
                let status = try await client.get("/2/media/upload?command=STATUS&media_id=\(id)", headers: ["Authorization": "Bearer \(token)"])
                states.append(((try status.json()["data"] as? [String: Any])?["processing_info"] as? [String: Any])?["state"] as? String ?? "")
            }
            #expect(states == ["in_progress", "succeeded"])
            let posted = try await client.request(
                "POST", "/2/tweets", headers: Self.json(token), body: Data(#"{"text":"clip","media":{"media_ids":["\#(id)"]}}"#.utf8))
            #expect(posted.status == 201)
            #expect(fake.posts.last?.mediaIDs == [id])
        }
    }
}
