import Foundation
import TestSupport
import Testing

/// The Meta Graph fake, driven with plain HTTP as Meta's documentation shows each call:
/// https://developers.facebook.com/docs/graph-api/reference/user/accounts,
/// https://developers.facebook.com/docs/graph-api/reference/page/feed,
/// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/content-publishing,
/// https://developers.facebook.com/docs/graph-api/guides/error-handling.
@Suite struct MetaGraphFakeTests {
    private func withFake<T>(
        _ configure: (MetaGraphFake) -> MetaGraphFake = { $0 },
        _ body: (MetaGraphFake, HTTPTestClient) async throws -> T
    ) async throws -> T {
        let fake = configure(MetaGraphFake())
        try fake.start()
        do {
            let result = try await body(fake, HTTPTestClient(baseURL: fake.baseURL))
            await fake.server.stopWithoutBlocking()
            return result
        } catch {
            await fake.server.stopWithoutBlocking()
            throw error
        }
    }

    private static let form = ["Content-Type": "application/x-www-form-urlencoded"]

    private static func graphError(_ reply: HTTPTestClient.Reply) throws -> [String: Any] {
        try #require(try reply.json()["error"] as? [String: Any])
    }

    private static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    private func post(_ client: HTTPTestClient, _ path: String, _ form: String) async throws -> HTTPTestClient.Reply {
        try await client.request("POST", path, headers: Self.form, body: Data(form.utf8))
    }

    @Test func codeExchangeGivesAShortLivedTokenAndFbExchangeTokenALongLivedOne() async throws {
        try await withFake { fake, client in
            let app = fake.app
            let code = fake.authorize()
            let exchange =
                "/v25.0/oauth/access_token?client_id=\(app.clientID)&redirect_uri=\(Self.escape(app.redirectURI))&client_secret=\(app.clientSecret)&code=\(code)"
            let first = try await client.get(exchange)
            #expect(first.status == 200)
            let short = try first.json()
            let shortToken = try #require(short["access_token"] as? String)
            #expect(short["token_type"] as? String == "bearer")
            #expect((short["expires_in"] as? Int ?? 0) < 86_400)

            // A code is good for one exchange.
            let again = try await client.get(exchange)
            #expect(again.status == 400)
            #expect(try Self.graphError(again)["code"] as? Int == 100)
            #expect(try Self.graphError(again)["error_subcode"] as? Int == 36009)

            let long = try await client.get(
                "/v25.0/oauth/access_token?grant_type=fb_exchange_token&client_id=\(app.clientID)&client_secret=\(app.clientSecret)&fb_exchange_token=\(shortToken)"
            )
            #expect(long.status == 200)
            let longToken = try #require(try long.json()["access_token"] as? String)
            #expect(longToken != shortToken)
            #expect(try long.json()["expires_in"] as? Int == 5_183_944)
            let me = try await client.get("/v25.0/me?fields=id,name", headers: ["Authorization": "Bearer \(longToken)"])
            #expect(me.status == 200)
            #expect(try me.json()["name"] as? String == "Avery Example")
        }
    }

    @Test func codeExchangeRefusesWrongSecretRedirectAndMissingClient() async throws {
        try await withFake { fake, client in
            let app = fake.app
            let code = fake.authorize()
            let redirect = Self.escape(app.redirectURI)
            let badSecret = try await client.get(
                "/v25.0/oauth/access_token?client_id=\(app.clientID)&redirect_uri=\(redirect)&client_secret=nope&code=\(code)")
            #expect(badSecret.status == 400)
            #expect(try Self.graphError(badSecret)["code"] as? Int == 1)
            #expect(try Self.graphError(badSecret)["type"] as? String == "OAuthException")
            #expect(try Self.graphError(badSecret)["fbtrace_id"] is String)

            let badRedirect = try await client.get(
                "/v25.0/oauth/access_token?client_id=\(app.clientID)&redirect_uri=\(Self.escape("https://evil.example/cb"))&client_secret=\(app.clientSecret)&code=\(code)"
            )
            #expect(try Self.graphError(badRedirect)["error_subcode"] as? Int == 36008)

            let noClient = try await client.get("/v25.0/oauth/access_token?redirect_uri=\(redirect)&client_secret=\(app.clientSecret)&code=\(code)")
            #expect(try Self.graphError(noClient)["code"] as? Int == 101)

            let unknownCode = try await client.get(
                "/v25.0/oauth/access_token?client_id=\(app.clientID)&redirect_uri=\(redirect)&client_secret=\(app.clientSecret)&code=forged")
            #expect(try Self.graphError(unknownCode)["code"] as? Int == 100)

            // The code survived the refused attempts: it has not been used yet.
            let good = try await client.get(
                "/v25.0/oauth/access_token?client_id=\(app.clientID)&redirect_uri=\(redirect)&client_secret=\(app.clientSecret)&code=\(code)")
            #expect(good.status == 200)
        }
    }

