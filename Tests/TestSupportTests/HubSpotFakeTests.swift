import Foundation
import TestSupport
import Testing

/// The HubSpot fake, driven with plain HTTP as HubSpot's documentation shows each call:
/// https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/guide,
/// https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/guide,
/// https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm,
/// https://developers.hubspot.com/docs/api-reference/error-handling,
/// https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines.
@Suite struct HubSpotFakeTests {
    private func withFake<T>(_ fake: HubSpotFake = HubSpotFake(), _ body: (HubSpotFake, HTTPTestClient) async throws -> T) async throws -> T {
        try await fake.withClient { try await body(fake, $0) }
    }

    private static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    private static func tokenCall(_ client: HTTPTestClient, _ form: [String: String]) async throws -> HTTPTestClient.Reply {
        let body = form.sorted { $0.key < $1.key }.map { "\($0.key)=\(encode($0.value))" }.joined(separator: "&")
        return try await client.request(
            "POST", "/oauth/v1/token", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(body.utf8))
    }

    private static func exchange(_ fake: HubSpotFake, _ client: HTTPTestClient, code: String, redirect: String, secret: String? = nil)
        async throws -> HTTPTestClient.Reply
    {
        try await tokenCall(
            client,
            [
                "grant_type": "authorization_code", "client_id": fake.app.clientID, "client_secret": secret ?? fake.app.clientSecret,
                "redirect_uri": redirect, "code": code,
            ])
    }

