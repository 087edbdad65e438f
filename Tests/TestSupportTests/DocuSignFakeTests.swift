import Foundation
import TestSupport
import Testing

/// The DocuSign fake, driven with plain HTTP as DocuSign's documentation shows each call
/// (https://developers.docusign.com/platform/auth/confidential-authcode-get-token/,
/// https://developers.docusign.com/platform/auth/reference/user-info/,
/// https://developers.docusign.com/docs/esign-rest-api/reference/envelopes/envelopes/,
/// https://developers.docusign.com/platform/resource-limits/): what it refuses is what a client
/// must not send, and its errors are DocuSign's {errorCode, message}.
@Suite struct DocuSignFakeTests {
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-docusign"
    static let na3 = DocuSignFake.accountPath()
    static let pdf = Data("%PDF-1.7 NDA".utf8).base64EncodedString()

    private func withFake<T>(_ body: (DocuSignFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = DocuSignFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    static func form(_ items: [String: String]) -> Data {
        Data(
            items.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.value)" }.joined(separator: "&")
                .utf8)
    }

    static func basic(_ fake: DocuSignFake, secret: String? = nil) -> String {
        "Basic " + Data("\(fake.app.clientID):\(secret ?? fake.app.clientSecret)".utf8).base64EncodedString()
    }

    static func tokenCall(
        _ fake: DocuSignFake, _ client: HTTPTestClient, _ items: [String: String], authorization: String? = nil,
        contentType: String = "application/x-www-form-urlencoded"
    ) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/oauth/token", headers: ["Content-Type": contentType, "Authorization": authorization ?? basic(fake)], body: form(items))
    }

    static func consentQuery(_ fake: DocuSignFake) -> [String: String] {
        [
            "response_type": "code", "scope": "signature extended", "client_id": fake.app.clientID, "redirect_uri": fake.app.redirectURI,
            "state": "s-42", "code_challenge": PKCE.s256Challenge(verifier), "code_challenge_method": "S256",
        ]
    }

    static func call(
        _ client: HTTPTestClient, _ path: String, method: String = "GET", token: String?, json: Any? = nil
    ) async throws -> HTTPTestClient.Reply {
        var headers = token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
        if json != nil { headers["Content-Type"] = "application/json" }
        return try await client.request(method, path, headers: headers, body: try json.map { try JSONSerialization.data(withJSONObject: $0) })
    }

    static func code(_ reply: HTTPTestClient.Reply) -> String? { (try? reply.json())?["errorCode"] as? String }

    @Test func theCodeIsExchangedWithBasicAuthAndTheRightVerifierOnce() async throws {
        try await withFake { fake, client in
            var query = Self.consentQuery(fake)
            #expect(fake.authorize(query.merging(["redirect_uri": "https://evil.example/cb"]) { $1 }) == nil)
            #expect(fake.authorize(query.merging(["scope": "extended"]) { $1 }) == nil, "signature is the eSignature scope")
            #expect(fake.authorize(query.merging(["code_challenge_method": "plain"]) { $1 }) == nil)

            // The consent page redirects back with the code and the state.
            let path =
                "/oauth/auth?"
                + query.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
                .joined(separator: "&")
            let redirect = try await client.get(path)
            #expect(redirect.status == 302)
            let location = try #require(redirect.header("Location").flatMap { URLComponents(string: $0) })
            #expect(location.path == "/oauth/callback/docusign" && location.queryItems?.first { $0.name == "state" }?.value == "s-42")
            let code = try #require(location.queryItems?.first { $0.name == "code" }?.value)

            let exchange = ["grant_type": "authorization_code", "code": code, "code_verifier": Self.verifier]
            let wrongVerifier = try await Self.tokenCall(fake, client, exchange.merging(["code_verifier": String(repeating: "x", count: 43)]) { $1 })
            #expect(try wrongVerifier.status == 400 && wrongVerifier.json()["error"] as? String == "invalid_grant")
            let noVerifier = try await Self.tokenCall(fake, client, exchange.merging(["code_verifier": ""]) { $1 })
            #expect(try noVerifier.json()["error"] as? String == "invalid_grant")
            let wrongSecret = try await Self.tokenCall(fake, client, exchange, authorization: Self.basic(fake, secret: "nope"))
            #expect(try wrongSecret.status == 400 && wrongSecret.json()["error_description"] as? String == "unauthorized_client")
            let json = try await Self.tokenCall(fake, client, exchange, contentType: "application/json")
            #expect(try json.json()["error"] as? String == "invalid_grant", "the body must be a form")

            let ok = try await Self.tokenCall(fake, client, exchange)
            #expect(ok.status == 200)
            let answer = try ok.json()
            #expect(answer["token_type"] as? String == "Bearer" && answer["expires_in"] as? Int == 28_800)
            let access = try #require(answer["access_token"] as? String)
            #expect(answer["refresh_token"] is String && fake.isValid(token: access))
            let again = try await Self.tokenCall(fake, client, exchange)
            #expect(try again.status == 400 && again.json()["error"] as? String == "invalid_grant", "a code is used once")
            #expect(fake.tokenRequests.last?.header("Authorization") == Self.basic(fake))

            query["code_challenge"] = nil
            query["code_challenge_method"] = nil
            let plain = try #require(fake.authorize(query))
            let unsupported = try await Self.tokenCall(fake, client, ["grant_type": "password", "code": plain])
            #expect(try unsupported.json()["error"] as? String == "unsupported_grant_type")
        }
    }