    @Test func accountsListPagesWithPageTokensAndCursorPaging() async throws {
        let pages = [
            MetaGraphFake.Page(id: "101", name: "One", instagramUserID: "17841400000000101", instagramUsername: "one"),
            MetaGraphFake.Page(id: "102", name: "Two"),
            MetaGraphFake.Page(id: "103", name: "Three"),
        ]
        let fake = MetaGraphFake(pages: pages)
        try fake.start()
        defer { fake.stop() }
        let client = HTTPTestClient(baseURL: fake.baseURL)
        let user = fake.issueUserToken()

        let first = try await client.get(
            "/v25.0/me/accounts?fields=id,name,access_token,instagram_business_account{id,username}&limit=2&access_token=\(user)")
        #expect(first.status == 200)
        let body = try first.json()
        let data = try #require(body["data"] as? [[String: Any]])
        #expect(data.map { $0["id"] as? String } == ["101", "102"])
        #expect(data.allSatisfy { ($0["access_token"] as? String)?.isEmpty == false })
        #expect((data[0]["instagram_business_account"] as? [String: Any])?["id"] as? String == "17841400000000101")
        #expect(data[0]["tasks"] == nil, "fields limits the answer")
        let paging = try #require(body["paging"] as? [String: Any])
        let cursors = try #require(paging["cursors"] as? [String: Any])
        #expect(cursors["before"] is String && cursors["after"] is String)
        let next = try #require(paging["next"] as? String)
        #expect(next.hasPrefix(fake.apiBaseURL + "/me/accounts?"))

        let second = try await client.get(String(next.dropFirst(fake.baseURL.count)))
        let secondBody = try second.json()
        #expect((secondBody["data"] as? [[String: Any]])?.map { $0["id"] as? String } == ["103"])
        #expect((secondBody["paging"] as? [String: Any])?["next"] == nil, "the last page has no next")
        #expect((secondBody["paging"] as? [String: Any])?["previous"] is String)

        // The Page token handed out is the one the Page edges accept.
        let pageToken = try #require(data[1]["access_token"] as? String)
        #expect(pageToken == fake.pageToken(for: "102", userToken: user))
        let published = try await post(client, "/v25.0/102/feed", "message=hi&access_token=\(pageToken)")
        #expect(published.status == 200)
    }

    @Test func feedPostsAreListedAndDeletable() async throws {
        try await withFake { fake, client in
            let page = fake.pages[0].id
            let token = try #require(fake.pageToken(for: page, userToken: fake.issueUserToken()))
            let auth = ["Authorization": "Bearer \(token)"]
            let created = try await client.request(
                "POST", "/v25.0/\(page)/feed", headers: auth.merging(Self.form) { $1 },
                body: Data("message=Spring+sale&link=https%3A%2F%2Fexample.com%2Fsale".utf8))
            #expect(created.status == 200)
            let id = try #require(try created.json()["id"] as? String)
            #expect(id.hasPrefix("\(page)_"))
            #expect(created.header("X-Business-Use-Case-Usage")?.contains(page) == true)

            let feed = try await client.get("/v25.0/\(page)/feed?fields=id,message", headers: auth)
            let items = try #require(try feed.json()["data"] as? [[String: Any]])
            #expect(items.first?["id"] as? String == id)
            #expect(items.first?["message"] as? String == "Spring sale")

            let deleted = try await client.request("DELETE", "/v25.0/\(id)", headers: auth)
            #expect(deleted.status == 200)
            #expect(try deleted.json()["success"] as? Bool == true)
            #expect(fake.postIDs.isEmpty)

            let gone = try await client.get("/v25.0/\(id)", headers: auth)
            #expect(gone.status == 400)
            #expect(try Self.graphError(gone)["code"] as? Int == 100)
            #expect(try Self.graphError(gone)["error_subcode"] as? Int == 33)
            let again = try await client.request("DELETE", "/v25.0/\(id)", headers: auth)
            #expect(try Self.graphError(again)["error_subcode"] as? Int == 33)
        }
    }

