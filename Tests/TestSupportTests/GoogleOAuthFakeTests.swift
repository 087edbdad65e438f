import Foundation
import TestSupport
import Testing

/// The Google OAuth fake, driven with plain HTTP as Google's web-server guide shows each call:
/// https://developers.google.com/identity/protocols/oauth2/web-server (code exchange, refresh,
/// revocation), https://www.rfc-editor.org/rfc/rfc7636 (PKCE).
@Suite struct GoogleOAuthFakeTests {
    private func withFake<T>(
        _ fake: GoogleOAuthFake = GoogleOAuthFake(),
        _ body: (GoogleOAuthFake, HTTPTestClient) async throws -> T
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

    private static func form(_ items: [(String, String)]) -> Data {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return Data(items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&").utf8)
    }

    private func post(_ client: HTTPTestClient, _ path: String, _ items: [(String, String)]) async throws -> HTTPTestClient.Reply {
        try await client.request("POST", path, headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Self.form(items))
    }

    private func exchange(
        _ client: HTTPTestClient, _ fake: GoogleOAuthFake, code: String, verifier: String? = nil,
        secret: String? = nil
    ) async throws -> HTTPTestClient.Reply {
        var items = [
            ("code", code), ("client_id", fake.app.clientID), ("client_secret", secret ?? fake.app.clientSecret),
            ("redirect_uri", fake.app.redirectURI), ("grant_type", "authorization_code"),
        ]
        if let verifier { items.append(("code_verifier", verifier)) }
        return try await post(client, "/token", items)
    }

    private func refresh(_ client: HTTPTestClient, _ fake: GoogleOAuthFake, _ token: String) async throws -> HTTPTestClient.Reply {
        try await post(
            client, "/token",
            [
                ("client_id", fake.app.clientID), ("client_secret", fake.app.clientSecret),
                ("refresh_token", token), ("grant_type", "refresh_token"),
            ])
    }

    @Test func s256MatchesTheRFC7636Example() {
        // RFC 7636 Appendix B.
        #expect(PKCE.s256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.isWellFormedVerifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
        #expect(!PKCE.isWellFormedVerifier("too-short"))
        #expect(!PKCE.isWellFormedVerifier(String(repeating: "a", count: 42) + "+"))
        // FIPS 180-4 test vectors: the empty message and a two-block message.
        #expect(PKCE.sha256([]).map { String(format: "%02x", $0) }.joined() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            PKCE.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).map { String(format: "%02x", $0) }.joined()
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func aCodeIsExchangedOnceForTokensShapedLikeGoogles() async throws {
        try await withFake { fake, client in
            let code = fake.authorize(scopes: ["openid", "email", "https://www.googleapis.com/auth/drive.file"])
            let first = try await exchange(client, fake, code: code)
            #expect(first.status == 200)
            let body = try first.json()
            let access = try #require(body["access_token"] as? String)
            #expect(body["expires_in"] as? Int == 3599)
            #expect(body["token_type"] as? String == "Bearer")
            #expect(body["scope"] as? String == "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/drive.file")
            #expect((body["refresh_token"] as? String)?.hasPrefix("1//") == true)
            #expect((body["id_token"] as? String)?.split(separator: ".").count == 3)
            #expect(fake.isValid(accessToken: access))
            #expect(fake.exchangeCount == 1)

            let again = try await exchange(client, fake, code: code)
            #expect(again.status == 400)
            #expect(try again.json()["error"] as? String == "invalid_grant")
            #expect(try again.json()["error_description"] as? String == "Bad Request")
            #expect(fake.exchangeCount == 1)

            let unknown = try await exchange(client, fake, code: "4/0Anever-issued")
            #expect(try unknown.json()["error"] as? String == "invalid_grant")
        }
    }

    @Test func aRefreshTokenComesOnlyWithTheFirstOfflineConsentOrPromptConsent() async throws {
        try await withFake { fake, client in
            let online = try await exchange(client, fake, code: fake.authorize(accessType: .online))
            #expect(try online.json()["refresh_token"] == nil)
            let first = try await exchange(client, fake, code: fake.authorize())
            #expect(try first.json()["refresh_token"] is String)
            let second = try await exchange(client, fake, code: fake.authorize())
            #expect(try second.json()["refresh_token"] == nil, "a repeated consent gives no new refresh token")
            let forced = try await exchange(client, fake, code: fake.authorize(prompt: "consent"))
            #expect(try forced.json()["refresh_token"] is String)
        }
    }

    @Test func pkceS256NeedsTheRightVerifier() async throws {
        try await withFake { fake, client in
            let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
            let code = fake.authorize(codeChallenge: PKCE.s256Challenge(verifier), codeChallengeMethod: "S256")

            let missing = try await exchange(client, fake, code: code)
            #expect(missing.status == 400)
            #expect(try missing.json()["error"] as? String == "invalid_grant")
            #expect(try missing.json()["error_description"] as? String == "Missing code verifier.")

            let wrong = try await exchange(client, fake, code: code, verifier: String(repeating: "x", count: 43))
            #expect(wrong.status == 400)
            #expect(try wrong.json()["error"] as? String == "invalid_grant")
            #expect(try wrong.json()["error_description"] as? String == "Invalid code verifier.")

            // The challenge itself is not the verifier when the method is S256.
            let challengeAsVerifier = try await exchange(client, fake, code: code, verifier: PKCE.s256Challenge(verifier))
            #expect(try challengeAsVerifier.json()["error"] as? String == "invalid_grant")

            let right = try await exchange(client, fake, code: code, verifier: verifier)
            #expect(right.status == 200)
            #expect(try right.json()["access_token"] is String)

            let plainCode = fake.authorize(codeChallenge: String(repeating: "p", count: 43))
            #expect(
                try await exchange(client, fake, code: plainCode, verifier: String(repeating: "p", count: 43)).status == 200,
                "without a method the challenge is plain (RFC 7636 §4.3)")

            let noPKCE = try await exchange(client, fake, code: fake.authorize(), verifier: verifier)
            #expect(try noPKCE.json()["error"] as? String == "invalid_grant", "a verifier for a code issued without a challenge")
        }
    }

    @Test func clientAuthenticationAndRequestErrorsHaveGooglesStatuses() async throws {
        try await withFake { fake, client in
            let code = fake.authorize()
            let badSecret = try await exchange(client, fake, code: code, secret: "wrong")
            #expect(badSecret.status == 401)
            #expect(try badSecret.json()["error"] as? String == "invalid_client")

            let badClient = try await post(
                client, "/token",
                [
                    ("code", code), ("client_id", "nobody.apps.googleusercontent.com"),
                    ("client_secret", "x"), ("redirect_uri", fake.app.redirectURI),
                    ("grant_type", "authorization_code"),
                ])
            #expect(badClient.status == 401)
            #expect(try badClient.json()["error"] as? String == "invalid_client")

            let noCode = try await post(
                client, "/token",
                [
                    ("client_id", fake.app.clientID), ("client_secret", fake.app.clientSecret),
                    ("redirect_uri", fake.app.redirectURI), ("grant_type", "authorization_code"),
                ])
            #expect(noCode.status == 400)
            #expect(try noCode.json()["error"] as? String == "invalid_request")

            let password = try await post(
                client, "/token",
                [
                    ("client_id", fake.app.clientID), ("client_secret", fake.app.clientSecret),
                    ("grant_type", "password"),
                ])
            #expect(password.status == 400)
            #expect(try password.json()["error"] as? String == "unsupported_grant_type")

            let json = try await client.request("POST", "/token", headers: ["Content-Type": "application/json"], body: Data("{}".utf8))
            #expect(json.status == 400)

            var items = [
                ("code", code), ("client_id", fake.app.clientID), ("client_secret", fake.app.clientSecret),
                ("redirect_uri", "http://127.0.0.1/elsewhere"), ("grant_type", "authorization_code"),
            ]
            #expect(try await post(client, "/token", items).status == 400)
            items[3] = ("redirect_uri", fake.app.redirectURI)
            #expect(try await post(client, "/token", items).status == 200, "failed attempts do not use the code up")

            let basic = Data("\(fake.app.clientID):\(fake.app.clientSecret)".utf8).base64EncodedString()
            let viaBasic = try await client.request(
                "POST", "/token", headers: ["Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic \(basic)"],
                body: Self.form([
                    ("code", fake.authorize()), ("redirect_uri", fake.app.redirectURI),
                    ("grant_type", "authorization_code"),
                ]))
            #expect(viaBasic.status == 200, "HTTP Basic client authentication (RFC 6749 §2.3.1)")
        }
    }

    @Test func refreshIssuesANewAccessTokenAndKeepsTheRefreshToken() async throws {
        try await withFake { fake, client in
            let tokens = fake.issueTokens()
            let refreshToken = try #require(tokens.refreshToken)
            let first = try await refresh(client, fake, refreshToken)
            #expect(first.status == 200)
            let body = try first.json()
            let access = try #require(body["access_token"] as? String)
            #expect(access != tokens.accessToken)
            #expect(body["expires_in"] as? Int == 3599)
            #expect(body["refresh_token"] == nil, "Google does not rotate refresh tokens")
            #expect(fake.isValid(accessToken: access))
            let second = try await refresh(client, fake, refreshToken)
            #expect(second.status == 200, "the old refresh token stays valid")
            #expect(fake.refreshCount == 2)

            fake.invalidate(refreshToken: refreshToken)
            let refused = try await refresh(client, fake, refreshToken)
            #expect(refused.status == 400)
            #expect(try refused.json()["error"] as? String == "invalid_grant")
            #expect(try refused.json()["error_description"] as? String == "Token has been expired or revoked.")
            #expect(fake.refreshCount == 2)
        }
    }

    @Test func rotationRetiresTheOldRefreshTokenWhenTurnedOn() async throws {
        try await withFake { fake, client in
            fake.rotateRefreshTokens = true
            let old = try #require(fake.issueTokens().refreshToken)
            let rotated = try await refresh(client, fake, old)
            let new = try #require(try rotated.json()["refresh_token"] as? String)
            #expect(new != old)
            #expect(try await refresh(client, fake, old).status == 400)
            #expect(try await refresh(client, fake, new).status == 200)
        }
    }

    @Test func revokingEitherTokenOfAGrantRevokesBoth() async throws {
        try await withFake { fake, client in
            let tokens = fake.issueTokens()
            let refreshToken = try #require(tokens.refreshToken)
            let revoked = try await post(client, "/revoke", [("token", tokens.accessToken)])
            #expect(revoked.status == 200)
            #expect(!fake.isValid(accessToken: tokens.accessToken))
            #expect(!fake.isValid(refreshToken: refreshToken))
            #expect(try await refresh(client, fake, refreshToken).status == 400)
            let twice = try await post(client, "/revoke", [("token", tokens.accessToken)])
            #expect(twice.status == 400)
            #expect(try twice.json()["error"] as? String == "invalid_token")

            let other = fake.issueTokens()
            let byQuery = try await client.request(
                "POST", "/revoke?token=\(try #require(other.refreshToken).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                headers: ["Content-Type": "application/x-www-form-urlencoded"])
            #expect(byQuery.status == 200, "the guide's curl sample passes the token in the query")
            #expect(!fake.isValid(accessToken: other.accessToken))
        }
    }

    @Test func userinfoAndTokeninfoAnswerForLiveTokensOnly() async throws {
        try await withFake { fake, client in
            let tokens = fake.issueTokens()
            let info = try await client.get("/v1/userinfo", headers: ["Authorization": "Bearer \(tokens.accessToken)"])
            #expect(info.status == 200)
            let body = try info.json()
            #expect(body["sub"] as? String == fake.user.sub)
            #expect(body["email"] as? String == fake.user.email)
            #expect(body["name"] as? String == "Avery Example")

            let tokenInfo = try await client.get("/tokeninfo?access_token=\(tokens.accessToken)")
            #expect(try tokenInfo.json()["aud"] as? String == fake.app.clientID)
            #expect(try tokenInfo.json()["access_type"] as? String == "offline")

            fake.expire(accessToken: tokens.accessToken)
            #expect(!fake.isValid(accessToken: tokens.accessToken))
            let expired = try await client.get("/v1/userinfo", headers: ["Authorization": "Bearer \(tokens.accessToken)"])
            #expect(expired.status == 401)
            #expect(expired.header("WWW-Authenticate")?.contains("invalid_token") == true)
            #expect(try await client.get("/tokeninfo?access_token=\(tokens.accessToken)").status == 400)
            #expect(try await client.get("/v1/userinfo").status == 401)
        }
    }

    @Test func consentRedirectsWithTheCodeAndStateAndFailNextAnswersTheTokenEndpoint() async throws {
        try await withFake { fake, client in
            let verifier = String(repeating: "v", count: 64)
            func escape(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }
            let path =
                "/o/oauth2/v2/auth?client_id=\(escape(fake.app.clientID))&redirect_uri=\(escape(fake.app.redirectURI))"
                + "&response_type=code&scope=\(escape("openid email"))&state=st-1&access_type=offline"
                + "&code_challenge=\(PKCE.s256Challenge(verifier))&code_challenge_method=S256"
            let consent = try await client.get(path)
            #expect(consent.status == 302)
            let location = try #require(consent.header("Location").flatMap { URLComponents(string: $0) })
            #expect(location.path == "/oauth/callback/google")
            let items = Dictionary(uniqueKeysWithValues: (location.queryItems ?? []).map { ($0.name, $0.value ?? "") })
            #expect(items["state"] == "st-1")
            let code = try #require(items["code"])

            let mismatch = try await client.get(path.replacingOccurrences(of: escape(fake.app.redirectURI), with: escape("https://evil.example/cb")))
            #expect(mismatch.status == 400)
            #expect(mismatch.header("Location") == nil, "a wrong redirect URI is never redirected to")

            fake.failNext(.unavailable)
            #expect(try await exchange(client, fake, code: code, verifier: verifier).status == 503)
            #expect(try await exchange(client, fake, code: code, verifier: verifier).status == 200, "a failed call changes nothing")
            #expect(fake.requests.filter { $0.path == "/token" }.count == 2)
        }
    }
}