    @Test func aRefreshRotatesTheRefreshTokenAndIsCounted() async throws {
        try await withFake { fake, client in
            let code = try #require(fake.authorize(Self.consentQuery(fake)))
            let first = try await Self.tokenCall(fake, client, ["grant_type": "authorization_code", "code": code, "code_verifier": Self.verifier])
            let refresh = try #require(try first.json()["refresh_token"] as? String)
            let access = try #require(try first.json()["access_token"] as? String)
            #expect(fake.refreshCount == 0)

            let renewed = try await Self.tokenCall(fake, client, ["grant_type": "refresh_token", "refresh_token": refresh])
            #expect(renewed.status == 200)
            let rotated = try #require(try renewed.json()["refresh_token"] as? String)
            let newAccess = try #require(try renewed.json()["access_token"] as? String)
            #expect(rotated != refresh && newAccess != access && fake.refreshCount == 1)
            #expect(!fake.isValid(refreshToken: refresh) && fake.isValid(refreshToken: rotated))

            let stale = try await Self.tokenCall(fake, client, ["grant_type": "refresh_token", "refresh_token": refresh])
            #expect(try stale.status == 400 && stale.json()["error"] as? String == "invalid_grant")
            #expect(fake.refreshCount == 1)

            fake.revokeRefreshTokens()
            let revoked = try await Self.tokenCall(fake, client, ["grant_type": "refresh_token", "refresh_token": rotated])
            #expect(try revoked.json()["error"] as? String == "invalid_grant")
        }
    }

    @Test func userInfoListsTheAccountsOnTheirOwnSites() async throws {
        try await withFake { fake, client in
            let none = try await client.get("/oauth/userinfo")
            #expect(none.status == 401)
            let info = try await Self.call(client, "/oauth/userinfo", token: fake.issueToken())
            #expect(info.status == 200)
            let body = try info.json()
            #expect(body["sub"] as? String == DocuSignFake.userID && body["email"] as? String == DocuSignFake.userEmail)
            let accounts = try #require(body["accounts"] as? [[String: Any]])
            #expect(accounts.count == 2)
            let first = try #require(accounts.first { $0["is_default"] as? Bool == true })
            #expect(first["account_id"] as? String == DocuSignFake.defaultAccountID && first["base_uri"] as? String == "https://na3.docusign.net")
            #expect(first["organization"] is [String: Any])
            let other = try #require(accounts.first { $0["is_default"] as? Bool == false })
            #expect(other["account_id"] as? String == DocuSignFake.euAccountID && other["base_uri"] as? String == "https://eu.docusign.net")
        }
    }

