import Foundation
import TestSupport
import Testing

/// The SuccessFactors fake, driven with plain HTTP and SAML assertions signed by the xmlsec1 tool
/// from a template laid out as SAP's generator writes it (piejanssens/sf-oauth, SAP KBA 3031657),
/// with throwaway keys and a self-signed certificate from openssl — never NeonHub's own signing
/// code. The token call as SAP KBA 3462403 shows it; refusals as SAP KBAs 2668018 and 3336571
/// word them; OData v2 paging as SAP KBAs 2489065 and 3308165 describe it.
@Suite(.enabled(if: XMLSecCommand.isAvailable && OpenSSLCommand.isAvailable, "needs the xmlsec1 and openssl tools"))
struct SuccessFactorsFakeTests {
    static var keys: (registered: (privateKey: String, publicKey: String), other: (privateKey: String, publicKey: String)) { OpenSSLCommand.testKeys }

    private func withFake<T>(userCount: Int = 1_203, _ body: (SuccessFactorsFake, HTTPTestClient) async throws -> T) async throws -> T {
        await OpenSSLCommand.warmTestKeys()
        let certificate = try await OpenSSLCommand.selfSignedCertificate(privateKeyPEM: Self.keys.registered.privateKey)
        let fake = SuccessFactorsFake(certificatePEM: certificate, userCount: userCount)
        return try await fake.withClient { try await body(fake, $0) }
    }

    /// A signed assertion, Base64 on one line, as a client posts it.
    static func assertion(
        _ fake: SuccessFactorsFake, nameID: String = "sfadmin", apiKey: String = SuccessFactorsFake.defaultAPIKey,
        recipient: String = "https://\(SuccessFactorsFake.defaultAPIHost)/oauth/token", audience: String = SuccessFactorsFake.audience,
        issuedAt: Date = Date(), extra: [(String, String)] = [], keyInfo: String = "", key: String = keys.registered.privateKey,
        edit: (String) -> String = { $0 }
    ) async throws -> String {
        let template = SuccessFactorsFake.assertionTemplate(
            nameID: nameID, apiKey: apiKey, recipient: recipient, audience: audience, issuedAt: issuedAt, extraAttributes: extra, keyInfo: keyInfo)
        let signed = try await XMLSecCommand.sign(template: template, privateKeyPEM: key)
        return Data(edit(signed).utf8).base64EncodedString()
    }