    private static func get(_ client: HTTPTestClient, _ path: String, token: String?) async throws -> HTTPTestClient.Reply {
        try await client.get(path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
    }

    private static func post(_ client: HTTPTestClient, _ path: String, token: String, json: [String: Any]) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", path, headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
            body: try JSONSerialization.data(withJSONObject: json))
    }

    private static func body(_ reply: HTTPTestClient.Reply) -> [String: Any] { (try? reply.json()) ?? [:] }

    private static func results(_ reply: HTTPTestClient.Reply) throws -> [[String: Any]] {
        Self.body(reply)["results"] as? [[String: Any]] ?? []
    }

    private static func properties(_ record: [String: Any]?) -> [String: Any] { record?["properties"] as? [String: Any] ?? [:] }

    @Test func theCodeExchangeIsSingleUseAndChecksRedirectAndSecret() async throws {
        try await withFake { fake, client in
            let redirect = "https://neonhub.example.test/oauth/callback/hubspot"
            let code = fake.authorize(redirectURI: redirect)
            let issued = try await Self.exchange(fake, client, code: code, redirect: redirect)
            #expect(issued.status == 200)
            let body = Self.body(issued)
            #expect(body["token_type"] as? String == "bearer")
            #expect(body["expires_in"] as? Int == 1800)
            #expect((body["refresh_token"] as? String)?.isEmpty == false)
            let token = try #require(body["access_token"] as? String)
            let account = try await Self.get(client, "/account-info/v3/details", token: token)
            #expect(account.status == 200)
            #expect(Self.body(account)["portalId"] as? Int == HubSpotFake.portalID)
            #expect(Self.body(account)["dataHostingLocation"] as? String == "na1")

            let again = try await Self.exchange(fake, client, code: code, redirect: redirect)
            #expect(again.status == 400 && (Self.body(again)["status"] as? String) == "BAD_AUTH_CODE")
            let other = fake.authorize(redirectURI: redirect)
            let mismatch = try await Self.exchange(fake, client, code: other, redirect: fake.app.redirectURI)
            #expect(mismatch.status == 400 && (Self.body(mismatch)["status"] as? String) == "BAD_REDIRECT_URI")
            let wrongSecret = try await Self.exchange(fake, client, code: other, redirect: redirect, secret: "nope")
            #expect(wrongSecret.status == 400 && (Self.body(wrongSecret)["status"] as? String) == "BAD_CLIENT_SECRET")
            #expect(try await Self.exchange(fake, client, code: other, redirect: redirect).status == 200)
            #expect(fake.tokenRequests.count == 5)
            #expect(fake.tokenRequests.first?.formItems["redirect_uri"] == [redirect])
        }
    }

    @Test func refreshGivesANewAccessTokenAndKeepsTheRefreshToken() async throws {
        try await withFake { fake, client in
            let code = fake.authorize()
            let first = try await Self.exchange(fake, client, code: code, redirect: fake.app.redirectURI).json()
            let refresh = try #require(first["refresh_token"] as? String)
            let form = [
                "grant_type": "refresh_token", "client_id": fake.app.clientID, "client_secret": fake.app.clientSecret, "refresh_token": refresh,
            ]
            let refreshed = try await Self.tokenCall(client, form)
            #expect(refreshed.status == 200)
            let body = Self.body(refreshed)
            let access = try #require(body["access_token"] as? String)
            #expect(access != first["access_token"] as? String)
            #expect(body["refresh_token"] as? String == refresh && body["expires_in"] as? Int == 1800)
            #expect(try await Self.get(client, "/crm/v3/objects/contacts?limit=1", token: access).status == 200)

            var bad = form
            bad["refresh_token"] = "00000000-0000-0000-0000-000000000000"
            let unknown = try await Self.tokenCall(client, bad)
            #expect(unknown.status == 400 && (Self.body(unknown)["status"] as? String) == "BAD_REFRESH_TOKEN")
            fake.revoke(token: refresh)
            #expect(try await Self.tokenCall(client, form).json()["status"] as? String == "BAD_REFRESH_TOKEN")
            bad = form
            bad["client_id"] = "11111111-2222-3333-4444-555555555555"
            #expect(try await Self.tokenCall(client, bad).json()["status"] as? String == "BAD_CLIENT_ID")
        }
    }

    @Test func listingPagesThrough250ContactsWithAfter() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            var ids: [String] = []
            var after: String?
            var pages = 0
            repeat {
                let reply = try await Self.get(client, "/crm/v3/objects/contacts?limit=100" + (after.map { "&after=\($0)" } ?? ""), token: token)
                #expect(reply.status == 200)
                ids += try Self.results(reply).compactMap { $0["id"] as? String }
                let next = (Self.body(reply)["paging"] as? [String: Any])?["next"] as? [String: Any]
                after = next?["after"] as? String
                if let after { #expect((next?["link"] as? String)?.contains("after=\(after)") == true) }
                pages += 1
            } while after != nil && pages < 10
            #expect(pages == 3)
            #expect(ids == (1001...1250).map(String.init))
            #expect(try Self.results(try await Self.get(client, "/crm/v3/objects/contacts", token: token)).count == 10)
            let tooMany = try await Self.get(client, "/crm/v3/objects/contacts?limit=101", token: token)
            #expect(tooMany.status == 400 && (Self.body(tooMany)["category"] as? String) == "VALIDATION_ERROR")
        }
    }

    @Test func propertiesSelectsWhatComesBackBesidesTheAlwaysReturnedOnes() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let chosen = try Self.results(
                try await Self.get(client, "/crm/v3/objects/contacts?limit=1&properties=email,lifecyclestage,phone", token: token))
            let properties = Self.properties(chosen.first)
            #expect(Set(properties.keys) == ["email", "lifecyclestage", "phone", "createdate", "hs_object_id", "lastmodifieddate"])
            #expect(properties["email"] as? String == "contact1@example.com")
            #expect(properties["phone"] is NSNull)
            #expect(properties["hs_object_id"] as? String == "1001")
            let plain = Self.properties(try Self.results(try await Self.get(client, "/crm/v3/objects/contacts?limit=1", token: token)).first)
            #expect(Set(plain.keys) == ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"])
        }
    }

    @Test func searchFiltersAndPagesThroughTheBodyWithoutRateHeaders() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let filter: [String: Any] = ["filters": [["propertyName": "lifecyclestage", "operator": "EQ", "value": "CUSTOMER"]]]
            var found: [String] = []
            var after: String?
            var totals: Set<Int> = []
            for _ in 0..<5 {
                var body: [String: Any] = ["filterGroups": [filter], "properties": ["email", "lifecyclestage"], "limit": 20]
                if let after { body["after"] = after }
                let reply = try await Self.post(client, "/crm/v3/objects/contacts/search", token: token, json: body)
                #expect(reply.status == 200)
                #expect(reply.header("X-HubSpot-RateLimit-Max") == nil && reply.header("X-HubSpot-RateLimit-Remaining") == nil)
                let json = Self.body(reply)
                totals.insert(json["total"] as? Int ?? -1)
                let page = try Self.results(reply)
                #expect(page.allSatisfy { Self.properties($0)["lifecyclestage"] as? String == "customer" })
                found += page.compactMap { $0["id"] as? String }
                after = ((json["paging"] as? [String: Any])?["next"] as? [String: Any])?["after"] as? String
                if after == nil { break }
            }
            #expect(totals == [41] && found.count == 41 && Set(found).count == 41)
            let tokenSearch: [String: Any] = [
                "filterGroups": [["filters": [["propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "contact1*"]]]]
            ]
            #expect(try await Self.post(client, "/crm/v3/objects/contacts/search", token: token, json: tokenSearch).json()["total"] as? Int == 111)
            let has: [String: Any] = ["filterGroups": [["filters": [["propertyName": "phone", "operator": "HAS_PROPERTY"]]]]]
            #expect(try await Self.post(client, "/crm/v3/objects/contacts/search", token: token, json: has).json()["total"] as? Int == 0)
            let big = try await Self.post(client, "/crm/v3/objects/contacts/search", token: token, json: ["limit": 201])
            #expect(big.status == 400 && (Self.body(big)["category"] as? String) == "VALIDATION_ERROR")
            let like: [String: Any] = ["filterGroups": [["filters": [["propertyName": "email", "operator": "LIKE", "value": "x"]]]]]
            let unknown = try await Self.post(client, "/crm/v3/objects/contacts/search", token: token, json: like)
            #expect(unknown.status == 400 && (Self.body(unknown)["category"] as? String) == "VALIDATION_ERROR")
        }
    }

    @Test func createAddsAContactAndADuplicateEmailIsAConflict() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let path = "/crm/v3/objects/contacts"
            let created = try await Self.post(client, path, token: token, json: ["properties": ["email": "ada@example.com", "firstname": "Ada"]])
            #expect(created.status == 201)
            let id = try #require(Self.body(created)["id"] as? String)
            #expect(id == "1251" && Self.properties(Self.body(created))["email"] as? String == "ada@example.com")
            #expect(fake.contacts.last?.properties["firstname"] == "Ada" && fake.contacts.count == 251)

            let duplicate = try await Self.post(client, path, token: token, json: ["properties": ["email": "ADA@example.com"]])
            #expect(duplicate.status == 409)
            #expect(Self.body(duplicate)["category"] as? String == "CONFLICT")
            #expect(Self.body(duplicate)["message"] as? String == "Contact already exists. Existing ID: \(id)")
            let invalid = try await Self.post(client, path, token: token, json: ["properties": ["email": "not-an-email"]])
            #expect(invalid.status == 400 && (Self.body(invalid)["category"] as? String) == "VALIDATION_ERROR")
            #expect((Self.body(invalid)["errors"] as? [[String: Any]])?.first?["code"] as? String == "INVALID_EMAIL")
            #expect((Self.body(invalid)["message"] as? String)?.contains("\"error\":\"INVALID_EMAIL\"") == true)
            let unknown = try await Self.post(client, path, token: token, json: ["properties": ["favourite_colour": "blue"]])
            #expect((Self.body(unknown)["errors"] as? [[String: Any]])?.first?["code"] as? String == "PROPERTY_DOESNT_EXIST")
            #expect(fake.contacts.count == 251 && fake.requests("POST", path).count == 4)
        }
    }

    @Test func aDealIsCreatedWithItsContactAssociation() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let association: [String: Any] = [
                "to": ["id": "1001"], "types": [["associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3]],
            ]
            let properties = ["dealname": "Annual plan", "amount": "12000", "dealstage": "appointmentscheduled", "pipeline": "default"]
            let created = try await Self.post(
                client, "/crm/v3/objects/deals", token: token, json: ["properties": properties, "associations": [association]])
            #expect(created.status == 201)
            #expect(Self.properties(Self.body(created))["dealname"] as? String == "Annual plan")
            #expect(fake.deals.count == 1 && fake.deals.first?.associations == ["1001"])
            #expect(fake.deals.first?.properties["amount"] == "12000")

            var stray = association
            stray["to"] = ["id": "999999"]
            let unknown = try await Self.post(
                client, "/crm/v3/objects/deals", token: token, json: ["properties": properties, "associations": [stray]])
            #expect(unknown.status == 400 && (Self.body(unknown)["category"] as? String) == "VALIDATION_ERROR")
            let nameless = try await Self.post(client, "/crm/v3/objects/deals", token: token, json: ["properties": ["dealstage": "closedwon"]])
            #expect(nameless.status == 400 && (Self.body(nameless)["category"] as? String) == "VALIDATION_ERROR")
            #expect(fake.deals.count == 1)
        }
    }

    @Test func authFailuresAre401And403WithHubSpotsCategories() async throws {
        try await withFake { fake, client in
            let missing = try await Self.get(client, "/crm/v3/objects/contacts", token: nil)
            #expect(missing.status == 401 && (Self.body(missing)["category"] as? String) == "INVALID_AUTHENTICATION")
            #expect(Self.body(missing)["status"] as? String == "error" && (Self.body(missing)["correlationId"] as? String)?.isEmpty == false)
            #expect(try await Self.get(client, "/crm/v3/objects/contacts", token: "made-up").status == 401)
            let expired = fake.issueToken()
            fake.expire(token: expired)
            let late = try await Self.get(client, "/crm/v3/objects/contacts", token: expired)
            #expect(late.status == 401 && (Self.body(late)["category"] as? String) == "EXPIRED_AUTHENTICATION")
            #expect((Self.body(late)["message"] as? String)?.hasPrefix("The OAuth token used to make this call expired") == true)
            let revoked = fake.issueToken()
            fake.revoke(token: revoked)
            #expect(try await Self.get(client, "/account-info/v3/details", token: revoked).json()["category"] as? String == "INVALID_AUTHENTICATION")

            let readOnly = fake.issueToken(scopes: ["oauth", "crm.objects.contacts.read"])
            let denied = try await Self.post(
                client, "/crm/v3/objects/deals", token: readOnly, json: ["properties": ["dealname": "x", "dealstage": "y"]])
            #expect(denied.status == 403 && (Self.body(denied)["category"] as? String) == "MISSING_SCOPES")
            let context = (Self.body(denied)["errors"] as? [[String: Any]])?.first?["context"] as? [String: Any]
            #expect(context?["requiredGranularScopes"] as? [String] == ["crm.objects.deals.write"])
            #expect(fake.deals.isEmpty)
        }
    }

    @Test func rateLimitHeadersAnd429sAndInjectedFailures() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let ok = try await Self.get(client, "/crm/v3/objects/contacts?limit=1", token: token)
            #expect(ok.header("X-HubSpot-RateLimit-Max") == "110" && ok.header("X-HubSpot-RateLimit-Interval-Milliseconds") == "10000")
            #expect(Int(ok.header("X-HubSpot-RateLimit-Remaining") ?? "") == 109)
            #expect(ok.header("X-HubSpot-RateLimit-Daily") == nil && ok.header("X-HubSpot-RateLimit-Daily-Remaining") == nil)

            fake.injectRateLimit(count: 2)
            for _ in 0..<2 {
                let limited = try await Self.get(client, "/crm/v3/objects/contacts", token: token)
                #expect(limited.status == 429 && limited.header("X-HubSpot-RateLimit-Remaining") == "0")
                let body = Self.body(limited)
                #expect(body["category"] as? String == "RATE_LIMITS" && body["errorType"] as? String == "RATE_LIMIT")
                #expect(body["policyName"] as? String == "TEN_SECONDLY_ROLLING" && body["status"] as? String == "error")
            }
            #expect(try await Self.get(client, "/crm/v3/objects/contacts", token: token).status == 200)

            fake.failNext(status: 502, category: "INTERNAL_ERROR", message: "Bad gateway")
            let failed = try await Self.get(client, "/account-info/v3/details", token: token)
            #expect(failed.status == 502 && (Self.body(failed)["category"] as? String) == "INTERNAL_ERROR")
            #expect(try await Self.get(client, "/account-info/v3/details", token: token).status == 200)
        }
    }
}