    @Test func feedRefusesUserTokensMissingContentAndMissingOrUnknownTokens() async throws {
        try await withFake { fake, client in
            let page = fake.pages[0].id
            let user = fake.issueUserToken()
            let pageToken = try #require(fake.pageToken(for: page, userToken: user))

            let asUser = try await post(client, "/v25.0/\(page)/feed", "message=hi&access_token=\(user)")
            #expect(asUser.status == 400)
            #expect(try Self.graphError(asUser)["code"] as? Int == 200)

            let empty = try await post(client, "/v25.0/\(page)/feed", "access_token=\(pageToken)")
            #expect(try Self.graphError(empty)["code"] as? Int == 100)

            let noToken = try await post(client, "/v25.0/\(page)/feed", "message=hi")
            #expect(noToken.status == 400)
            #expect(try Self.graphError(noToken)["code"] as? Int == 104)

            let forged = try await post(client, "/v25.0/\(page)/feed", "message=hi&access_token=EAAforged")
            #expect(try Self.graphError(forged)["code"] as? Int == 190)
            #expect(forged.header("WWW-Authenticate")?.contains("invalid_token") == true)

            let duplicateFirst = try await post(client, "/v25.0/\(page)/feed", "message=same&access_token=\(pageToken)")
            #expect(duplicateFirst.status == 200)
            let duplicate = try await post(client, "/v25.0/\(page)/feed", "message=same&access_token=\(pageToken)")
            #expect(try Self.graphError(duplicate)["code"] as? Int == 506)
            #expect(fake.postIDs.count == 1)
        }
    }

    @Test func photosAnswerThePhotoAndItsFeedPost() async throws {
        try await withFake { fake, client in
            let page = fake.pages[0].id
            let token = try #require(fake.pageToken(for: page, userToken: fake.issueUserToken()))
            let photo = try await post(client, "/v25.0/\(page)/photos", "url=https%3A%2F%2Fcdn.example.com%2Fa.jpg&caption=New&access_token=\(token)")
            #expect(photo.status == 200)
            let body = try photo.json()
            #expect(body["id"] is String)
            let postID = try #require(body["post_id"] as? String)
            #expect(fake.postIDs == [postID])

            let noURL = try await post(client, "/v25.0/\(page)/photos", "caption=New&access_token=\(token)")
            #expect(try Self.graphError(noURL)["code"] as? Int == 324)
        }
    }

    @Test func instagramContainerIsPolledUntilFinishedThenPublished() async throws {
        try await withFake { fake, client in
            fake.setContainerPolls(2)
            let ig = try #require(fake.pages[0].instagramUserID)
            let user = fake.issueUserToken()
            let created = try await post(
                client, "/v25.0/\(ig)/media", "image_url=https%3A%2F%2Fcdn.example.com%2Fa.jpg&caption=Hello&access_token=\(user)")
            #expect(created.status == 200)
            let container = try #require(try created.json()["id"] as? String)

            let early = try await post(client, "/v25.0/\(ig)/media_publish", "creation_id=\(container)&access_token=\(user)")
            #expect(early.status == 400)
            #expect(try Self.graphError(early)["code"] as? Int == 9007)
            #expect(try Self.graphError(early)["error_subcode"] as? Int == 2_207_027)

            var statuses: [String] = []
            for _ in 0..<3 {
                let status = try await client.get("/v25.0/\(container)?fields=status_code&access_token=\(user)")
                statuses.append(try status.json()["status_code"] as? String ?? "?")
            }
            #expect(statuses == ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"])

            let published = try await post(client, "/v25.0/\(ig)/media_publish", "creation_id=\(container)&access_token=\(user)")
            #expect(published.status == 200)
            let media = try #require(try published.json()["id"] as? String)
            #expect(fake.mediaIDs == [media])
            let after = try await client.get("/v25.0/\(container)?fields=status_code&access_token=\(user)")
            #expect(try after.json()["status_code"] as? String == "PUBLISHED")
            let listed = try await client.get("/v25.0/\(ig)/media?access_token=\(user)")
            #expect((try listed.json()["data"] as? [[String: Any]])?.first?["id"] as? String == media)
            let twice = try await post(client, "/v25.0/\(ig)/media_publish", "creation_id=\(container)&access_token=\(user)")
            #expect(try Self.graphError(twice)["code"] as? Int == 9007)
        }
    }