    static func form(_ items: [String: String]) -> Data {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return Data(
            items.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.value)" }
                .joined(separator: "&").utf8)
    }

    static func tokenCall(
        _ client: HTTPTestClient, assertion: String, clientID: String = SuccessFactorsFake.defaultAPIKey,
        companyID: String = SuccessFactorsFake.defaultCompanyID, extra: [String: String] = [:]
    ) async throws -> HTTPTestClient.Reply {
        var items = ["company_id": companyID, "client_id": clientID, "grant_type": SuccessFactorsFake.grantType, "assertion": assertion]
        items.merge(extra) { _, new in new }
        return try await client.request(
            "POST", "/oauth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: form(items))
    }

    static func get(_ client: HTTPTestClient, _ path: String, token: String?) async throws -> HTTPTestClient.Reply {
        try await client.get(path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
    }

    static func body(_ reply: HTTPTestClient.Reply) -> [String: Any] { (try? reply.json()) ?? [:] }
    static func d(_ reply: HTTPTestClient.Reply) -> [String: Any] { body(reply)["d"] as? [String: Any] ?? [:] }
    static func results(_ reply: HTTPTestClient.Reply) -> [[String: Any]] { d(reply)["results"] as? [[String: Any]] ?? [] }
    static func errorCode(_ reply: HTTPTestClient.Reply) -> String? { (body(reply)["error"] as? [String: Any])?["code"] as? String }
    static func errorValue(_ reply: HTTPTestClient.Reply) -> String? {
        ((body(reply)["error"] as? [String: Any])?["message"] as? [String: Any])?["value"] as? String
    }

    /// The path and query of a `__next` link (the fake's own loopback URL).
    static func pathOf(_ link: String) -> String {
        guard let url = URLComponents(string: link) else { return link }
        return url.percentEncodedPath + (url.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    @Test func aSignedAssertionGetsABearerTokenReusedUntilNewTokenIsAsked() async throws {
        try await withFake { fake, client in
            let first = try await Self.tokenCall(client, assertion: try await Self.assertion(fake))
            #expect(first.status == 200)
            let body = Self.body(first)
            #expect(body["token_type"] as? String == "Bearer" && body["expires_in"] as? Int == 86_400 && body["refresh_token"] == nil)
            let token = try #require(body["access_token"] as? String)
            let content = try #require(Data(base64Encoded: token).flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any])
            #expect((content["tokenContent"] as? [String: Any])?["sfPrinciple"] as? String == "sfadmin#DIV#\(fake.companyID)")

            let again = Self.body(try await Self.tokenCall(client, assertion: try await Self.assertion(fake)))
            #expect(again["access_token"] as? String == token, "a live token for the same user and client comes back")
            #expect((again["expires_in"] as? Int).map { $0 <= 86_400 && $0 > 86_000 } == true)
            let fresh = Self.body(try await Self.tokenCall(client, assertion: try await Self.assertion(fake), extra: ["new_token": "true"]))
            #expect((fresh["access_token"] as? String).map { $0 != token } == true && fresh["expires_in"] as? Int == 86_400)

            #expect(fake.grantCount == 3 && fake.receivedAssertions.count == 3)
            let received = try #require(fake.receivedAssertions.first)
            #expect(received.accepted && received.nameID == "sfadmin" && received.issuer == "www.successfactors.com")
            #expect(
                received.recipient == "https://api4.successfactors.com/oauth/token"
                    && received.attributes["api_key"] == SuccessFactorsFake.defaultAPIKey)
            #expect(fake.tokenRequests.first?.formItems["grant_type"] == [SuccessFactorsFake.grantType])
            #expect(try await Self.get(client, "/odata/v2/User?$format=json&$top=1", token: token).status == 200)

            let byUsername = try await Self.assertion(
                fake, nameID: "carla.grant13", recipient: "https://\(fake.loopbackHost)/oauth/token", extra: [("use_username", "true")])
            #expect(fake.users.contains { $0.username == "carla.grant13" })
            #expect(try await Self.tokenCall(client, assertion: byUsername).status == 200)
        }
    }

    @Test func assertionsSAPRefusesAreRefusedWithItsMessages() async throws {
        try await withFake { fake, client in
            func refusal(_ reply: HTTPTestClient.Reply) -> (Int, String?, String?) {
                (reply.status, Self.body(reply)["errorHttpCode"] as? String, Self.body(reply)["errorMessage"] as? String)
            }
            let signatureMessage =
                "Unable to verify the signature of the SAML assertion. Please ensure that the assertion has a signature and the key pairs match the client ID"
            let tampered = try await Self.assertion(fake) { $0.replacingOccurrences(of: ">sfadmin<", with: ">10001<") }
            #expect(refusal(try await Self.tokenCall(client, assertion: tampered)) == (401, "401", signatureMessage))
            let otherKey = try await Self.assertion(fake, key: Self.keys.other.privateKey)
            #expect(refusal(try await Self.tokenCall(client, assertion: otherKey)).2 == signatureMessage)
            let carriedKey = try await Self.assertion(fake, keyInfo: "<ds:KeyInfo><ds:KeyValue/></ds:KeyInfo>", key: Self.keys.other.privateKey)
            #expect(
                refusal(try await Self.tokenCall(client, assertion: carriedKey)).2 == signatureMessage, "a key the assertion carries is not trusted")
            let unsigned = Data(
                SuccessFactorsFake.assertionTemplate(
                    nameID: "sfadmin", apiKey: SuccessFactorsFake.defaultAPIKey, recipient: "https://api4.successfactors.com/oauth/token"
                )
                .utf8
            ).base64EncodedString()
            #expect(refusal(try await Self.tokenCall(client, assertion: unsigned)).2 == signatureMessage)

            let wrongKeyAttribute = try await Self.assertion(fake, apiKey: "c29tZW9uZS1lbHNl")
            #expect(
                refusal(try await Self.tokenCall(client, assertion: wrongKeyAttribute)) == (
                    401, "401", "Unable to verify the SAML assertion - api_key doesn't match client_id"
                ))
            let expired = try await Self.assertion(fake, issuedAt: Date().addingTimeInterval(-3_600))
            #expect(refusal(try await Self.tokenCall(client, assertion: expired)).0 == 401)
            #expect(fake.receivedAssertions.last?.refusal == "The SAML assertion has expired.")
            let invalidUser = (401, Optional("401"), Optional("Unable to authenticate the client (Login failed - invalid user)"))
            #expect(refusal(try await Self.tokenCall(client, assertion: try await Self.assertion(fake, nameID: "nobody"))) == invalidUser)
            #expect(refusal(try await Self.tokenCall(client, assertion: try await Self.assertion(fake, nameID: "10010"))) == invalidUser, "inactive")
            let byEmail = try await Self.assertion(fake, nameID: "emily.clark@neonhub.example")
            #expect(refusal(try await Self.tokenCall(client, assertion: byEmail)) == invalidUser, "an e-mail needs use_email=true")
            let wrongRecipient = try await Self.assertion(fake, recipient: "https://api.example.com/oauth/token")
            #expect(
                refusal(try await Self.tokenCall(client, assertion: wrongRecipient)).2
                    == "The recipient attribute value must be set as the URL of the API server")
            #expect(
                refusal(try await Self.tokenCall(client, assertion: try await Self.assertion(fake, audience: "https://api4.successfactors.com"))).0
                    == 401)

            let good = try await Self.assertion(fake)
            #expect(refusal(try await Self.tokenCall(client, assertion: good, clientID: "bm9wZQ")).2 == "API key does not exist in company")
            #expect(refusal(try await Self.tokenCall(client, assertion: good, companyID: "OTHERCO")).0 == 401)
            let urlSafe = good.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            if urlSafe != good { #expect(refusal(try await Self.tokenCall(client, assertion: urlSafe)).0 == 400) }
            #expect(try await Self.tokenCall(client, assertion: good, extra: ["grant_type": "client_credentials"]).status == 400)
            #expect(fake.grantCount == 0 && fake.receivedAssertions.allSatisfy { !$0.accepted })
            #expect(try await Self.tokenCall(client, assertion: good).status == 200, "the same assertion, untouched, is fine")
        }
    }

    @Test func snapshotPagingFollowsNextToTheEndAndKeepsItsSnapshot() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            var path = "/odata/v2/User?$format=json&$select=userId,username,status&paging=snapshot&customPageSize=100"
            var ids: [String] = []
            var pages = 0
            var tokens: Set<String> = []
            while pages < 50 {
                let reply = try await Self.get(client, path, token: token)
                #expect(reply.status == 200)
                let page = Self.results(reply)
                ids += page.compactMap { $0["userId"] as? String }
                #expect(page.allSatisfy { Set($0.keys) == ["__metadata", "userId", "username", "status"] && $0["status"] as? String == "t" })
                pages += 1
                if pages == 1 {
                    fake.addUser(.init(userID: "late", username: "late", firstName: "L", lastName: "Ate", email: "late@neonhub.example"))
                }
                guard let next = Self.d(reply)["__next"] as? String else { break }
                #expect(next.hasPrefix(fake.apiBaseURL + "/User?") && next.contains("paging=snapshot") && next.contains("$skiptoken="))
                tokens.insert(String(next.split(separator: "$skiptoken=").last ?? ""))
                path = Self.pathOf(next)
            }
            let active = fake.users.filter { $0.status == "t" && $0.userID != "late" }.map(\.userID).sorted()
            #expect(pages == 11 && ids == active && tokens.count == 10, "1,083 active users in pages of 100; the snapshot leaves out the late one")

            let all = try await Self.get(client, "/odata/v2/User?$format=json", token: token)
            #expect(Self.results(all).count == 1_000 && Self.d(all)["__next"] is String, "1,000 per page without $top")
            let top = try await Self.get(client, "/odata/v2/Candidate?$format=json&$top=100", token: token)
            #expect(Self.results(top).count == 100 && Self.d(top)["__next"] == nil, "$top is client-side paging: no __next")
            let skip = try await Self.get(client, "/odata/v2/Candidate?$format=json&$top=5&$skip=300&$inlinecount=allpages", token: token)
            #expect(Self.results(skip).compactMap { $0["candidateId"] as? String } == ["5301", "5302", "5303", "5304", "5305"])
            #expect(try await Self.get(client, "/odata/v2/User?$format=json&$skiptoken=bm9wZQ", token: token).status == 400)
        }
    }

    @Test func selectExpandAndFilterAnswerAsSuccessFactorsDoes() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let unknown = try await Self.get(client, "/odata/v2/User?$format=json&$select=userId,nickname", token: token)
            #expect(unknown.status == 400 && Self.errorCode(unknown) == "COE_PROPERTY_NOT_FOUND")
            #expect(Self.errorValue(unknown) == "[COE0021]Invalid property names: User/nickname.")
            let entity = try await Self.get(client, "/odata/v2/Users?$format=json", token: token)
            #expect(entity.status == 400 && Self.errorCode(entity) == "COE_ENTITY_NOT_FOUND")
            let nonNavigation = try await Self.get(client, "/odata/v2/JobRequisition?$format=json&$expand=internalStatus", token: token)
            #expect(Self.errorCode(nonNavigation) == "COE_BAD_PROPERTY_EXPRESSION")

            let requisitions = try await Self.get(
                client, "/odata/v2/JobRequisition?$format=json&$select=jobReqId,internalStatus,jobReqLocale/jobTitle&$expand=jobReqLocale&$top=2",
                token: token)
            let first = try #require(Self.results(requisitions).first)
            #expect(first["jobReqId"] as? String == "1001" && first["internalStatus"] as? String == "Approved")
            let locales = (first["jobReqLocale"] as? [String: Any])?["results"] as? [[String: Any]]
            #expect(locales?.compactMap { $0["jobTitle"] as? String } == ["Account Executive", "Account Executive (m/w/d)"])
            #expect(((first["__metadata"] as? [String: Any])?["type"] as? String) == "SFOData.JobRequisition")
            let deferred = Self.results(try await Self.get(client, "/odata/v2/JobRequisition?$format=json&$top=1", token: token)).first
            #expect((deferred?["jobReqLocale"] as? [String: Any])?["__deferred"] != nil)

            let everyone = try await Self.get(client, "/odata/v2/User?$format=json&$filter=status%20in%20't','f'&$top=1000", token: token)
            #expect(Self.results(everyone).count == 1_000 && Self.results(everyone).contains { $0["status"] as? String == "f" })
            let inactive = try await Self.get(
                client, "/odata/v2/User?$format=json&$filter=status%20eq%20'inactive'&$inlinecount=allpages", token: token)
            #expect(Self.d(inactive)["__count"] as? String == "120")
            let marketing = try await Self.get(
                client, "/odata/v2/User?$format=json&$filter=department%20eq%20'Marketing'&$inlinecount=allpages", token: token)
            #expect(Self.d(marketing)["__count"] as? String == String(fake.users.filter { $0.department == "Marketing" && $0.status == "t" }.count))
            let recent = try await Self.get(
                client,
                "/odata/v2/Candidate?$format=json&$filter=creationDateTime%20gt%20datetime'2024-12-01T00:00:00'%20and%20country%20eq%20'Germany'",
                token: token)
            let created = Self.results(recent).compactMap { $0["creationDateTime"] as? String }
            #expect(
                !created.isEmpty && created.allSatisfy { $0.hasPrefix("/Date(") }
                    && Self.results(recent).allSatisfy { $0["country"] as? String == "Germany" })
            let broken = try await Self.get(client, "/odata/v2/User?$format=json&$filter=status%20eq", token: token)
            #expect(broken.status == 400 && Self.errorCode(broken) == "COE_GENERAL_BAD_REQUEST")
            #expect(
                Self.errorCode(try await Self.get(client, "/odata/v2/User?$format=json&$filter=nick%20eq%20'x'", token: token))
                    == "COE_PROPERTY_NOT_FOUND")
            #expect(try await Self.get(client, "/odata/v2/User", token: token).status == 406, "JSON must be asked for")
        }
    }

    @Test func theAPIWantsALiveTokenAndExpiredOnesAreMintedAnew() async throws {
        try await withFake(userCount: 20) { fake, client in
            let none = try await Self.get(client, "/odata/v2/User?$format=json", token: nil)
            #expect(none.status == 403 && Self.errorValue(none)?.hasPrefix("[LGN0003]") == true)
            let madeUp = try await Self.get(client, "/odata/v2/User?$format=json", token: "bm90LWEtdG9rZW4=")
            #expect(madeUp.status == 403 && Self.errorCode(madeUp) == "TOKEN_INVALID")
            let granted = Self.body(try await Self.tokenCall(client, assertion: try await Self.assertion(fake)))
            let token = try #require(granted["access_token"] as? String)
            #expect(try await Self.get(client, "/odata/v2/User?$format=json", token: token).status == 200)
            fake.expireTokens()
            let expired = try await Self.get(client, "/odata/v2/User?$format=json", token: token)
            #expect(expired.status == 403 && Self.errorValue(expired) == "[LGN0022]The access token is either rejected or expired")
            #expect(Self.errorCode(expired) == SuccessFactorsFake.rejectedTokenCode)
            fake.setTokenRejectionStatus(401)
            #expect(try await Self.get(client, "/odata/v2/User?$format=json", token: token).status == 401)
            fake.setTokenLifetime(3_600)
            let renewed = Self.body(try await Self.tokenCall(client, assertion: try await Self.assertion(fake)))
            #expect((renewed["access_token"] as? String).map { $0 != token } == true && renewed["expires_in"] as? Int == 3_600)
        }
    }

    @Test func throttlingAnswers429WithRetryAfterThenRecovers() async throws {
        try await withFake(userCount: 20) { fake, client in
            let token = fake.issueToken()
            fake.injectRateLimit(count: 2)
            for _ in 0..<2 {
                let limited = try await Self.get(client, "/odata/v2/User?$format=json", token: token)
                #expect(limited.status == 429 && limited.header("Retry-After") == "300")
            }
            #expect(try await Self.get(client, "/odata/v2/User?$format=json", token: token).status == 200)
            #expect(fake.requests("GET", "/odata/v2/User").count == 3)
        }
    }
}
