import Foundation
import TestSupport
import Testing

/// The YouTube fake driven with plain HTTP as Google's references show each call:
/// https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol,
/// https://developers.google.com/youtube/v3/docs/videos, https://developers.google.com/youtube/v3/docs/playlistItems/list,
/// https://developers.google.com/youtube/v3/docs/errors, https://developers.google.com/youtube/v3/determine_quota_cost.
@Suite struct YouTubeFakeTests {
    private func withFake(_ body: (YouTubeFake, HTTPTestClient, String) async throws -> Void) async throws {
        let oauth = GoogleOAuthFake()
        let fake = YouTubeFake(oauth: oauth, dropFor: .milliseconds(200))
        try fake.start()
        do {
            try await body(fake, HTTPTestClient(baseURL: fake.api.baseURL), oauth.issueTokens(scopes: YouTubeFake.allScopes).accessToken)
            await fake.stop()
        } catch {
            await fake.stop()
            throw error
        }
    }

    static func reason(_ reply: HTTPTestClient.Reply) throws -> String? {
        ((try reply.json()["error"] as? [String: Any])?["errors"] as? [[String: Any]])?.first?["reason"] as? String
    }

    static func open(_ client: HTTPTestClient, token: String, total: Int, metadata: [String: Any]) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status",
            headers: [
                "Authorization": "Bearer \(token)", "Content-Type": "application/json; charset=UTF-8", "X-Upload-Content-Length": "\(total)",
                "X-Upload-Content-Type": "video/mp4",
            ], body: try JSONSerialization.data(withJSONObject: metadata))
    }

    static func path(_ location: String) -> String {
        let url = URL(string: location)!
        return url.path + "?" + (url.query ?? "")
    }

    @Test func aResumableUploadIsAskedAboutAfterAnInterruptionAndResumedFromTheReportedByte() async throws {
        try await withFake { fake, client, token in
            let file = (0..<1000).map { UInt8($0 % 251) }
            let metadata: [String: Any] = ["snippet": ["title": "Roast day", "categoryId": "22"], "status": ["privacyStatus": "private"]]
            let opened = try await Self.open(client, token: token, total: file.count, metadata: metadata)
            #expect(opened.status == 200)
            let session = Self.path(try #require(opened.header("Location")))
            #expect(fake.insertCalls == 1)
            let auth = ["Authorization": "Bearer \(token)"]

            // Nothing yet: a status check answers 308 without Range.
            let empty = try await client.request("PUT", session, headers: auth.merging(["Content-Range": "bytes */1000"]) { $1 })
            #expect(empty.status == 308)
            #expect(empty.header("Range") == nil)

            // The first PUT fails after 400 bytes with a 503: 308 with Range bytes=0-399 afterwards.
            fake.failNextUpload(after: 400)
            let failed = try await client.request(
                "PUT", session, headers: auth.merging(["Content-Type": "video/mp4"]) { $1 }, body: Data(file))
            #expect(failed.status == 503)
            #expect(try Self.reason(failed) == "backendError")
            let status = try await client.request("PUT", session, headers: auth.merging(["Content-Range": "bytes */1000"]) { $1 })
            #expect(status.status == 308)
            #expect(status.header("Range") == "bytes=0-399")

            // Resuming anywhere else is refused; from byte 400 it completes with 201 and the video.
            let wrong = try await client.request(
                "PUT", session, headers: auth.merging(["Content-Type": "video/mp4", "Content-Range": "bytes 300-999/1000"]) { $1 },
                body: Data(file[300...]))
            #expect(wrong.status == 400)
            let done = try await client.request(
                "PUT", session, headers: auth.merging(["Content-Type": "video/mp4", "Content-Range": "bytes 400-999/1000"]) { $1 },
                body: Data(file[400...]))
            #expect(done.status == 201)
            let id = try #require(try done.json()["id"] as? String)
            #expect(fake.bytes(of: id) == file)
            #expect(((try done.json()["status"] as? [String: Any])?["privacyStatus"] as? String) == "private")
            // A status check after completion answers the same video; no second one is created.
            let again = try await client.request("PUT", session, headers: auth.merging(["Content-Range": "bytes */1000"]) { $1 })
            #expect(again.status == 201)
            #expect(try again.json()["id"] as? String == id)
            #expect(fake.videos.filter { $0.title == "Roast day" }.count == 1)
        }
    }

    @Test func theSessionStartChecksTheMetadataAndTheHeaders() async throws {
        try await withFake { fake, client, token in
            let empty = try await Self.open(client, token: token, total: 10, metadata: ["snippet": ["title": " ", "categoryId": "22"]])
            #expect(empty.status == 400)
            #expect(try Self.reason(empty) == "invalidTitle")
            let category = try await Self.open(client, token: token, total: 10, metadata: ["snippet": ["title": "A", "categoryId": "999"]])
            #expect(try Self.reason(category) == "invalidCategoryId")
            let scheduled = try await Self.open(
                client, token: token, total: 10,
                metadata: [
                    "snippet": ["title": "A", "categoryId": "22"], "status": ["privacyStatus": "public", "publishAt": "2030-01-01T00:00:00Z"],
                ])
            #expect(try Self.reason(scheduled) == "invalidPublishAt")
            let unsized = try await client.request(
                "POST", "/upload/youtube/v3/videos?uploadType=resumable&part=snippet",
                headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json", "X-Upload-Content-Type": "video/mp4"],
                body: Data(#"{"snippet":{"title":"A","categoryId":"22"}}"#.utf8))
            #expect(unsized.status == 400)
            #expect(fake.insertCalls == 0, "no session for a refused request")
            let anonymous = try await client.request("POST", "/upload/youtube/v3/videos?uploadType=resumable&part=snippet", body: Data("{}".utf8))
            #expect(anonymous.status == 401)
            #expect(try Self.reason(anonymous) == "authError")
            #expect(anonymous.header("WWW-Authenticate")?.contains("invalid_token") == true)
        }
    }

    @Test func readsPageAndChargeTheQuotaUntilItIsSpent() async throws {
        try await withFake { fake, client, token in
            let auth = ["Authorization": "Bearer \(token)"]
            let first = try await client.get(
                "/youtube/v3/playlistItems?part=snippet,contentDetails&playlistId=\(YouTubeFake.uploadsPlaylist)&maxResults=2", headers: auth)
            let page = try first.json()
            #expect((page["items"] as? [[String: Any]])?.count == 2)
            let token2 = try #require(page["nextPageToken"] as? String)
            let second = try await client.get(
                "/youtube/v3/playlistItems?part=snippet&playlistId=\(YouTubeFake.uploadsPlaylist)&maxResults=2&pageToken=\(token2)", headers: auth)
            #expect((try second.json()["items"] as? [[String: Any]])?.count == 1)
            #expect(try second.json()["nextPageToken"] == nil)
            #expect(try await client.get("/youtube/v3/playlistItems?part=snippet&playlistId=UUnope", headers: auth).status == 404)
            #expect(try await client.get("/youtube/v3/channels?mine=true", headers: auth).status == 400, "part is required")
            let deleted = try await client.request("DELETE", "/youtube/v3/videos?id=aBcDeFgHiJk", headers: auth)
            #expect(deleted.status == 204)
            #expect(try await client.request("DELETE", "/youtube/v3/videos?id=aBcDeFgHiJk", headers: auth).status == 404)
            // 1 + 1 + 1 + 1 (even the refused ones) + 50 + 50 units.
            #expect(fake.unitsUsed == 104)
            fake.setQuota(unitsPerDay: 104)
            let spent = try await client.get("/youtube/v3/channels?part=id&mine=true", headers: auth)
            #expect(spent.status == 403)
            #expect(try Self.reason(spent) == "quotaExceeded")
            #expect(spent.header("Retry-After") == nil)
        }
    }
}