    @Test func instagramContainersNeedTheDocumentedMediaFields() async throws {
        try await withFake { fake, client in
            fake.setContainerPolls(0)
            let ig = try #require(fake.pages[0].instagramUserID)
            let user = fake.issueUserToken()
            let reel = try await post(
                client, "/v25.0/\(ig)/media", "media_type=REELS&video_url=https%3A%2F%2Fcdn.example.com%2Fv.mp4&caption=Reel&access_token=\(user)")
            #expect(reel.status == 200)
            let videoWithoutType = try await post(
                client, "/v25.0/\(ig)/media", "video_url=https%3A%2F%2Fcdn.example.com%2Fv.mp4&access_token=\(user)")
            #expect(try Self.graphError(videoWithoutType)["code"] as? Int == 100)
            let retiredVideo = try await post(
                client, "/v25.0/\(ig)/media", "media_type=VIDEO&video_url=https%3A%2F%2Fcdn.example.com%2Fv.mp4&access_token=\(user)")
            #expect(try Self.graphError(retiredVideo)["code"] as? Int == 100)
            let noPublishScope = fake.issueUserToken(scopes: ["instagram_basic", "pages_show_list"])
            let refused = try await post(
                client, "/v25.0/\(ig)/media", "image_url=https%3A%2F%2Fcdn.example.com%2Fa.jpg&access_token=\(noPublishScope)")
            #expect(try Self.graphError(refused)["code"] as? Int == 10)
            let notInstagram = try await post(
                client, "/v25.0/\(fake.pages[1].id)/media", "image_url=https%3A%2F%2Fcdn.example.com%2Fa.jpg&access_token=\(user)")
            #expect(try Self.graphError(notInstagram)["error_subcode"] as? Int == 33)

            fake.setContainerPolls(1, outcome: .error)
            let failing = try await post(client, "/v25.0/\(ig)/media", "image_url=https%3A%2F%2Fcdn.example.com%2Fb.jpg&access_token=\(user)")
            let id = try #require(try failing.json()["id"] as? String)
            _ = try await client.get("/v25.0/\(id)?fields=status_code&access_token=\(user)")
            let status = try await client.get("/v25.0/\(id)?fields=status_code,status&access_token=\(user)")
            #expect(try status.json()["status_code"] as? String == "ERROR")
            #expect(try status.json()["status"] is String)
        }
    }

    @Test func expiredAndRevokedTokensAnswerError190() async throws {
        try await withFake { fake, client in
            let expired = fake.issueUserToken()
            let revoked = fake.issueUserToken()
            #expect(try await client.get("/v25.0/me?access_token=\(expired)").status == 200)
            fake.expire(token: expired)
            fake.revoke(token: revoked)

            let one = try await client.get("/v25.0/me", headers: ["Authorization": "Bearer \(expired)"])
            #expect(one.status == 400)
            #expect(try Self.graphError(one)["code"] as? Int == 190)
            #expect(try Self.graphError(one)["error_subcode"] as? Int == 463)
            #expect(try Self.graphError(one)["type"] as? String == "OAuthException")
            #expect(one.header("WWW-Authenticate")?.hasPrefix("OAuth \"Facebook Platform\" \"invalid_token\"") == true)

            let two = try await client.get("/v25.0/me?access_token=\(revoked)")
            #expect(try Self.graphError(two)["code"] as? Int == 190)
            #expect(try Self.graphError(two)["error_subcode"] as? Int == 458)

            // An expired token cannot be exchanged for a long-lived one either.
            let app = fake.app
            let exchange = try await client.get(
                "/v25.0/oauth/access_token?grant_type=fb_exchange_token&client_id=\(app.clientID)&client_secret=\(app.clientSecret)&fb_exchange_token=\(expired)"
            )
            #expect(try Self.graphError(exchange)["code"] as? Int == 190)
        }
    }

    @Test func injectedRateLimitsCarryTheirUsageHeadersForTheNextCalls() async throws {
        try await withFake { fake, client in
            let user = fake.issueUserToken()
            fake.injectRateLimit(code: 4, calls: 2)
            for _ in 0..<2 {
                let limited = try await client.get("/v25.0/me?access_token=\(user)")
                #expect(limited.status == 400)
                #expect(try Self.graphError(limited)["code"] as? Int == 4)
                #expect(try Self.graphError(limited)["is_transient"] as? Bool == true)
                let usage = try #require(limited.header("X-App-Usage"))
                let parsed = try #require(try JSONSerialization.jsonObject(with: Data(usage.utf8)) as? [String: Int])
                #expect(parsed["call_count"] == 100)
            }
            let ok = try await client.get("/v25.0/me?access_token=\(user)")
            #expect(ok.status == 200)
            let usage = try #require(ok.header("X-App-Usage"))
            #expect((try JSONSerialization.jsonObject(with: Data(usage.utf8)) as? [String: Int])?["call_count"] ?? 100 < 100)

            let page = fake.pages[0].id
            let pageToken = try #require(fake.pageToken(for: page, userToken: user))
            fake.injectRateLimit(code: 32)
            let pageLimited = try await post(client, "/v25.0/\(page)/feed", "message=x&access_token=\(pageToken)")
            #expect(try Self.graphError(pageLimited)["code"] as? Int == 32)
            let buc = try #require(pageLimited.header("X-Business-Use-Case-Usage"))
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(buc.utf8)) as? [String: [[String: Any]]])
            let entry = try #require(entries[page]?.first)
            #expect(entry["type"] as? String == "pages")
            #expect(entry["call_count"] as? Int == 100)
            #expect((entry["estimated_time_to_regain_access"] as? Int ?? 0) > 0)
            #expect(fake.postIDs.isEmpty, "a throttled call changes nothing")

