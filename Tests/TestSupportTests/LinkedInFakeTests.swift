import Foundation
import TestSupport
import Testing

/// The LinkedIn fake, driven with plain HTTP as LinkedIn's documentation shows each call:
/// https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow,
/// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api,
/// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api,
/// https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling.
@Suite struct LinkedInFakeTests {
    private func withFake<T>(
        _ fake: LinkedInFake = LinkedInFake(),
        _ body: (LinkedInFake, HTTPTestClient) async throws -> T
    ) async throws -> T {
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

    private static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    /// The headers every versioned call carries.
    private static func rest(_ token: String, json: Bool = false) -> [String: String] {
        var headers = ["Authorization": "Bearer \(token)", "LinkedIn-Version": "202603", "X-Restli-Protocol-Version": "2.0.0"]
        if json { headers["Content-Type"] = "application/json" }
        return headers
    }

    private static func body(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object)
    }

    private static func textPost(author: String, commentary: String = "Hello from NeonHub") -> [String: Any] {
        [
            "author": author,
            "commentary": commentary,
            "visibility": "PUBLIC",
            "distribution": ["feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []],
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": false,
        ]
    }

    private func token(_ client: HTTPTestClient, _ form: String) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/oauth/v2/accessToken", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(form.utf8))
    }

    @Test func authorizationCodeAndRefreshGrantsIssueTokensWithTheirLifetimes() async throws {
        try await withFake { fake, client in
            let app = fake.app
            let code = fake.authorize()
            let exchange =
                "grant_type=authorization_code&code=\(code)&client_id=\(app.clientID)&client_secret=\(app.clientSecret)&redirect_uri=\(Self.escape(app.redirectURI))"
            let issued = try await token(client, exchange)
            #expect(issued.status == 200)
            let body = try issued.json()
            let access = try #require(body["access_token"] as? String)
            let refresh = try #require(body["refresh_token"] as? String)
            #expect(body["expires_in"] as? Int == 5_184_000)
            #expect(body["refresh_token_expires_in"] as? Int == 31_536_000)
            #expect((body["scope"] as? String)?.split(separator: ",").contains("w_organization_social") == true)
            #expect((body["id_token"] as? String)?.split(separator: ".").count == 3)

            let reused = try await token(client, exchange)
            #expect(reused.status == 400)
            #expect(try reused.json()["error"] as? String == "invalid_request")

            let refreshed = try await token(
                client, "grant_type=refresh_token&refresh_token=\(refresh)&client_id=\(app.clientID)&client_secret=\(app.clientSecret)")
            #expect(refreshed.status == 200)
            let renewed = try refreshed.json()
            #expect(renewed["refresh_token"] as? String == refresh, "refreshing does not rotate the refresh token")
            #expect((renewed["refresh_token_expires_in"] as? Int ?? .max) <= 31_536_000)
            let newAccess = try #require(renewed["access_token"] as? String)
            #expect(newAccess != access)
            #expect(try await client.get("/v2/userinfo", headers: ["Authorization": "Bearer \(newAccess)"]).status == 200)

            fake.invalidate(refreshToken: refresh)
            let refused = try await token(
                client, "grant_type=refresh_token&refresh_token=\(refresh)&client_id=\(app.clientID)&client_secret=\(app.clientSecret)")
            #expect(refused.status == 400)
        }
    }

