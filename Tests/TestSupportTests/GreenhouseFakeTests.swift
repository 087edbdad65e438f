import Foundation
import TestSupport
import Testing

/// The Greenhouse fake, driven with plain HTTP as Greenhouse's Harvest v3 guides show each call
/// (https://harvestdocs.greenhouse.io/docs/authentication, https://harvestdocs.greenhouse.io/docs/pagination,
/// https://harvestdocs.greenhouse.io/docs/list-endpoints): a client-credentials token first, then
/// bearer calls whose pages are followed through `Link` cursors; the removed v1 API answers 410.
@Suite struct GreenhouseFakeTests {
    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    private func withFake<T>(_ body: (GreenhouseFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = GreenhouseFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    static func bearer(_ fake: GreenhouseFake, client: String = GreenhouseFake.clientID) -> [String: String] {
        ["Authorization": "Bearer \(fake.mintToken(client: client).value)"]
    }

    static func array(_ reply: HTTPTestClient.Reply) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: reply.body)) as? [[String: Any]] ?? []
    }

    static func ids(_ reply: HTTPTestClient.Reply) -> [Int] { array(reply).compactMap { $0["id"] as? Int } }

    /// The path and query of a `Link: <url>; rel="next"` target on the fake.
    static func next(_ reply: HTTPTestClient.Reply, _ fake: GreenhouseFake) -> String? {
        guard let link = reply.header("Link"), let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">") else { return nil }
        #expect(link.hasSuffix("rel=\"next\""))
        return String(link[link.index(after: open)..<close]).replacingOccurrences(of: fake.baseURL, with: "")
    }

    @Test func aClientCredentialsGrantWithBasicClientAuthGivesABearerToken() async throws {
        try await withFake { fake, client in
            let form = ["Content-Type": "application/x-www-form-urlencoded"]
            var headers = form
            headers["Authorization"] = Self.basic(GreenhouseFake.clientID, GreenhouseFake.clientSecret)
            let requestedAt = Date()
            let granted = try await client.request(
                "POST", "/token", headers: headers, body: Data("grant_type=client_credentials&sub=\(GreenhouseFake.userID)".utf8))
            #expect(granted.status == 200)
            let token = try granted.json()
            let access = try #require(token["access_token"] as? String)
            #expect(token["token_type"] as? String == "Bearer")
            #expect(token["expires_in"] == nil, "Greenhouse answers expires_at, a timestamp")
            let expires = try #require(token["expires_at"] as? String)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let at = try #require(formatter.date(from: expires))
            // An hour after a moment between the request and now.
            #expect(at.timeIntervalSince(requestedAt) > 3600 - 2 && at.timeIntervalSinceNow < 3600 + 2)
            #expect(fake.issuedTokens[access]?.userID == GreenhouseFake.userID)

            let jobs = try await client.get("/v3/jobs", headers: ["Authorization": "Bearer \(access)"])
            #expect(jobs.status == 200)
            #expect(Self.ids(jobs) == [101, 102, 103, 104])

            headers["Authorization"] = Self.basic(GreenhouseFake.clientID, "wrong")
            let refused = try await client.request("POST", "/token", headers: headers, body: Data("grant_type=client_credentials".utf8))
            #expect(refused.status == 401)
            #expect(try refused.json()["error"] as? String == "invalid_client")
            headers["Authorization"] = Self.basic(GreenhouseFake.clientID, GreenhouseFake.clientSecret)
            let password = try await client.request("POST", "/token", headers: headers, body: Data("grant_type=password".utf8))
            #expect(password.status == 400)
            let json = try await client.request(
                "POST", "/token", headers: ["Authorization": headers["Authorization"]!, "Content-Type": "application/json"],
                body: Data("{\"grant_type\":\"client_credentials\"}".utf8))
            #expect(json.status == 400, "the grant is a form body")
        }
    }

    @Test func theRemovedV1APIAnswers410AndV3WantsABearerToken() async throws {
        try await withFake { fake, client in
            let key = ["Authorization": Self.basic(GreenhouseFake.legacyAPIKey, "")]
            let legacy = try await client.get("/v1/candidates?per_page=100&page=1", headers: key)
            #expect(legacy.status == 410)
            #expect((try legacy.json()["message"] as? String)?.contains("v3") == true)
            for refused in [key, [:], ["Authorization": "Bearer not-a-token"]] {
                let reply = try await client.get("/v3/candidates", headers: refused)
                #expect(reply.status == 401)
                #expect(try reply.json()["message"] as? String == "Unauthorized")
            }
            let ok = try await client.get("/v3/candidates", headers: Self.bearer(fake))
            #expect(ok.status == 200)
            #expect(ok.header("X-RateLimit-Limit") == "50" && ok.header("X-RateLimit-Remaining") != nil)
            #expect(ok.header("X-RateLimit-Reset") != nil)
            let first = try #require(Self.array(ok).first)
            #expect(first["first_name"] as? String == "Ada")
            #expect(((first["email_addresses"] as? [[String: Any]])?.first?["value"] as? String) == "ada@example.com")
            #expect(first["application_ids"] == nil && first["applications"] == nil, "v3 keeps applications apart")

            // No retrieve endpoint: a candidate is read with `ids`.
            #expect(try await client.get("/v3/candidates/5001", headers: Self.bearer(fake)).status == 404)
            let one = try await client.get("/v3/candidates?ids=5001", headers: Self.bearer(fake))
            #expect(Self.ids(one) == [5001])
        }
    }

    @Test func pagesFollowTheLinkCursorWhichMustBeTheOnlyParameter() async throws {
        try await withFake { fake, client in
            fake.addJobs(150)
            let headers = Self.bearer(fake)
            let first = try await client.get("/v3/jobs?status=open&per_page=100", headers: headers)
            #expect(Self.array(first).count == 100)
            let next = try #require(Self.next(first, fake))
            #expect(next.hasPrefix("/v3/jobs?cursor=") && !next.contains("&"))
            let second = try await client.get(next, headers: headers)
            #expect(Self.array(second).count == 52, "the open ones only: the filter rides in the cursor")
            #expect(second.header("Link") == nil, "no Link header on the last page")
            #expect(Set(Self.ids(first)).isDisjoint(with: Self.ids(second)))

            for refused in [next + "&per_page=50", next + "&status=open", "/v3/jobs?page=2", "/v3/jobs?per_page=501", "/v3/jobs?cursor=garbage"] {
                let reply = try await client.get(refused, headers: headers)
                #expect(reply.status == 422, "\(refused)")
                #expect((try reply.json()["errors"] as? [[String: Any]])?.isEmpty == false)
            }
            let all = try await client.get("/v3/jobs?per_page=500", headers: headers)
            #expect(Self.array(all).count == 154 && all.header("Link") == nil)
        }
    }

    @Test func listsFilterByIdsDatesStatusAndParents() async throws {
        try await withFake { fake, client in
            let headers = Self.bearer(fake)
            let formatter = ISO8601DateFormatter()
            let since = formatter.string(from: Date(timeIntervalSinceNow: -5 * 86_400))
            let recent = try await client.get("/v3/candidates?updated_at=gte%7C\(since)", headers: headers)
            #expect(Self.ids(recent) == [5002])
            let bare = try await client.get("/v3/candidates?updated_at=\(since)", headers: headers)
            #expect(bare.status == 422, "an operator is required")
            let v1Name = try await client.get("/v3/candidates?updated_after=\(since)", headers: headers)
            #expect(v1Name.status == 422, "v1's filter names are not v3's")

            let active = try await client.get("/v3/applications?status=active&job_ids=101,102", headers: headers)
            #expect(Self.ids(active) == [9001, 9002, 9004])
            #expect(Self.array(active).allSatisfy { $0["status"] as? String == "in_process" })
            let first = try #require(Self.array(active).first)
            #expect(first["stage_name"] as? String == "Technical Interview" && first["job_id"] as? Int == 101)
            let byCandidate = try await client.get("/v3/applications?candidate_ids=5002", headers: headers)
            #expect(Self.ids(byCandidate) == [9002, 9004])

            let closed = try await client.get("/v3/jobs?status=closed", headers: headers)
            let job = try #require(Self.array(closed).first)
            #expect(job["name"] as? String == "Office Manager" && job["closed_at"] is String)
            let open = try await client.get("/v3/jobs?status=open&ids=101", headers: headers)
            let backend = try #require(Self.array(open).first)
            #expect(backend["department_id"] as? Int == 7 && backend["office_ids"] as? [Int] == [3])
            let tooMany = (1...51).map(String.init).joined(separator: ",")
            #expect(try await client.get("/v3/jobs?ids=\(tooMany)", headers: headers).status == 422)
        }
    }

    @Test func scopesThrottlesAndExpiryAreEnforced() async throws {
        try await withFake { fake, client in
            let jobsOnly = Self.bearer(fake, client: GreenhouseFake.jobsOnlyClientID)
            #expect(try await client.get("/v3/jobs", headers: jobsOnly).status == 200)
            let denied = try await client.get("/v3/candidates", headers: jobsOnly)
            #expect(denied.status == 403)
            #expect((try denied.json()["message"] as? String)?.contains("harvest:candidates:list") == true)

            let headers = Self.bearer(fake)
            fake.injectRateLimit(calls: 1, retryAfter: 7)
            let limited = try await client.get("/v3/jobs", headers: headers)
            #expect(limited.status == 429 && limited.header("Retry-After") == "7")
            #expect(limited.header("X-RateLimit-Limit") == "50")
            #expect(try await client.get("/v3/jobs", headers: headers).status == 200)

            fake.expireTokens()
            #expect(try await client.get("/v3/jobs", headers: headers).status == 401)
            fake.revoke(client: GreenhouseFake.clientID)
            let grant = try await client.request(
                "POST", "/token",
                headers: [
                    "Authorization": Self.basic(GreenhouseFake.clientID, GreenhouseFake.clientSecret),
                    "Content-Type": "application/x-www-form-urlencoded",
                ], body: Data("grant_type=client_credentials".utf8))
            #expect(grant.status == 401)
        }
    }
}
