import Foundation
import TestSupport
import Testing

/// The NetSuite fake, driven with plain HTTP as Oracle's help center shows each call
/// (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158081952044.html,
/// https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156414087576.html,
/// https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1545141395.html,
/// https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157909186990.html,
/// https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156570709583.html): what it
/// refuses is what a client must not send, and its errors are NetSuite's `o:errorDetails`.
@Suite struct NetSuiteFakeTests {
    private func withFake<T>(_ body: (NetSuiteFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = NetSuiteFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    static func basic(_ app: FakeOAuthApp) -> String {
        "Basic " + Data("\(app.clientID):\(app.clientSecret)".utf8).base64EncodedString()
    }

    static let form = "application/x-www-form-urlencoded"

    static func errorCode(_ reply: HTTPTestClient.Reply) throws -> String? {
        ((try reply.json()["o:errorDetails"] as? [[String: Any]])?.first)?["o:errorCode"] as? String
    }

    static func consent(_ fake: NetSuiteFake, challenge: String? = nil) -> [String: String] {
        var query = [
            "response_type": "code", "client_id": fake.app.clientID, "redirect_uri": fake.app.redirectURI, "scope": "rest_webservices",
            "state": "ykv2XLx1BpT5Q0F3MRPHb94j",
        ]
        if let challenge {
            query["code_challenge"] = challenge
            query["code_challenge_method"] = "S256"
        }
        return query
    }

    @Test func theCodeIsExchangedWithBasicClientAuthAndTheVerifier() async throws {
        try await withFake { fake, client in
            let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
            var short = Self.consent(fake)
            short["state"] = "too-short"
            #expect(fake.authorize(short) == nil, "state is 22 to 1024 characters")
            var unknownScope = Self.consent(fake)
            unknownScope["scope"] = "rest_webservices openid"
            #expect(fake.authorize(unknownScope) == nil)

            let redirect = try #require(fake.authorize(Self.consent(fake, challenge: PKCE.s256Challenge(verifier))))
            #expect(redirect["company"] == NetSuiteFake.company && redirect["state"] == "ykv2XLx1BpT5Q0F3MRPHb94j")
            let code = try #require(redirect["code"])
            func exchange(_ body: String, auth: String? = Self.basic(fake.app)) async throws -> HTTPTestClient.Reply {
                var headers = ["Content-Type": Self.form]
                headers["Authorization"] = auth
                return try await client.request("POST", NetSuiteFake.tokenPath, headers: headers, body: Data(body.utf8))
            }
            let redirectURI = fake.app.redirectURI.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let base = "grant_type=authorization_code&code=\(code)&redirect_uri=\(redirectURI)"
            let noClient = try await exchange(base + "&code_verifier=\(verifier)", auth: nil)
            #expect(noClient.status == 401 && noClient.header("WWW-Authenticate") == "Basic realm=\"\(NetSuiteFake.company)\"")
            #expect(try noClient.json()["error"] as? String == "invalid_client")
            let twice = try await exchange(base + "&code_verifier=\(verifier)&client_secret=\(fake.app.clientSecret)")
            #expect(try twice.status == 400 && (twice.json()["error"] as? String) == "invalid_request", "one client authentication approach")
            let wrong = try await exchange(base + "&code_verifier=\(String(repeating: "a", count: 43))")
            #expect(try wrong.status == 400 && (wrong.json()["error"] as? String) == "invalid_grant")

            let granted = try await exchange(base + "&code_verifier=\(verifier)")
            #expect(granted.status == 200)
            let tokens = try granted.json()
            #expect(tokens["token_type"] as? String == "bearer" && tokens["expires_in"] as? String == "3600")
            let access = try #require(tokens["access_token"] as? String)
            let refresh = try #require(tokens["refresh_token"] as? String)
            #expect(try await exchange(base + "&code_verifier=\(verifier)").status == 400, "a code is used once")

            let refreshed = try await exchange("grant_type=refresh_token&refresh_token=\(refresh)")
            #expect(try refreshed.status == 200 && (refreshed.json()["refresh_token"]) == nil, "no new refresh token")
            let fresh = try #require(try refreshed.json()["access_token"] as? String)
            #expect(fresh != access && fake.isValid(token: fresh))

            // Revoking the refresh token ends its access tokens too.
            let revoked = try await client.request(
                "POST", NetSuiteFake.revokePath, headers: ["Content-Type": Self.form, "Authorization": Self.basic(fake.app)],
                body: Data("token=\(refresh)".utf8))
            #expect(revoked.status == 200 && fake.revokedTokens == [refresh])
            #expect(!fake.isValid(token: access) && !fake.isValid(token: fresh) && !fake.isValid(refreshToken: refresh))
            let after = try await exchange("grant_type=refresh_token&refresh_token=\(refresh)")
            #expect(try after.status == 400 && (after.json()["error"] as? String) == "invalid_grant")
        }
    }

    @Test func theCustomerCollectionCarriesIdsAndLinksAndPagesByLimitAndOffset() async throws {
        try await withFake { fake, client in
            let headers = ["Authorization": "Bearer \(fake.issueToken())", "Accept": "application/json"]
            let first = try await client.get("/services/rest/record/v1/customer?limit=2", headers: headers)
            #expect(first.status == 200)
            let page = try first.json()
            #expect(page["count"] as? Int == 2 && page["hasMore"] as? Bool == true && page["totalResults"] as? Int == 3)
            let items = try #require(page["items"] as? [[String: Any]])
            #expect(items.map { Set($0.keys) } == [["id", "links"], ["id", "links"]], "a collection item is its id and links")
            let links = try #require(page["links"] as? [[String: String]])
            let next = try #require(links.first { $0["rel"] == "next" }?["href"])
            #expect(next.hasSuffix("/services/rest/record/v1/customer?limit=2&offset=2"))
            let second = try await client.get(String(next.dropFirst(fake.baseURL.count)), headers: headers)
            #expect(try second.json()["hasMore"] as? Bool == false && (second.json()["items"] as? [Any])?.count == 1)
            #expect(try await client.get("/services/rest/record/v1/customer?limit=1001", headers: headers).status == 400)

            let filtered = try await client.get(
                "/services/rest/record/v1/customer?q=" + "email START_WITH \"ap\" OR companyName IS \"Globex\"".addingPercentEncoding(
                    withAllowedCharacters: .alphanumerics)!, headers: headers)
            #expect(try (filtered.json()["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["107", "108"])
            let bad = try await client.get("/services/rest/record/v1/customer?q=colour%20IS%20red", headers: headers)
            #expect(try bad.status == 400 && (Self.errorCode(bad)) == "INVALID_PARAMETER")

            let one = try await client.get("/services/rest/record/v1/customer/109", headers: headers)
            #expect(try one.json()["firstName"] as? String == "Ada" && (one.json()["isPerson"] as? Bool) == true)
            let missing = try await client.get("/services/rest/record/v1/customer/4040", headers: headers)
            #expect(try missing.status == 404 && (Self.errorCode(missing)) == "NONEXISTENT_ID")
            #expect(try missing.json()["title"] as? String == "Not Found" && (missing.json()["status"] as? Int) == 404)
        }
    }

    @Test func aCreatedRecordIs204WithItsLocation() async throws {
        try await withFake { fake, client in
            let headers = ["Authorization": "Bearer \(fake.issueToken())", "Content-Type": "application/json"]
            let made = try await client.request(
                "POST", "/services/rest/record/v1/customer", headers: headers,
                body: Data(#"{"companyName":"Initech","email":"ap@initech.example","subsidiary":{"id":"1"}}"#.utf8))
            #expect(made.status == 204 && made.body.isEmpty)
            let id = try #require(fake.customers.last?.id)
            #expect(made.header("Location") == fake.restBaseURL + "/record/v1/customer/\(id)")
            let noSubsidiary = try await client.request(
                "POST", "/services/rest/record/v1/customer", headers: headers, body: Data(#"{"companyName":"Initech"}"#.utf8))
            #expect(try noSubsidiary.status == 400 && (Self.errorCode(noSubsidiary)) == "USER_ERROR")

            let invoice = try await client.request(
                "POST", "/services/rest/record/v1/invoice", headers: headers,
                body: Data(#"{"entity":{"id":"108"},"item":{"items":[{"item":{"id":"11"},"quantity":4}]}}"#.utf8))
            #expect(invoice.status == 204 && invoice.header("Location")?.contains("/record/v1/invoice/") == true)
            #expect(fake.invoices.last?.total == 100)
            let badItem = try await client.request(
                "POST", "/services/rest/record/v1/invoice", headers: headers,
                body: Data(#"{"entity":{"id":"108"},"item":{"items":[{"item":{"id":"9999"}}]}}"#.utf8))
            let detail = ((try badItem.json()["o:errorDetails"] as? [[String: Any]])?.first)
            #expect(detail?["o:errorCode"] as? String == "INVALID_CONTENT" && detail?["o:errorPath"] as? String == "item.items[0].item")
        }
    }

    @Test func suiteQLNeedsPreferTransientAndPagesRows() async throws {
        try await withFake { fake, client in
            var headers = ["Authorization": "Bearer \(fake.issueToken())", "Content-Type": "application/json"]
            let query = Data(
                #"{"q":"SELECT t.id, t.tranid, t.trandate, t.memo FROM transaction t WHERE t.type = 'CustInvc' AND t.status = 'A' ORDER BY t.trandate DESC"}"#
                    .utf8)
            let refused = try await client.request("POST", "/services/rest/query/v1/suiteql?limit=1", headers: headers, body: query)
            #expect(try refused.status == 400 && (Self.errorCode(refused)) == "INVALID_HEADER")
            headers["Prefer"] = "transient"
            let first = try await client.request("POST", "/services/rest/query/v1/suiteql?limit=1", headers: headers, body: query)
            let page = try first.json()
            #expect(page["totalResults"] as? Int == 2 && page["hasMore"] as? Bool == true)
            let row = try #require((page["items"] as? [[String: Any]])?.first)
            #expect(row["id"] as? String == "302" && row["trandate"] as? String == "11/15/2026" && row["memo"] as? String == "Q4")
            let second = try await client.request("POST", "/services/rest/query/v1/suiteql?limit=1&offset=1", headers: headers, body: query)
            let other = try #require((try second.json()["items"] as? [[String: Any]])?.first)
            #expect(other["id"] as? String == "301" && other["memo"] == nil, "a null column is left out")

            let unknown = try await client.request(
                "POST", "/services/rest/query/v1/suiteql", headers: headers, body: Data(#"{"q":"SELECT t.colour FROM transaction t"}"#.utf8))
            #expect(try unknown.status == 400 && (Self.errorCode(unknown)) == "INVALID_PARAMETER")
        }
    }

    @Test func aBadTokenIs401AndTheConcurrencyLimitIs429() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            fake.expire(token: token)
            let refused = try await client.get("/services/rest/record/v1/customer", headers: ["Authorization": "Bearer \(token)"])
            #expect(try refused.status == 401 && (Self.errorCode(refused)) == "INVALID_LOGIN")
            #expect(refused.header("WWW-Authenticate")?.contains("error=\"invalid_token\"") == true)
            #expect(refused.header("Content-Type") == NetSuiteFake.errorContentType)

            let live = ["Authorization": "Bearer \(fake.issueToken())"]
            fake.injectConcurrencyLimit()
            let limited = try await client.get("/services/rest/record/v1/customer", headers: live)
            #expect(try limited.status == 429 && (Self.errorCode(limited)) == "CONCURRENCY_LIMIT_EXCEEDED")
            #expect(try await client.get("/services/rest/record/v1/customer", headers: live).status == 200)
        }
    }
}