    @Test func tokenEndpointRefusesBadClientsJSONBodiesAndUnknownGrants() async throws {
        try await withFake { fake, client in
            let app = fake.app
            let code = fake.authorize()
            let badSecret = try await token(
                client,
                "grant_type=authorization_code&code=\(code)&client_id=\(app.clientID)&client_secret=wrong&redirect_uri=\(Self.escape(app.redirectURI))"
            )
            #expect(badSecret.status == 401)
            #expect(try badSecret.json()["error"] as? String == "invalid_client")

            let json = try await client.request(
                "POST", "/oauth/v2/accessToken", headers: ["Content-Type": "application/json"],
                body: try Self.body(["grant_type": "authorization_code", "code": code]))
            #expect(json.status == 400)

            let noRedirect = try await token(
                client, "grant_type=authorization_code&code=\(code)&client_id=\(app.clientID)&client_secret=\(app.clientSecret)")
            #expect(try noRedirect.json()["error_description"] as? String == "A required parameter \"redirect_uri\" is missing")

            let password = try await token(client, "grant_type=password&client_id=\(app.clientID)&client_secret=\(app.clientSecret)")
            #expect(try password.json()["error"] as? String == "unsupported_grant_type")

            fake.setIssuesRefreshTokens(false)
            let withoutRefresh = try await token(
                client,
                "grant_type=authorization_code&code=\(code)&client_id=\(app.clientID)&client_secret=\(app.clientSecret)&redirect_uri=\(Self.escape(app.redirectURI))"
            )
            #expect(withoutRefresh.status == 200)
            #expect(try withoutRefresh.json()["refresh_token"] == nil, "only approved partners get refresh tokens")
        }
    }

    @Test func userinfoAnswersTheOpenIDClaims() async throws {
        try await withFake { fake, client in
            let token = fake.issueAccessToken()
            let reply = try await client.get("/v2/userinfo", headers: ["Authorization": "Bearer \(token)"])
            #expect(reply.status == 200)
            let body = try reply.json()
            #expect(body["sub"] as? String == fake.member.sub)
            #expect(body["name"] as? String == "Avery Example")
            #expect(body["email"] as? String == fake.member.email)
            #expect(body["email_verified"] as? Bool == true)

            let anonymous = try await client.get("/v2/userinfo")
            #expect(anonymous.status == 401)
            let error = try anonymous.json()
            #expect(error["status"] as? Int == 401)
            #expect(error["message"] as? String == "Empty oauth2_access_token")
            #expect(error["serviceErrorCode"] is Int)
        }
    }

    @Test func organizationAclsPageWithStartAndCountAndDecorateOnRequest() async throws {
        let orgs = [
            LinkedInFake.Organization(id: 1, localizedName: "One", vanityName: "one"),
            LinkedInFake.Organization(id: 2, localizedName: "Two", vanityName: "two"),
            LinkedInFake.Organization(id: 3, localizedName: "Three", vanityName: "three", role: "ANALYST"),
        ]
        try await withFake(LinkedInFake(organizations: orgs)) { fake, client in
            let headers = Self.rest(fake.issueAccessToken())
            let first = try await client.get(
                "/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED&start=0&count=1", headers: headers)
            #expect(first.status == 200)
            let body = try first.json()
            let elements = try #require(body["elements"] as? [[String: Any]])
            #expect(elements.map { $0["organization"] as? String } == ["urn:li:organization:1"])
            #expect(elements.first?["roleAssignee"] as? String == fake.member.urn)
            #expect(elements.first?["organization~"] == nil)
            let paging = try #require(body["paging"] as? [String: Any])
            #expect(paging["total"] as? Int == 2)
            let links = try #require(paging["links"] as? [[String: Any]])
            let next = try #require(links.first { $0["rel"] as? String == "next" }?["href"] as? String)

            let second = try await client.get(next, headers: headers)
            let secondElements = try #require(try second.json()["elements"] as? [[String: Any]])
            #expect(secondElements.map { $0["organization"] as? String } == ["urn:li:organization:2"])

            let projection = Self.escape("(paging,elements*(*,organization~(id,localizedName,vanityName)))")
            let decorated = try await client.get("/rest/organizationAcls?q=roleAssignee&projection=\(projection)", headers: headers)
            let all = try #require(try decorated.json()["elements"] as? [[String: Any]])
            #expect(all.count == 3)
            #expect(all.compactMap { ($0["organization~"] as? [String: Any])?["localizedName"] as? String } == ["One", "Two", "Three"])

            let noFinder = try await client.get("/rest/organizationAcls", headers: headers)
            #expect(noFinder.status == 400)
        }
    }

