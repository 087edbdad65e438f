import Foundation
import TestSupport
import Testing

/// The Acrobat Sign fake, driven with plain HTTP as Adobe's OAuth guide and REST v6 reference show
/// each call (https://opensource.adobe.com/acrobat-sign/developer_guide/oauth.html,
/// https://secure.adobesign.com/public/docs/restapi/v6): what it refuses is what a client must
/// not send, and its errors are Acrobat Sign's {code, message}.
@Suite struct AdobeSignFakeTests {
    static let base = "/api/rest/v6"

    private func withFake<T>(_ body: (AdobeSignFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = AdobeSignFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    static func form(_ items: [String: String]) -> Data {
        Data(
            items.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.value)" }.joined(separator: "&")
                .utf8)
    }

    static let formHeaders = ["Content-Type": "application/x-www-form-urlencoded"]

    static func multipart(_ parts: [(name: String, filename: String?, content: String)], boundary: String = "b0undary") -> Data {
        var text = ""
        for part in parts {
            text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { text += "; filename=\"\(filename)\"\r\nContent-Type: application/pdf" }
            text += "\r\n\r\n\(part.content)\r\n"
        }
        return Data((text + "--\(boundary)--\r\n").utf8)
    }

    @Test func theConsentRedirectNamesTheShardAndTheCodeIsExchangedWithTheSecretInTheBody() async throws {
        try await withFake { fake, client in
            let query = [
                "client_id": fake.app.clientID, "response_type": "code", "redirect_uri": fake.app.redirectURI, "state": "s1",
                "scope": AdobeSignFake.allScopes.joined(separator: " "),
            ]
            #expect(fake.authorize(query.merging(["scope": "agreement_read:everyone"]) { $1 }) == nil, "modifiers are self, group or account")
            #expect(fake.authorize(query.merging(["client_id": "other"]) { $1 }) == nil)
            let redirect = try #require(fake.authorize(query))
            #expect(redirect["api_access_point"] == fake.apiAccessPoint && redirect["web_access_point"] == fake.webAccessPoint)
            #expect(redirect["state"] == "s1")
            let code = try #require(redirect["code"])

            // The secret by HTTP Basic is not what Acrobat Sign documents: the body carries it.
            let basic = "Basic " + Data("\(fake.app.clientID):\(fake.app.clientSecret)".utf8).base64EncodedString()
            let noBody = try await client.request(
                "POST", "/oauth/v2/token", headers: Self.formHeaders.merging(["Authorization": basic]) { $1 },
                body: Self.form(["grant_type": "authorization_code", "code": code, "redirect_uri": fake.app.redirectURI]))
            #expect(try noBody.status == 401 && noBody.json()["error"] as? String == "invalid_client")

            let exchange: [String: String] = [
                "grant_type": "authorization_code", "code": code, "redirect_uri": fake.app.redirectURI, "client_id": fake.app.clientID,
                "client_secret": fake.app.clientSecret,
            ]
            let ok = try await client.request("POST", "/oauth/v2/token", headers: Self.formHeaders, body: Self.form(exchange))
            #expect(ok.status == 200)
            let answer = try ok.json()
            #expect(answer["token_type"] as? String == "Bearer" && answer["expires_in"] as? Int == 3600)
            #expect(answer["api_access_point"] as? String == fake.apiAccessPoint && answer["web_access_point"] as? String == fake.webAccessPoint)
            let access = try #require(answer["access_token"] as? String)
            let refresh = try #require(answer["refresh_token"] as? String)
            let again = try await client.request("POST", "/oauth/v2/token", headers: Self.formHeaders, body: Self.form(exchange))
            #expect(try again.status == 400 && again.json()["error"] as? String == "invalid_grant", "a code is used once")

            // Refresh has its own endpoint; the token endpoint does not take the grant.
            let refreshForm = [
                "grant_type": "refresh_token", "refresh_token": refresh, "client_id": fake.app.clientID, "client_secret": fake.app.clientSecret,
            ]
            let wrong = try await client.request("POST", "/oauth/v2/token", headers: Self.formHeaders, body: Self.form(refreshForm))
            #expect(try wrong.status == 400 && wrong.json()["error"] as? String == "unsupported_grant_type")
            let renewed = try await client.request("POST", "/oauth/v2/refresh", headers: Self.formHeaders, body: Self.form(refreshForm))
            #expect(renewed.status == 200)
            let fresh = try renewed.json()
            #expect(fresh["refresh_token"] == nil, "the refresh token is kept, not rotated")
            let newAccess = try #require(fresh["access_token"] as? String)
            #expect(fake.isValid(token: access) && fake.isValid(token: newAccess) && fake.isValid(refreshToken: refresh))

            // Revoking the refresh token ends every access token issued from it.
            let revoked = try await client.request("POST", "/oauth/v2/revoke", headers: Self.formHeaders, body: Self.form(["token": refresh]))
            #expect(revoked.status == 200)
            #expect(!fake.isValid(refreshToken: refresh) && !fake.isValid(token: access) && !fake.isValid(token: newAccess))
            #expect(fake.revokedTokens == [refresh])
        }
    }

    @Test func theAPIWantsABearerTokenAndAnswersCodeAndMessage() async throws {
        try await withFake { fake, client in
            let none = try await client.get(Self.base + "/agreements")
            #expect(try none.status == 401 && none.json()["code"] as? String == "NO_ACCESS_TOKEN_HEADER")
            let bad = try await client.get(Self.base + "/agreements", headers: ["Authorization": "Bearer nope"])
            #expect(try bad.status == 401 && bad.json()["code"] as? String == "INVALID_ACCESS_TOKEN")
            #expect(try bad.json()["message"] as? String == "Access token provided is invalid or has expired")
            let readOnly = fake.issueToken(scopes: ["agreement_read:self"])
            let denied = try await client.request(
                "POST", Self.base + "/agreements", headers: ["Authorization": "Bearer \(readOnly)", "Content-Type": "application/json"],
                body: Data("{}".utf8))
            #expect(try denied.status == 403 && denied.json()["code"] as? String == "PERMISSION_DENIED")
            let unknown = try await client.get(Self.base + "/agreements/nope", headers: ["Authorization": "Bearer \(fake.issueToken())"])
            #expect(try unknown.status == 404 && unknown.json()["code"] as? String == "INVALID_AGREEMENT_ID")
        }
    }

    @Test func aDocumentIsUploadedAsAFilePartAndSentAsAnAgreement() async throws {
        try await withFake { fake, client in
            let auth = ["Authorization": "Bearer \(fake.issueToken())"]
            let multipart = auth.merging(["Content-Type": "multipart/form-data; boundary=b0undary"]) { $1 }
            // A `File` without a filename is a text field, not a file.
            let text = try await client.request(
                "POST", Self.base + "/transientDocuments", headers: multipart,
                body: Self.multipart([("File-Name", nil, "nda.pdf"), ("File", nil, "JVBERi0=")]))
            #expect(try text.status == 400 && text.json()["code"] as? String == "NO_FILE_CONTENT")
            let upload = try await client.request(
                "POST", Self.base + "/transientDocuments", headers: multipart,
                body: Self.multipart([("File-Name", nil, "nda.pdf"), ("Mime-Type", nil, "application/pdf"), ("File", "nda.pdf", "%PDF-1.7")]))
            #expect(upload.status == 201)
            let documentID = try #require(try upload.json()["transientDocumentId"] as? String)
            #expect(fake.transientDocuments[documentID]?.bytes == Array("%PDF-1.7".utf8))
            #expect(fake.transientDocuments[documentID]?.fileName == "nda.pdf")

            let json = auth.merging(["Content-Type": "application/json"]) { $1 }
            func create(_ body: [String: Any]) async throws -> HTTPTestClient.Reply {
                try await client.request("POST", Self.base + "/agreements", headers: json, body: try JSONSerialization.data(withJSONObject: body))
            }
            var info: [String: Any] = [
                "name": "NDA", "fileInfos": [["transientDocumentId": documentID]], "signatureType": "ESIGN", "state": "IN_PROCESS",
                "participantSetsInfo": [["memberInfos": [["email": "ada@client.example"]], "order": 1, "role": "SIGNER"]],
            ]
            var missing = info
            missing["state"] = nil
            let refused = try await create(missing)
            #expect(try refused.json()["code"] as? String == "MISSING_REQUIRED_PARAM")
            var unknownFile = info
            unknownFile["fileInfos"] = [["transientDocumentId": "nope"]]
            let notFound = try await create(unknownFile)
            #expect(try notFound.status == 404 && notFound.json()["code"] as? String == "INVALID_TRANSIENTDOCUMENT_ID")
            info["signatureType"] = "INK"
            let invalid = try await create(info)
            #expect(try invalid.json()["code"] as? String == "INVALID_ARGUMENTS")
            info["signatureType"] = "ESIGN"
            let created = try await create(info)
            #expect(created.status == 201)
            let id = try #require(try created.json()["id"] as? String)

            let read = try await client.get(Self.base + "/agreements/\(id)", headers: auth)
            let agreement = try read.json()
            #expect(agreement["status"] as? String == "OUT_FOR_SIGNATURE" && agreement["senderEmail"] as? String == AdobeSignFake.senderEmail)
            #expect(read.header("ETag") != nil)
        }
    }

    @Test func agreementsArePagedByCursorAndThrottlingSaysWhenToRetry() async throws {
        try await withFake { fake, client in
            fake.addAgreements(4)
            let auth = ["Authorization": "Bearer \(fake.issueToken())"]
            var names: [String] = []
            var path = Self.base + "/agreements?pageSize=3"
            var pages = 0
            while true {
                let page = try await client.get(path, headers: auth)
                #expect(page.status == 200)
                let body = try page.json()
                names += ((body["userAgreementList"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
                pages += 1
                guard let next = (body["page"] as? [String: Any])?["nextCursor"] as? String else { break }
                path = Self.base + "/agreements?pageSize=3&cursor=\(next)"
            }
            #expect(pages == 3 && names.count == 7)
            #expect(names.first == "Agreement 4" && names.last == "NDA Acme", "newest first")
            let badCursor = try await client.get(Self.base + "/agreements?cursor=zzz", headers: auth)
            #expect(try badCursor.status == 400 && badCursor.json()["code"] as? String == "INVALID_PAGE_CURSOR")

            fake.injectThrottle(calls: 1, retryAfter: 7)
            let throttled = try await client.get(Self.base + "/agreements", headers: auth)
            #expect(throttled.status == 429 && throttled.header("Retry-After") == "7")
            let body = try throttled.json()
            #expect(body["code"] as? String == "THROTTLING_TOO_MANY_REQUESTS" && body["retryAfter"] as? Int == 7)
            let after = try await client.get(Self.base + "/agreements", headers: auth)
            #expect(after.status == 200)
        }
    }
}
