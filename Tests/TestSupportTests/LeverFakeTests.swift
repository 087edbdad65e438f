import Foundation
import TestSupport
import Testing

/// The Lever fake, driven with plain HTTP as Lever's references show each call
/// (https://hire.lever.co/developer/oauth, https://hire.lever.co/developer/documentation): the
/// consent and code exchange, single-use refresh tokens, Bearer scopes, `{data, hasNext, next}`
/// pages, millisecond filters, `{code, message}` errors and the 10-per-second token bucket.
@Suite struct LeverFakeTests {
    private func withFake<T>(_ body: (LeverFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = LeverFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    static func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

    static func form(_ items: [String: String]) -> Data {
        Data(
            items.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.value)" }
                .joined(separator: "&").utf8)
    }

    static let formType = ["Content-Type": "application/x-www-form-urlencoded"]

    static func consent(_ fake: LeverFake, audience: String? = LeverFake.audience) -> [String: String] {
        var query = [
            "client_id": fake.app.clientID, "redirect_uri": fake.app.redirectURI, "response_type": "code", "state": "st-123",
            "scope": LeverFake.defaultScopes.sorted().joined(separator: " "), "prompt": "consent",
        ]
        query["audience"] = audience
        return query
    }

    @Test func theCodeIsExchangedWithTheClientInTheBodyAndRefreshTokensAreSingleUse() async throws {
        try await withFake { fake, client in
            let redirect = fake.authorize(Self.consent(fake))
            #expect(redirect["state"] == "st-123")
            let code = try #require(redirect["code"])
            let base = ["client_id": fake.app.clientID, "client_secret": fake.app.clientSecret, "redirect_uri": fake.app.redirectURI]
            let exchanged = try await client.request(
                "POST", "/oauth/token", headers: Self.formType,
                body: Self.form(base.merging(["grant_type": "authorization_code", "code": code]) { $1 }))
            #expect(exchanged.status == 200)
            let tokens = try exchanged.json()
            #expect(tokens["token_type"] as? String == "Bearer" && tokens["expires_in"] as? Int == 3600)
            #expect(Set(((tokens["scope"] as? String) ?? "").split(separator: " ").map(String.init)) == LeverFake.defaultScopes)
            let access = try #require(tokens["access_token"] as? String)
            let refresh = try #require(tokens["refresh_token"] as? String)
            #expect(try await client.get("/v1/postings", headers: Self.bearer(access)).status == 200)

            // A code is used once.
            let again = try await client.request(
                "POST", "/oauth/token", headers: Self.formType,
                body: Self.form(base.merging(["grant_type": "authorization_code", "code": code]) { $1 }))
            #expect(try again.status == 403 && (again.json()["error"] as? String) == "invalid_grant")

            // Each refresh hands out a new refresh token; the used one is dead, and reusing it
            // revokes the family (the newest one too).
            let refreshed = try await client.request(
                "POST", "/oauth/token", headers: Self.formType,
                body: Self.form([
                    "grant_type": "refresh_token", "client_id": fake.app.clientID, "client_secret": fake.app.clientSecret, "refresh_token": refresh,
                ]))
            #expect(refreshed.status == 200)
            let rotated = try #require(try refreshed.json()["refresh_token"] as? String)
            #expect(rotated != refresh && fake.isValid(refreshToken: rotated) && !fake.isValid(refreshToken: refresh))
            let reused = try await client.request(
                "POST", "/oauth/token", headers: Self.formType,
                body: Self.form([
                    "grant_type": "refresh_token", "client_id": fake.app.clientID, "client_secret": fake.app.clientSecret, "refresh_token": refresh,
                ]))
            #expect(try reused.status == 403 && (reused.json()["error"] as? String) == "invalid_grant")
            #expect(!fake.isValid(refreshToken: rotated), "reuse revokes the family")

            // The wrong secret.
            let badClient = try await client.request(
                "POST", "/oauth/token", headers: Self.formType,
                body: Self.form(["grant_type": "refresh_token", "client_id": fake.app.clientID, "client_secret": "nope", "refresh_token": rotated]))
            #expect(try badClient.status == 401 && (badClient.json()["error"] as? String) == "access_denied")
        }
    }

    @Test func withoutTheAudienceOnlyOfflineAccessIsGrantedAndStateIsRequired() async throws {
        try await withFake { fake, client in
            let code = try #require(fake.authorize(Self.consent(fake, audience: nil))["code"])
            let exchanged = try await client.request(
                "POST", "/oauth/token", headers: Self.formType,
                body: Self.form([
                    "grant_type": "authorization_code", "client_id": fake.app.clientID, "client_secret": fake.app.clientSecret,
                    "redirect_uri": fake.app.redirectURI, "code": code,
                ]))
            #expect(try exchanged.json()["scope"] as? String == "offline_access")
            let access = try #require(try exchanged.json()["access_token"] as? String)
            let denied = try await client.get("/v1/opportunities", headers: Self.bearer(access))
            #expect(try denied.status == 403 && (denied.json()["code"] as? String) == "ForbiddenError")

            var stateless = Self.consent(fake)
            stateless["state"] = nil
            #expect(fake.authorize(stateless)["error"] == "invalid_request")
        }
    }

    @Test func listsArePagedByTheNextOffsetTokenAndFilteredInMilliseconds() async throws {
        try await withFake { fake, client in
            fake.addOpportunities(150)
            let token = fake.issueToken()
            let first = try await client.get("/v1/opportunities?limit=100", headers: Self.bearer(token))
            let page = try first.json()
            #expect((page["data"] as? [Any])?.count == 100)
            #expect(page["hasNext"] as? Bool == true)
            let next = try #require(page["next"] as? String)
            #expect(next.hasPrefix("%5B"), "the fake's percent-encoded offset token")
            let encoded = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? next
            let second = try await client.get("/v1/opportunities?limit=100&offset=\(encoded)", headers: Self.bearer(token))
            #expect(try (second.json()["data"] as? [Any])?.count == 55)
            #expect(try second.json()["hasNext"] as? Bool == false && second.json()["next"] == nil)
            let tampered = try await client.get("/v1/opportunities?offset=bogus", headers: Self.bearer(token))
            #expect(try tampered.status == 400 && (tampered.json()["code"] as? String) == "BadRequestError")
            #expect(try await client.get("/v1/opportunities?limit=101", headers: Self.bearer(token)).status == 400)

            let since = LeverFake.millis(Date(timeIntervalSinceNow: -3 * 86_400))
            let recent = try await client.get(
                "/v1/opportunities?updated_at_start=\(since)&stage_id=offer&stage_id=lead-new", headers: Self.bearer(token))
            let names = (try recent.json()["data"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == ["Katherine Johnson"])
            let iso = try await client.get("/v1/opportunities?updated_at_start=2026-01-01T00:00:00Z", headers: Self.bearer(token))
            #expect(iso.status == 400)

            let one = try await client.get("/v1/opportunities/250d8f03-738a-4bba-a671-8a3d73477145?expand=stage", headers: Self.bearer(token))
            let data = try #require(try one.json()["data"] as? [String: Any])
            #expect((data["stage"] as? [String: Any])?["text"] as? String == "Phone screen")
            let plain = try await client.get("/v1/opportunities/250d8f03-738a-4bba-a671-8a3d73477145", headers: Self.bearer(token))
            #expect(try (plain.json()["data"] as? [String: Any])?["stage"] as? String == "d7a9e7c0-0d1e-4f0a-9a3b-5c2f8e1b6a41")
            let missing = try await client.get("/v1/opportunities/00000000-0000-4000-8000-000000000000", headers: Self.bearer(token))
            #expect(try missing.status == 404 && (missing.json()["code"] as? String) == "ResourceNotFound")

            let published = try await client.get("/v1/postings?state=published", headers: Self.bearer(token))
            #expect(
                try (published.json()["data"] as? [[String: Any]])?.compactMap { $0["text"] as? String } == ["Backend Engineer", "Growth Marketer"])
            #expect(try await client.get("/v1/postings?state=open", headers: Self.bearer(token)).status == 400)
        }
    }

    @Test func tokensScopesAndTheBucketAreChecked() async throws {
        try await withFake { fake, client in
            #expect(try await client.get("/v1/postings").status == 401)
            let postingsOnly = fake.issueToken(scopes: ["postings:read:admin"])
            #expect(try await client.get("/v1/postings", headers: Self.bearer(postingsOnly)).status == 200)
            #expect(try await client.get("/v1/opportunities", headers: Self.bearer(postingsOnly)).status == 403)
            fake.expire(token: postingsOnly)
            let expired = try await client.get("/v1/postings", headers: Self.bearer(postingsOnly))
            #expect(try expired.status == 401 && (expired.json()["code"] as? String) == "UnauthorizedError")

            let token = fake.issueToken()
            fake.injectRateLimit(calls: 1, retryAfter: 2)
            let scripted = try await client.get("/v1/postings", headers: Self.bearer(token))
            #expect(scripted.status == 429 && scripted.header("Retry-After") == "2")
            fake.setBucket(capacity: 3, perSecond: 0.001)
            var statuses: [Int] = []
            for _ in 0..<5 { statuses.append(try await client.get("/v1/postings?limit=1", headers: Self.bearer(token)).status) }
            #expect(statuses.prefix(3).allSatisfy { $0 == 200 } && statuses.suffix(2).allSatisfy { $0 == 429 })
        }
    }
}