    @Test func textPostsAreCreatedListedReadAndDeleted() async throws {
        try await withFake { fake, client in
            let token = fake.issueAccessToken()
            let org = fake.organizations[0].urn
            let created = try await client.request(
                "POST", "/rest/posts", headers: Self.rest(token, json: true), body: try Self.body(Self.textPost(author: org)))
            #expect(created.status == 201)
            #expect(created.body.isEmpty)
            let urn = try #require(created.header("x-restli-id"))
            #expect(urn.hasPrefix("urn:li:share:"))
            #expect(fake.postURNs == [urn])

            let listed = try await client.get(
                "/rest/posts?q=author&author=\(Self.escape(org))&count=10&sortBy=LAST_MODIFIED",
                headers: Self.rest(token).merging(["X-RestLi-Method": "FINDER"]) { $1 })
            #expect(listed.status == 200)
            let elements = try #require(try listed.json()["elements"] as? [[String: Any]])
            #expect(elements.map { $0["id"] as? String } == [urn])
            #expect(elements.first?["commentary"] as? String == "Hello from NeonHub")
            #expect(elements.first?["publishedAt"] is Int)

            let read = try await client.get("/rest/posts/\(Self.escape(urn))", headers: Self.rest(token))
            #expect(try read.json()["author"] as? String == org)
            #expect(try read.json()["isReshareDisabledByAuthor"] as? Bool == false)

            let deleted = try await client.request(
                "DELETE", "/rest/posts/\(Self.escape(urn))", headers: Self.rest(token).merging(["X-RestLi-Method": "DELETE"]) { $1 })
            #expect(deleted.status == 204)
            #expect(fake.postURNs.isEmpty)
            #expect(try await client.get("/rest/posts/\(Self.escape(urn))", headers: Self.rest(token)).status == 404)
            #expect(
                try await client.request("DELETE", "/rest/posts/\(Self.escape(urn))", headers: Self.rest(token)).status == 204,
                "deleting a deleted post is idempotent")
            let empty = try await client.get("/rest/posts?q=author&author=\(Self.escape(org))", headers: Self.rest(token))
            #expect((try empty.json()["elements"] as? [Any])?.isEmpty == true)
            #expect(try await client.request("DELETE", "/rest/posts/\(Self.escape("urn:li:share:1"))", headers: Self.rest(token)).status == 404)
        }
    }

    @Test func versionedCallsRefuseMissingHeadersAndInvalidBodies() async throws {
        try await withFake { fake, client in
            let token = fake.issueAccessToken()
            let org = fake.organizations[0].urn
            let body = try Self.body(Self.textPost(author: org))
            func send(_ headers: [String: String], _ data: Data) async throws -> (Int, [String: Any]) {
                let reply = try await client.request("POST", "/rest/posts", headers: headers, body: data)
                return (reply.status, (try? reply.json()) ?? [:])
            }
            var headers = Self.rest(token, json: true)
            headers["LinkedIn-Version"] = nil
            let noVersion = try await send(headers, body)
            #expect(noVersion.0 == 400)
            #expect(noVersion.1["code"] as? String == "VERSION_MISSING")

            headers["LinkedIn-Version"] = "202301"
            let sunset = try await send(headers, body)
            #expect(sunset.0 == 426)
            #expect(sunset.1["code"] as? String == "NONEXISTENT_VERSION")

            headers = Self.rest(token, json: true)
            headers["X-Restli-Protocol-Version"] = nil
            #expect(try await send(headers, body).0 == 400)

            headers = Self.rest(token, json: true)
            headers["Authorization"] = nil
            let anonymous = try await send(headers, body)
            #expect(anonymous.0 == 401)
            #expect(anonymous.1["status"] as? Int == 401)

            headers = Self.rest(token, json: true)
            var post = Self.textPost(author: org)
            post["distribution"] = nil
            let noDistribution = try await send(headers, try Self.body(post))
            #expect(noDistribution.0 == 422)
            #expect(noDistribution.1["status"] as? Int == 422)
            #expect((noDistribution.1["message"] as? String)?.contains("/distribution") == true)

            let tooLong = try await send(headers, try Self.body(Self.textPost(author: org, commentary: String(repeating: "a", count: 3001))))
            #expect(tooLong.0 == 422)

            post = Self.textPost(author: org)
            post["visibility"] = "EVERYONE"
            #expect(try await send(headers, try Self.body(post)).0 == 422)

            let stranger = try await send(headers, try Self.body(Self.textPost(author: "urn:li:organization:999")))
            #expect(stranger.0 == 403)
            #expect(stranger.1["code"] as? String == "ACCESS_DENIED")

            let memberOnly = fake.issueAccessToken(scopes: ["openid", "profile", "w_member_social"])
            let noOrgScope = try await send(Self.rest(memberOnly, json: true), body)
            #expect(noOrgScope.0 == 403)
            let asMember = try await send(Self.rest(memberOnly, json: true), try Self.body(Self.textPost(author: fake.member.urn)))
            #expect(asMember.0 == 201)

            let first = try await send(headers, try Self.body(Self.textPost(author: org, commentary: "Same")))
            #expect(first.0 == 201)
            let duplicate = try await send(headers, try Self.body(Self.textPost(author: org, commentary: "Same")))
            #expect(duplicate.0 == 422)
            #expect((duplicate.1["message"] as? String)?.hasPrefix("Content is a duplicate of urn:li:share:") == true)

            let raw = try await client.request("DELETE", "/rest/posts/urn:li:share:1", headers: Self.rest(token))
            #expect(raw.status == 400, "Rest.li 2.0 keys must be URL-encoded")
            #expect(fake.postURNs.count == 2)
        }
    }

    @Test func imagePostsNeedAnUploadedImageOwnedByTheAuthor() async throws {
        try await withFake { fake, client in
            let token = fake.issueAccessToken()
            let org = fake.organizations[0].urn
            let initialized = try await client.request(
                "POST", "/rest/images?action=initializeUpload", headers: Self.rest(token, json: true),
                body: try Self.body(["initializeUploadRequest": ["owner": org]]))
            #expect(initialized.status == 200)
            let value = try #require(try initialized.json()["value"] as? [String: Any])
            let image = try #require(value["image"] as? String)
            let uploadURL = try #require(value["uploadUrl"] as? String)
            #expect(image.hasPrefix("urn:li:image:"))
            #expect(value["uploadUrlExpiresAt"] is Int)
            #expect(uploadURL.hasPrefix(fake.baseURL))

            var post = Self.textPost(author: org)
            post["content"] = ["media": ["id": image, "altText": "A cup"]]
            let early = try await client.request("POST", "/rest/posts", headers: Self.rest(token, json: true), body: try Self.body(post))
            #expect(early.status == 400, "the image is not uploaded yet")

            let path = String(uploadURL.dropFirst(fake.baseURL.count))
            let anonymous = try await client.request("PUT", path, body: Data([0xFF, 0xD8, 0xFF]))
            #expect(anonymous.status == 401)
            let uploaded = try await client.request("PUT", path, headers: ["Authorization": "Bearer \(token)"], body: Data([0xFF, 0xD8, 0xFF]))
            #expect(uploaded.status == 201)
            #expect(fake.isUploaded(image))
            let status = try await client.get("/rest/images/\(Self.escape(image))", headers: Self.rest(token))
            #expect(try status.json()["status"] as? String == "AVAILABLE")

            let created = try await client.request("POST", "/rest/posts", headers: Self.rest(token, json: true), body: try Self.body(post))
            #expect(created.status == 201)
            let urn = try #require(created.header("x-restli-id"))
            #expect(((fake.post(urn)?["content"] as? [String: Any])?["media"] as? [String: Any])?["id"] as? String == image)

            var asMember = Self.textPost(author: fake.member.urn, commentary: "Mine")
            asMember["content"] = ["media": ["id": image]]
            let wrongOwner = try await client.request("POST", "/rest/posts", headers: Self.rest(token, json: true), body: try Self.body(asMember))
            #expect(wrongOwner.status == 422)

            let noOwner = try await client.request(
                "POST", "/rest/images?action=initializeUpload", headers: Self.rest(token, json: true),
                body: try Self.body(["initializeUploadRequest": [String: Any]()]))
            #expect(noOwner.status == 422)
        }
    }

    @Test func articlePostsCarryTheirArticleContent() async throws {
        try await withFake { fake, client in
            let token = fake.issueAccessToken()
            let org = fake.organizations[0].urn
            var post = Self.textPost(author: org, commentary: "Read this")
            post["content"] = ["article": ["source": "https://example.com/spring", "title": "Spring", "description": "What is new"]]
            let created = try await client.request("POST", "/rest/posts", headers: Self.rest(token, json: true), body: try Self.body(post))
            #expect(created.status == 201)
            let urn = try #require(created.header("x-restli-id"))
            let read = try await client.get("/rest/posts/\(Self.escape(urn))", headers: Self.rest(token))
            let article = try #require((try read.json()["content"] as? [String: Any])?["article"] as? [String: Any])
            #expect(article["source"] as? String == "https://example.com/spring")
            #expect(article["title"] as? String == "Spring")

            post["commentary"] = "Another"
            post["content"] = ["article": ["source": "https://example.com/x"]]
            let untitled = try await client.request("POST", "/rest/posts", headers: Self.rest(token, json: true), body: try Self.body(post))
            #expect(untitled.status == 422)
        }
    }

    @Test func expiredRevokedAndUnknownTokensAnswer401() async throws {
        try await withFake { fake, client in
            let expired = fake.issueAccessToken()
            let revoked = fake.issueAccessToken()
            #expect(try await client.get("/rest/organizationAcls?q=roleAssignee", headers: Self.rest(expired)).status == 200)
            fake.expire(token: expired)
            fake.revoke(token: revoked)
            let one = try await client.get("/rest/organizationAcls?q=roleAssignee", headers: Self.rest(expired))
            #expect(one.status == 401)
            #expect(try one.json()["code"] as? String == "EXPIRED_ACCESS_TOKEN")
            #expect(try one.json()["status"] as? Int == 401)
            let two = try await client.get("/v2/userinfo", headers: ["Authorization": "Bearer \(revoked)"])
            #expect(two.status == 401)
            #expect(try two.json()["code"] as? String == "REVOKED_ACCESS_TOKEN")
            let three = try await client.get("/rest/organizationAcls?q=roleAssignee", headers: Self.rest("AQVforged"))
            #expect(try three.json()["serviceErrorCode"] as? Int == 65600)
            let basic = try await client.get(
                "/rest/organizationAcls?q=roleAssignee", headers: Self.rest("x").merging(["Authorization": "Basic eDp5"]) { $1 })
            #expect(basic.status == 401)
        }
    }

    @Test func injectedRateLimitsAnswer429ForTheNextCalls() async throws {
        try await withFake { fake, client in
            let token = fake.issueAccessToken()
            fake.injectRateLimit(calls: 2)
            for _ in 0..<2 {
                let limited = try await client.get("/rest/organizationAcls?q=roleAssignee", headers: Self.rest(token))
                #expect(limited.status == 429)
                #expect(try limited.json()["code"] as? String == "TOO_MANY_REQUESTS")
                #expect(try limited.json()["status"] as? Int == 429)
                #expect(limited.header("Retry-After") == nil, "LinkedIn documents no Retry-After")
            }
            #expect(try await client.get("/rest/organizationAcls?q=roleAssignee", headers: Self.rest(token)).status == 200)

            fake.injectRateLimit(retryAfter: 30)
            let post = try await client.request(
                "POST", "/rest/posts", headers: Self.rest(token, json: true),
                body: try Self.body(Self.textPost(author: fake.organizations[0].urn)))
            #expect(post.status == 429)
            #expect(post.header("Retry-After") == "30")
            #expect(fake.postURNs.isEmpty, "a throttled call changes nothing")

            fake.failNext(error: .internalError)
            #expect(try await client.get("/v2/userinfo", headers: ["Authorization": "Bearer \(token)"]).status == 500)
        }
    }
}
