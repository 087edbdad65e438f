import Foundation
import TestSupport
import Testing

/// The Workday fake, driven with plain HTTP the way Workday's token endpoint and REST services
/// are called (https://community.workday.com/sites/default/files/file-hosting/restapi/index.html;
/// the sources of each answer are in WorkdayFake.swift's header): what it refuses is what a
/// client must not send, and its collections page as `{"total", "data"}` with `limit` ≤ 100.
@Suite struct WorkdayFakeTests {
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-workday"

    private func withFake<T>(_ fake: WorkdayFake = WorkdayFake(), _ body: (WorkdayFake, HTTPTestClient) async throws -> T) async throws -> T {
        try await fake.withClient { try await body(fake, $0) }
    }

    static func form(_ items: [String: String]) -> Data {
        Data(
            items.sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.value)" }
                .joined(separator: "&").utf8)
    }

    static func basic(_ fake: WorkdayFake, secret: String? = nil) -> String {
        "Basic " + Data("\(fake.app.clientID):\(secret ?? fake.app.clientSecret)".utf8).base64EncodedString()
    }

    static func tokenCall(
        _ fake: WorkdayFake, _ client: HTTPTestClient, _ items: [String: String], authorization: String?? = .none, tenant: String? = nil
    ) async throws -> HTTPTestClient.Reply {
        var headers = ["Content-Type": "application/x-www-form-urlencoded"]
        if let auth = authorization ?? basic(fake) { headers["Authorization"] = auth }
        return try await client.request("POST", "/ccx/oauth2/\(tenant ?? fake.tenant)/token", headers: headers, body: form(items))
    }

    static func consent(_ fake: WorkdayFake, worker: String? = nil, challenge: String? = PKCE.s256Challenge(verifier)) -> String? {
        var query = ["response_type": "code", "client_id": fake.app.clientID, "redirect_uri": fake.app.redirectURI, "state": "st-7"]
        if let challenge {
            query["code_challenge"] = challenge
            query["code_challenge_method"] = "S256"
        }
        return fake.authorize(query, worker: worker)
    }

    static func exchange(_ fake: WorkdayFake, _ client: HTTPTestClient, code: String, verifier: String = verifier) async throws
        -> HTTPTestClient.Reply
    {
        try await tokenCall(
            fake, client, ["grant_type": "authorization_code", "code": code, "redirect_uri": fake.app.redirectURI, "code_verifier": verifier])
    }

    static func get(_ client: HTTPTestClient, _ path: String, token: String?) async throws -> HTTPTestClient.Reply {
        try await client.get(path, headers: token.map { ["Authorization": "Bearer \($0)", "Accept": "application/json"] } ?? [:])
    }

    static func body(_ reply: HTTPTestClient.Reply) -> [String: Any] { (try? reply.json()) ?? [:] }
    static func data(_ reply: HTTPTestClient.Reply) -> [[String: Any]] { body(reply)["data"] as? [[String: Any]] ?? [] }

    @Test func theCodeIsExchangedWithBasicAuthAndTheRightVerifierOnce() async throws {
        try await withFake { fake, client in
            #expect(Self.consent(fake, challenge: nil) == nil, "the API client requires PKCE")
            var wrongClient = ["response_type": "code", "client_id": "someone-else", "redirect_uri": fake.app.redirectURI]
            wrongClient["code_challenge"] = PKCE.s256Challenge(Self.verifier)
            wrongClient["code_challenge_method"] = "S256"
            #expect(fake.authorize(wrongClient) == nil)
            let code = try #require(Self.consent(fake))

            let wrongVerifier = try await Self.exchange(fake, client, code: code, verifier: String(repeating: "v", count: 43))
            #expect(wrongVerifier.status == 400 && Self.body(wrongVerifier)["error"] as? String == "invalid_grant")
            let noClient = try await Self.tokenCall(
                fake, client,
                ["grant_type": "authorization_code", "code": code, "redirect_uri": fake.app.redirectURI, "code_verifier": Self.verifier],
                authorization: .some(nil))
            #expect(noClient.status == 401 && Self.body(noClient)["error"] as? String == "invalid_client")
            let wrongSecret = try await Self.tokenCall(
                fake, client,
                ["grant_type": "authorization_code", "code": code, "redirect_uri": fake.app.redirectURI, "code_verifier": Self.verifier],
                authorization: Self.basic(fake, secret: "nope"))
            #expect(wrongSecret.status == 401)

            let issued = try await Self.exchange(fake, client, code: code)
            #expect(issued.status == 200)
            let body = Self.body(issued)
            #expect(body["token_type"] as? String == "Bearer" && body["expires_in"] as? Int == 3600)
            #expect((body["access_token"] as? String)?.isEmpty == false && (body["refresh_token"] as? String)?.isEmpty == false)
            let again = try await Self.exchange(fake, client, code: code)
            #expect(again.status == 400 && Self.body(again)["error"] as? String == "invalid_grant", "a code is single use")

            let sent = try #require(fake.tokenRequests.last)
            #expect(sent.header("Authorization") == Self.basic(fake) && sent.formItems["grant_type"] == ["authorization_code"])
            #expect(fake.tokenRequests.count == 5)
        }
    }

    @Test func aRefreshKeepsTheRefreshTokenAndARevokedOneIsInvalidGrant() async throws {
        try await withFake { fake, client in
            let code = try #require(Self.consent(fake))
            let first = Self.body(try await Self.exchange(fake, client, code: code))
            let refresh = try #require(first["refresh_token"] as? String)
            let access = try #require(first["access_token"] as? String)
            var seen: Set<String> = [access]
            for round in 1...2 {
                let refreshed = try await Self.tokenCall(fake, client, ["grant_type": "refresh_token", "refresh_token": refresh])
                #expect(refreshed.status == 200)
                let body = Self.body(refreshed)
                #expect(body["refresh_token"] as? String == refresh, "Workday's refresh tokens do not rotate")
                let next = try #require(body["access_token"] as? String)
                #expect(seen.insert(next).inserted && fake.refreshCount == round)
            }
            #expect(fake.isValid(refreshToken: refresh))
            fake.revoke(refreshToken: refresh)
            let revoked = try await Self.tokenCall(fake, client, ["grant_type": "refresh_token", "refresh_token": refresh])
            #expect(revoked.status == 400 && Self.body(revoked)["error"] as? String == "invalid_grant")
            #expect(fake.refreshCount == 2)
            let unsupported = try await Self.tokenCall(fake, client, ["grant_type": "client_credentials"])
            #expect(Self.body(unsupported)["error"] as? String == "unsupported_grant_type")
        }
    }

    @Test func withoutTheSixtyMinuteOptionTheTokenCarriesNoExpiry() async throws {
        try await withFake(WorkdayFake(enforce60MinuteExpiry: false)) { fake, client in
            let code = try #require(Self.consent(fake))
            let body = Self.body(try await Self.exchange(fake, client, code: code))
            #expect(body["access_token"] is String && body["expires_in"] == nil)
        }
    }

    @Test func workersMeIsTheWorkerWhoConsented() async throws {
        try await withFake { fake, client in
            let ada = try #require(fake.workers.first { $0.name == "Ada McNeil" })
            let code = try #require(Self.consent(fake, worker: ada.id))
            let token = try #require(Self.body(try await Self.exchange(fake, client, code: code))["access_token"] as? String)
            let me = try await Self.get(client, "\(fake.commonPath)/workers/me", token: token)
            #expect(me.status == 200)
            let worker = Self.body(me)
            #expect(worker["id"] as? String == ada.id && worker["descriptor"] as? String == "Ada McNeil")
            #expect(worker["primaryWorkEmail"] as? String == ada.email && worker["businessTitle"] as? String == ada.businessTitle)
            #expect(worker["isManager"] as? Bool == false && (worker["href"] as? String)?.hasSuffix("/workers/\(ada.id)") == true)
            let org = worker["primarySupervisoryOrganization"] as? [String: Any]
            #expect(org?["descriptor"] as? String == ada.organizationName && org?["id"] as? String == ada.organizationID)
            let byID = try await Self.get(client, "\(fake.commonPath)/workers/\(ada.id)", token: token)
            #expect(Self.body(byID)["descriptor"] as? String == "Ada McNeil")
            let missing = try await Self.get(client, "\(fake.commonPath)/workers/\(String(repeating: "0", count: 32))", token: token)
            #expect(missing.status == 404 && Self.body(missing)["error"] is String)
        }
    }

    @Test func workersPageByOffsetOverThreePagesAndALimitAbove100IsRefused() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            var ids: [String] = []
            var pages = 0
            var offset = 0
            while pages < 10 {
                let reply = try await Self.get(client, "\(fake.commonPath)/workers?limit=100&offset=\(offset)", token: token)
                #expect(reply.status == 200 && Self.body(reply)["total"] as? Int == 230)
                let page = Self.data(reply)
                pages += 1
                ids += page.compactMap { $0["id"] as? String }
                offset += 100
                if page.count < 100 { break }
            }
            #expect(pages == 3 && ids.count == 230 && Set(ids).count == 230)
            #expect(ids == fake.workers.map(\.id))
            let past = try await Self.get(client, "\(fake.commonPath)/workers?limit=100&offset=300", token: token)
            #expect(past.status == 200 && Self.data(past).isEmpty && Self.body(past)["total"] as? Int == 230)
            #expect(Self.data(try await Self.get(client, "\(fake.commonPath)/workers", token: token)).count == 20, "the default limit is 20")

            let big = try await Self.get(client, "\(fake.commonPath)/workers?limit=101", token: token)
            #expect(big.status == 400 && Self.body(big)["error"] is String)
            let detail = (Self.body(big)["errors"] as? [[String: Any]])?.first
            #expect(detail?["field"] as? String == "limit" && detail?["error"] is String)
            #expect(try await Self.get(client, "\(fake.commonPath)/workers?offset=-1", token: token).status == 400)
            let recorded = fake.requests("GET", "/ccx/api/common/v1/*/workers")
            #expect(recorded.first?.queryItems["limit"] == ["100"] && recorded.first?.header("Authorization") == "Bearer \(token)")
        }
    }

    @Test func searchMatchesNamesOrWorkerIDsCaseInsensitivelyWithOrTerms() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let ada = try await Self.get(client, "\(fake.commonPath)/workers?search=ADA&limit=100", token: token)
            let adaNames = Self.data(ada).compactMap { $0["descriptor"] as? String }
            #expect(!adaNames.isEmpty && adaNames.allSatisfy { $0.lowercased().contains("ada") })
            #expect(Self.body(ada)["total"] as? Int == fake.workers.filter { $0.name.lowercased().contains("ada") }.count)
            let byID = try await Self.get(client, "\(fake.commonPath)/workers?search=21005", token: token)
            #expect(Self.data(byID).map { $0["workerId"] as? String } == ["21005"])
            let either = try await Self.get(client, "\(fake.commonPath)/workers?search=21005%20turing&limit=100", token: token)
            let expected = fake.workers.filter { $0.workerID == "21005" || $0.name.lowercased().contains("turing") }.count
            #expect(Self.body(either)["total"] as? Int == expected && expected > 1)
            let none = try await Self.get(client, "\(fake.commonPath)/workers?search=zzzz", token: token)
            #expect(none.status == 200 && Self.body(none)["total"] as? Int == 0 && Self.data(none).isEmpty)
        }
    }

    @Test func recruitingCollectionsPageWithTheSameEnvelope() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let postings = try await Self.get(client, "\(fake.recruitingPath)/jobPostings?limit=40&offset=40", token: token)
            #expect(postings.status == 200 && Self.body(postings)["total"] as? Int == 45 && Self.data(postings).count == 5)
            let posting = try #require(Self.data(postings).first)
            #expect(posting["id"] as? String == fake.jobPostings[40].id && posting["descriptor"] as? String == fake.jobPostings[40].title)
            #expect((posting["jobPostingSite"] as? [String: Any])?["descriptor"] as? String == fake.jobPostings[40].site)
            #expect(posting["startDate"] as? String == "2026-11-13" && posting["url"] is String)
            #expect(posting["endDate"] == nil, "every fourth posting is open-ended")
            let prospects = try await Self.get(client, "\(fake.recruitingPath)/prospects?limit=100", token: token)
            #expect(Self.body(prospects)["total"] as? Int == 120 && Self.data(prospects).count == 100)
            let prospect = try #require(Self.data(prospects).first)
            #expect((prospect["status"] as? [String: Any])?["descriptor"] as? String == "Active")
            #expect((prospect["source"] as? [String: Any])?["descriptor"] as? String == "LinkedIn")
            #expect(try await Self.get(client, "\(fake.recruitingPath)/prospects?limit=500", token: token).status == 400)
        }
    }

    @Test func theAPIWantsAValidUnexpiredBearerTokenAndAKnownTenant() async throws {
        try await withFake { fake, client in
            let none = try await Self.get(client, "\(fake.commonPath)/workers/me", token: nil)
            #expect(none.status == 401 && Self.body(none)["error"] as? String == "invalid_token")
            let made = try await Self.get(client, "\(fake.commonPath)/workers/me", token: "wda-made-up")
            #expect(made.status == 401 && (Self.body(made)["errors"] as? [[String: Any]])?.first?["error"] is String)
            let token = fake.issueToken()
            #expect(try await Self.get(client, "\(fake.recruitingPath)/jobPostings", token: token).status == 200)
            fake.expire(token: token)
            let expired = try await Self.get(client, "\(fake.recruitingPath)/jobPostings", token: token)
            #expect(expired.status == 401 && Self.body(expired)["error"] as? String == "invalid_token")

            let fresh = fake.issueToken()
            let otherTenant = try await Self.get(client, "/ccx/api/common/v1/someone_else/workers/me", token: fresh)
            #expect(otherTenant.status == 503)
            let otherToken = try await Self.tokenCall(fake, client, ["grant_type": "refresh_token", "refresh_token": "x"], tenant: "someone_else")
            #expect(otherToken.status == 503)
            #expect(try await Self.get(client, "\(fake.commonPath)/nothingHere", token: fresh).status == 404)
        }
    }

    @Test func throttlingAnswers429WithRetryAfterThenRecovers() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            fake.injectRateLimit(retryAfter: 17, count: 2)
            for _ in 0..<2 {
                let limited = try await Self.get(client, "\(fake.commonPath)/workers", token: token)
                #expect(limited.status == 429 && limited.header("Retry-After") == "17" && Self.body(limited)["error"] is String)
            }
            #expect(try await Self.get(client, "\(fake.commonPath)/workers", token: token).status == 200)
            #expect(fake.requests("GET", "/ccx/api/common/v1/*/workers").count == 3)
        }
    }
}