            fake.injectRateLimit(code: 613)
            let custom = try await client.get("/v25.0/me?access_token=\(user)")
            #expect(try Self.graphError(custom)["code"] as? Int == 613)
            #expect(custom.header("X-Business-Use-Case-Usage") != nil)
        }
    }

    @Test func scriptedErrorsUseGraphsEnvelope() async throws {
        try await withFake { fake, client in
            let page = fake.pages[0].id
            let token = try #require(fake.pageToken(for: page, userToken: fake.issueUserToken()))
            fake.failNext(error: .blocked)
            fake.failNext(error: .invalidParameter())
            let blocked = try await post(client, "/v25.0/\(page)/feed", "message=x&access_token=\(token)")
            #expect(blocked.status == 400)
            let error = try Self.graphError(blocked)
            #expect(error["code"] as? Int == 368)
            #expect(error["message"] is String && error["type"] is String && error["fbtrace_id"] is String && error["error_subcode"] is Int)
            let invalid = try await post(client, "/v25.0/\(page)/feed", "message=x&access_token=\(token)")
            #expect(try Self.graphError(invalid)["code"] as? Int == 100)
            let fine = try await post(client, "/v25.0/\(page)/feed", "message=x&access_token=\(token)")
            #expect(fine.status == 200)
        }
    }

    @Test func insightsAnswerOneEntryPerMetricAndRefuseRetiredOrMissingMetrics() async throws {
        try await withFake { fake, client in
            let page = fake.pages[0].id
            let user = fake.issueUserToken()
            let token = try #require(fake.pageToken(for: page, userToken: user))
            let reply = try await client.get("/v25.0/\(page)/insights?metric=page_post_engagements,page_follows&period=day&access_token=\(token)")
            #expect(reply.status == 200)
            let data = try #require(try reply.json()["data"] as? [[String: Any]])
            #expect(data.map { $0["name"] as? String } == ["page_post_engagements", "page_follows"])
            #expect(data.allSatisfy { $0["period"] as? String == "day" && ($0["values"] as? [[String: Any]])?.isEmpty == false })

            let missing = try await client.get("/v25.0/\(page)/insights?access_token=\(token)")
            #expect(try Self.graphError(missing)["code"] as? Int == 100)
            let retired = try await client.get("/v25.0/\(page)/insights?metric=page_impressions&access_token=\(token)")
            #expect(try Self.graphError(retired)["code"] as? Int == 100)
            let asUser = try await client.get("/v25.0/\(page)/insights?metric=page_follows&access_token=\(user)")
            #expect(try Self.graphError(asUser)["code"] as? Int == 200)

            let ig = try #require(fake.pages[0].instagramUserID)
            let account = try await client.get("/v25.0/\(ig)/insights?metric=reach,views&metric_type=total_value&period=day&access_token=\(user)")
            let entries = try #require(try account.json()["data"] as? [[String: Any]])
            #expect(entries.count == 2 && entries.allSatisfy { ($0["total_value"] as? [String: Any])?["value"] is Int })
        }
    }

    @Test func otherVersionsAndUnknownPathsAreRefused() async throws {
        try await withFake { fake, client in
            let user = fake.issueUserToken()
            let otherVersion = try await client.get("/v19.0/me?access_token=\(user)")
            #expect(otherVersion.status == 400)
            #expect(try Self.graphError(otherVersion)["code"] as? Int == 2500)
            let unknownEdge = try await client.get("/v25.0/me/nothing_here?access_token=\(user)")
            #expect(try Self.graphError(unknownEdge)["code"] as? Int == 2500)
            #expect(fake.requests.count == 2)
        }
    }
}