    @Test func theAPIWantsALiveBearerToken() async throws {
        try await withFake { fake, client in
            let none = try await Self.call(client, Self.na3 + "/envelopes?from_date=2024-01-01", token: nil)
            #expect(none.status == 401 && Self.code(none) == "USER_AUTHENTICATION_FAILED")
            let bogus = try await Self.call(client, Self.na3 + "/envelopes?from_date=2024-01-01", token: "nope")
            #expect(bogus.status == 401 && Self.code(bogus) == "AUTHORIZATION_INVALID_TOKEN")
            let token = fake.issueToken()
            #expect(try await Self.call(client, Self.na3 + "/envelopes?from_date=2024-01-01", token: token).status == 200)
            fake.expire(token: token)
            let expired = try await Self.call(client, Self.na3 + "/envelopes?from_date=2024-01-01", token: token)
            #expect(expired.status == 401 && Self.code(expired) == "AUTHORIZATION_INVALID_TOKEN")
            #expect(try expired.json()["message"] as? String == "The access token provided is expired, revoked or malformed.")
        }
    }

    @Test func anAccountIsServedOnlyOnItsOwnSite() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let eu = DocuSignFake.accountPath(DocuSignFake.euAccountID, host: DocuSignFake.euHost)
            #expect(try await Self.call(client, eu + "/envelopes?from_date=2024-01-01", token: token).status == 200)
            let wrongSite = DocuSignFake.accountPath(DocuSignFake.euAccountID, host: DocuSignFake.defaultHost)
            let refused = try await Self.call(client, wrongSite + "/envelopes?from_date=2024-01-01", token: token)
            #expect(refused.status == 400 && Self.code(refused) == "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT")
            let na3OnEU = DocuSignFake.accountPath(DocuSignFake.defaultAccountID, host: "eu.docusign.net")
            #expect(
                Self.code(try await Self.call(client, na3OnEU + "/envelopes?from_date=2024-01-01", token: token))
                    == "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT")
            let stranger = DocuSignFake.accountPath("00000000-0000-4000-8000-000000000000")
            #expect(
                Self.code(try await Self.call(client, stranger + "/envelopes?from_date=2024-01-01", token: token))
                    == "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT")
            let notASite = try await Self.call(
                client, "/na3.example.com/restapi/v2.1/accounts/\(DocuSignFake.defaultAccountID)/envelopes", token: token)
            #expect(notASite.status == 404)
        }
    }

    @Test func anEnvelopeIsValidatedSentAndReadBack() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            func create(_ body: [String: Any]) async throws -> HTTPTestClient.Reply {
                try await Self.call(client, Self.na3 + "/envelopes", method: "POST", token: token, json: body)
            }
            let signer: [String: Any] = ["email": "grace@client.example", "name": "Grace Hopper", "recipientId": "1", "routingOrder": "1"]
            var definition: [String: Any] = [
                "emailSubject": "Please sign the NDA", "status": "sent", "recipients": ["signers": [signer]],
                "documents": [["documentId": "1", "name": "NDA", "fileExtension": "pdf", "documentBase64": Self.pdf]],
            ]
            var noSubject = definition
            noSubject["emailSubject"] = nil
            #expect(Self.code(try await create(noSubject)) == "ENVELOPE_IS_INCOMPLETE")
            var noDocuments = definition
            noDocuments["documents"] = nil
            #expect(Self.code(try await create(noDocuments)) == "ENVELOPE_IS_INCOMPLETE")
            var badEmail = definition
            badEmail["recipients"] = ["signers": [signer.merging(["email": "grace at client"]) { $1 }]]
            let refusedEmail = try await create(badEmail)
            #expect(refusedEmail.status == 400 && Self.code(refusedEmail) == "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT")
            var badBase64 = definition
            badBase64["documents"] = [["documentId": "1", "name": "NDA", "documentBase64": "not base64!"]]
            #expect(Self.code(try await create(badBase64)) == "INVALID_REQUEST_BODY")
            #expect(Self.code(try await create(definition.merging(["status": "completed"]) { $1 })) == "INVALID_REQUEST_PARAMETER")
            #expect(Self.code(try await create(["templateId": "11111111-2222-4333-8444-555555555555", "status": "sent"])) == "TEMPLATE_ID_INVALID")
            #expect(fake.envelopes().count == 230, "nothing refused was stored")

            let created = try await create(definition)
            #expect(created.status == 201)
            let summary = try created.json()
            let id = try #require(summary["envelopeId"] as? String)
            #expect(summary["status"] as? String == "sent" && summary["uri"] as? String == "/envelopes/\(id)" && summary["statusDateTime"] is String)
            #expect(fake.envelopes().last?.documents.first?.bytes == Array("%PDF-1.7 NDA".utf8))

            let read = try await Self.call(client, Self.na3 + "/envelopes/\(id)?include=recipients", token: token)
            #expect(read.status == 200)
            let envelope = try read.json()
            #expect(envelope["status"] as? String == "sent" && envelope["emailSubject"] as? String == "Please sign the NDA")
            #expect(envelope["sentDateTime"] is String && envelope["statusChangedDateTime"] is String && envelope["lastModifiedDateTime"] is String)
            let signers = (envelope["recipients"] as? [String: Any])?["signers"] as? [[String: Any]]
            #expect(signers?.first?["email"] as? String == "grace@client.example")

            // A draft may be incomplete; a template supplies documents and subject.
            definition = ["status": "created", "emailSubject": "Draft"]
            let draft = try await create(definition)
            #expect(try draft.status == 201 && draft.json()["status"] as? String == "created")
            let fromTemplate = try await create([
                "templateId": DocuSignFake.templateID, "status": "sent",
                "templateRoles": [["email": "ada@client.example", "name": "Ada", "roleName": "Signer"]],
            ])
            #expect(fromTemplate.status == 201)

            let unknown = try await Self.call(client, Self.na3 + "/envelopes/\(UUID().uuidString.lowercased())", token: token)
            #expect(unknown.status == 400 && Self.code(unknown) == "ENVELOPE_DOES_NOT_EXIST")
            let notAGUID = try await Self.call(client, Self.na3 + "/envelopes/42", token: token)
            #expect(Self.code(notAGUID) == "INVALID_REQUEST_PARAMETER")
            let elsewhere = DocuSignFake.accountPath(DocuSignFake.euAccountID, host: DocuSignFake.euHost)
            #expect(Self.code(try await Self.call(client, elsewhere + "/envelopes/\(id)", token: token)) == "ENVELOPE_DOES_NOT_EXIST")

            let recorded = try #require(fake.apiRequests.first { $0.method == "POST" && $0.header("Content-Type") == "application/json" })
            #expect(recorded.path == Self.na3 + "/envelopes" && (recorded.json as? [String: Any])?["emailSubject"] == nil)
        }
    }

    @Test func statusChangesAreListedFromADateAndPagedByStartPosition() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let missing = try await Self.call(client, Self.na3 + "/envelopes?status=sent", token: token)
            #expect(missing.status == 400 && Self.code(missing) == "INVALID_REQUEST_PARAMETER")
            #expect(try (missing.json()["message"] as? String)?.contains("'from_date' must be set to a valid DateTime") == true)
            #expect(Self.code(try await Self.call(client, Self.na3 + "/envelopes?from_date=yesterday", token: token)) == "INVALID_REQUEST_PARAMETER")
            #expect(
                Self.code(try await Self.call(client, Self.na3 + "/envelopes?from_date=2024-01-01&order=up", token: token))
                    == "INVALID_REQUEST_PARAMETER")

            // 230 seeded: 28 drafts, which status=any leaves out; 202 in three pages of 100.
            var next = "/envelopes?from_date=2024-01-01&status=any&count=100"
            var pages: [[String: Any]] = []
            var seen: [String] = []
            while !next.isEmpty, pages.count < 5 {
                let reply = try await Self.call(client, Self.na3 + next, token: token)
                #expect(reply.status == 200)
                let page = try reply.json()
                pages.append(page)
                seen += (page["envelopes"] as? [[String: Any]] ?? []).compactMap { $0["envelopeId"] as? String }
                next = page["nextUri"] as? String ?? ""
            }
            #expect(pages.count == 3 && pages.map { $0["resultSetSize"] as? String } == ["100", "100", "2"])
            #expect(pages.map { $0["startPosition"] as? String } == ["0", "100", "200"] && pages[2]["endPosition"] as? String == "201")
            #expect(pages.allSatisfy { $0["totalSetSize"] as? String == "202" } && Set(seen).count == 202)
            #expect(pages[0]["previousUri"] as? String == "" && (pages[1]["previousUri"] as? String)?.contains("start_position=0") == true)

            let drafts = try await Self.call(client, Self.na3 + "/envelopes?from_date=2024-01-01&status=created", token: token)
            #expect(try drafts.json()["totalSetSize"] as? String == "28")
            let ndas = try await Self.call(client, Self.na3 + "/envelopes?from_date=2024-01-01&search_text=mutual%20nda", token: token)
            #expect(try ndas.json()["totalSetSize"] as? String == "23")
            // 2025-01-04T19:00-05:00 is 2025-01-05T00:00Z: envelopes 96… (134, of which 16 drafts).
            let since = try await Self.call(
                client, Self.na3 + "/envelopes?from_date=2025-01-04T19:00-05:00&order_by=created&order=asc&count=1", token: token)
            let sinceBody = try since.json()
            #expect(sinceBody["totalSetSize"] as? String == "118")
            let oldest = (sinceBody["envelopes"] as? [[String: Any]])?.first
            #expect(oldest?["statusChangedDateTime"] as? String == "2025-01-05T00:00:00.0000000Z")
            let newest = try await Self.call(client, Self.na3 + "/envelopes?from_date=2024-01-01&count=1", token: token)
            #expect(
                ((try newest.json()["envelopes"] as? [[String: Any]])?.first?["statusChangedDateTime"] as? String)?.hasPrefix("2025-01-10T") == true)

            let id = try #require(fake.envelopes().first?.id)
            let byID = try await Self.call(client, Self.na3 + "/envelopes?envelope_ids=\(id)", token: token)
            #expect(try byID.status == 200 && byID.json()["totalSetSize"] as? String == "1")
            #expect(fake.apiRequests.last?.queryItems["envelope_ids"] == [id])
        }
    }

    @Test func everyAnswerCarriesTheRateLimitsAndTheLimitAnswers429() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let path = Self.na3 + "/envelopes?from_date=2024-01-01&count=1"
            let first = try await Self.call(client, path, token: token)
            #expect(first.header("X-RateLimit-Limit") == "3000" && first.header("X-RateLimit-Remaining") == "2999")
            #expect(first.header("X-BurstLimit-Limit") == "500" && first.header("X-BurstLimit-Remaining") == "499")
            let reset = try #require(first.header("X-RateLimit-Reset").flatMap { Double($0) })
            #expect(reset > Date().timeIntervalSince1970 && reset <= Date().timeIntervalSince1970 + 3600 && Int(reset) % 3600 == 0)
            let second = try await Self.call(client, Self.na3 + "/envelopes/42", token: token)
            #expect(second.status == 400 && second.header("X-RateLimit-Remaining") == "2998", "errors are counted and carry the headers")

            fake.injectRateLimit()
            let hourly = try await Self.call(client, path, token: token)
            #expect(
                hourly.status == 429 && Self.code(hourly) == "HOURLY_APIINVOCATION_LIMIT_EXCEEDED" && hourly.header("X-RateLimit-Remaining") == "0")
            fake.injectRateLimit(burst: true)
            let burst = try await Self.call(client, path, token: token)
            #expect(burst.status == 429 && Self.code(burst) == "BURST_APIINVOCATION_LIMIT_EXCEEDED" && burst.header("X-BurstLimit-Remaining") == "0")
            #expect(try await Self.call(client, path, token: token).status == 200, "an injected refusal is used once")

            fake.hourlyLimit = 4
            let last = try await Self.call(client, path, token: token)
            #expect(last.status == 200 && last.header("X-RateLimit-Remaining") == "0")
            let over = try await Self.call(client, path, token: token)
            #expect(over.status == 429 && Self.code(over) == "HOURLY_APIINVOCATION_LIMIT_EXCEEDED")
            let eu = DocuSignFake.accountPath(DocuSignFake.euAccountID, host: DocuSignFake.euHost)
            #expect(try await Self.call(client, eu + "/envelopes?from_date=2024-01-01", token: token).status == 200, "limits are per account")
        }
    }
}
