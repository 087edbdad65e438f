import Foundation
import TestSupport
import Testing

/// The Salesforce fake, driven with plain HTTP as Salesforce's references show each call
/// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm,
/// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_search_parameterized.htm,
/// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm,
/// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm,
/// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm): what it
/// refuses is what a client must not send, and its errors are Salesforce's JSON arrays.
@Suite struct SalesforceFakeTests {
    static let base = "/services/data/\(SalesforceFake.apiVersion)"

    private func withFake<T>(_ fake: SalesforceFake = SalesforceFake(), _ body: (SalesforceFake, HTTPTestClient) async throws -> T) async throws -> T
    {
        try await fake.withClient { try await body(fake, $0) }
    }

    static func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)", "Accept": "application/json"] }

    /// The body as Salesforce's error array: the first entry's `errorCode` and `message`.
    static func firstError(_ reply: HTTPTestClient.Reply) -> (code: String?, message: String?, fields: [String]?) {
        let entries = (try? JSONSerialization.jsonObject(with: reply.body)) as? [[String: Any]]
        let first = entries?.first
        return (first?["errorCode"] as? String, first?["message"] as? String, first?["fields"] as? [String])
    }

    static func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }

    static func form(_ items: [(String, String)]) -> Data { Data(items.map { "\($0.0)=\(encoded($0.1))" }.joined(separator: "&").utf8) }

    static let formHeaders = ["Content-Type": "application/x-www-form-urlencoded"]

    @Test func theWebServerFlowChecksTheAppTheRedirectAndTheVerifierAndAnswersTheInstance() async throws {
        try await withFake { fake, client in
            let app = SalesforceFake.defaultApp
            let verifier = String(repeating: "v", count: 20) + "-verifier.with~allowed_characters"
            var consent = [
                "response_type": "code", "client_id": app.clientID, "redirect_uri": app.redirectURI, "scope": "api refresh_token",
                "state": "s1", "code_challenge": PKCE.s256Challenge(verifier), "code_challenge_method": "S256",
            ]
            // Another callback URL or client: no consent screen.
            var elsewhere = consent
            elsewhere["redirect_uri"] = "https://evil.example/callback"
            #expect(fake.authorize(elsewhere) == nil)
            elsewhere = consent
            elsewhere["client_id"] = "someone-else"
            #expect(fake.authorize(elsewhere) == nil)

            let code = try #require(fake.authorize(consent))
            let exchange: [(String, String)] = [
                ("grant_type", "authorization_code"), ("code", code), ("client_id", app.clientID), ("client_secret", app.clientSecret),
                ("redirect_uri", app.redirectURI),
            ]
            let wrongVerifier = try await client.request(
                "POST", "/services/oauth2/token", headers: Self.formHeaders,
                body: Self.form(exchange + [("code_verifier", String(repeating: "w", count: 50))]))
            #expect(wrongVerifier.status == 400)
            #expect(try wrongVerifier.json()["error"] as? String == "invalid_grant")
            #expect(try wrongVerifier.json()["error_description"] as? String == "invalid code verifier")
            let wrongSecret = try await client.request(
                "POST", "/services/oauth2/token", headers: Self.formHeaders,
                body: Self.form(exchange.map { $0.0 == "client_secret" ? ($0.0, "nope") : $0 } + [("code_verifier", verifier)]))
            #expect(try wrongSecret.json()["error"] as? String == "invalid_client")

            let granted = try await client.request(
                "POST", "/services/oauth2/token", headers: Self.formHeaders, body: Self.form(exchange + [("code_verifier", verifier)]))
            #expect(granted.status == 200)
            let tokens = try granted.json()
            #expect(tokens["instance_url"] as? String == fake.baseURL, "the instance is the fake itself")
            #expect(tokens["token_type"] as? String == "Bearer" && tokens["expires_in"] == nil)
            let id = try #require(tokens["id"] as? String)
            let issuedAt = try #require(tokens["issued_at"] as? String)
            #expect(tokens["signature"] as? String == SalesforceFake.signature(id: id, issuedAt: issuedAt, secret: app.clientSecret))
            // The signature is HMAC-SHA256 as RFC 4231 test case 2 checks it (key "Jefe").
            #expect(
                SalesforceFake.signature(id: "what do ya want ", issuedAt: "for nothing?", secret: "Jefe")
                    == "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=")
            let access = try #require(tokens["access_token"] as? String)
            let refresh = try #require(tokens["refresh_token"] as? String)

            // The code is single use.
            let again = try await client.request(
                "POST", "/services/oauth2/token", headers: Self.formHeaders, body: Self.form(exchange + [("code_verifier", verifier)]))
            #expect(try again.json()["error"] as? String == "invalid_grant")

            // A refresh answers a new access token and no refresh token; the old refresh token still works.
            let refreshForm: [(String, String)] = [
                ("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", app.clientID), ("client_secret", app.clientSecret),
            ]
            for _ in 1...2 {
                let renewed = try await client.request("POST", "/services/oauth2/token", headers: Self.formHeaders, body: Self.form(refreshForm))
                #expect(renewed.status == 200)
                #expect(try renewed.json()["refresh_token"] == nil && renewed.json()["access_token"] as? String != access)
            }

            // Without the refresh_token scope there is no refresh token.
            consent["scope"] = "api"
            let apiOnly = try #require(fake.authorize(consent))
            let single = try await client.request(
                "POST", "/services/oauth2/token", headers: Self.formHeaders,
                body: Self.form(exchange.map { $0.0 == "code" ? ($0.0, apiOnly) : $0 } + [("code_verifier", verifier)]))
            #expect(try single.json()["access_token"] != nil && single.json()["refresh_token"] == nil)

            // Revoking the refresh token ends its access tokens too.
            #expect(try await client.get(Self.base + "/query?q=SELECT+Id+FROM+Account", headers: Self.bearer(access)).status == 200)
            let revoked = try await client.request(
                "POST", "/services/oauth2/revoke", headers: Self.formHeaders, body: Self.form([("token", refresh)]))
            #expect(revoked.status == 200)
            #expect(!fake.isValid(refreshToken: refresh))
            #expect(try await client.get(Self.base + "/query?q=SELECT+Id+FROM+Account", headers: Self.bearer(access)).status == 401)
            let dead = try await client.request("POST", "/services/oauth2/token", headers: Self.formHeaders, body: Self.form(refreshForm))
            #expect(try dead.json()["error_description"] as? String == "expired access/refresh token")
            let unknown = try await client.request("POST", "/services/oauth2/revoke", headers: Self.formHeaders, body: Self.form([("token", "x")]))
            #expect(try unknown.status == 400 && unknown.json()["error"] as? String == "invalid_token")
        }
    }

    @Test func aQueryIsPagedThroughItsLocatorPathUntilDone() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            fake.batchSize = 200
            let soql = "SELECT Id, Name, Email FROM Contact"
            let first = try await client.get(Self.base + "/query?q=" + Self.encoded(soql), headers: Self.bearer(token))
            #expect(first.status == 200)
            #expect(first.header("Sforce-Limit-Info") == "api-usage=1/100000")
            var page = try first.json()
            #expect(page["totalSize"] as? Int == 450 && page["done"] as? Bool == false)
            var records = page["records"] as? [[String: Any]] ?? []
            #expect(records.first?["Name"] as? String == "Ada Example1" && records.first?["Email"] as? String == "contact1@example.com")
            #expect((records.first?["attributes"] as? [String: Any])?["type"] as? String == "Contact")
            var pages = 1
            while let next = page["nextRecordsUrl"] as? String {
                #expect(next.hasPrefix(Self.base + "/query/01g") && !next.contains("?"))
                let reply = try await client.get(next, headers: Self.bearer(token))
                #expect(reply.status == 200)
                page = try reply.json()
                records += page["records"] as? [[String: Any]] ?? []
                pages += 1
            }
            #expect(pages == 3 && records.count == 450 && page["done"] as? Bool == true)
            #expect(Set(records.compactMap { $0["Id"] as? String }).count == 450)

            // The batch size header is honoured within 200…2000; WHERE, ORDER BY and LIMIT are read.
            let limited = try await client.get(
                Self.base + "/query?q=" + Self.encoded("SELECT Id, Title FROM Contact WHERE Title = 'Buyer' ORDER BY LastName DESC LIMIT 5"),
                headers: Self.bearer(token))
            let few = try limited.json()
            #expect(few["totalSize"] as? Int == 5 && few["nextRecordsUrl"] == nil)
            #expect((few["records"] as? [[String: Any]])?.allSatisfy { $0["Title"] as? String == "Buyer" } == true)

            let bad = try await client.get(Self.base + "/query/01gXXXXXXXXXXXXXXX-200", headers: Self.bearer(token))
            #expect(Self.firstError(bad).code == "INVALID_QUERY_LOCATOR")
        }
    }

    @Test func malformedQueriesUnknownFieldsAndObjectsAreTheDocumentedErrors() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            for (soql, code) in [
                ("SELEC Id FROM Contact", "MALFORMED_QUERY"), ("SELECT Id, Foo FROM Contact", "INVALID_FIELD"),
                ("SELECT Id FROM Widget", "INVALID_TYPE"),
            ] {
                let reply = try await client.get(Self.base + "/query?q=" + Self.encoded(soql), headers: Self.bearer(token))
                #expect(reply.status == 400)
                #expect(Self.firstError(reply).code == code, "\(soql)")
                #expect(Self.firstError(reply).message?.isEmpty == false)
            }
            let none = try await client.get(Self.base + "/query", headers: Self.bearer(token))
            #expect(Self.firstError(none).code == "MALFORMED_QUERY")
            let post = try await client.request("POST", Self.base + "/query?q=SELECT+Id+FROM+Contact", headers: Self.bearer(token))
            #expect(post.status == 405)
            let otherVersion = try await client.get("/services/data/v20.0/query?q=SELECT+Id+FROM+Contact", headers: Self.bearer(token))
            #expect(otherVersion.status == 404 && Self.firstError(otherVersion).code == "NOT_FOUND")
        }
    }

    @Test func sessionsExpireTheAllocationRunsOutAndFaultsAreScripted() async throws {
        try await withFake(SalesforceFake(dailyLimit: 3)) { fake, client in
            let token = fake.issueToken()
            let path = Self.base + "/query?q=SELECT+Id+FROM+Account"
            let anonymous = try await client.get(path)
            #expect(anonymous.status == 401 && Self.firstError(anonymous).code == "INVALID_AUTH_HEADER")
            let other = try await client.get(path, headers: Self.bearer("00D000000000000!unknown"))
            #expect(other.status == 401 && Self.firstError(other).code == "INVALID_SESSION_ID")

            fake.failNext(status: 503, errorCode: "SERVER_UNAVAILABLE", message: "Server temporarily unavailable")
            let unavailable = try await client.get(path, headers: Self.bearer(token))
            #expect(unavailable.status == 503 && Self.firstError(unavailable).code == "SERVER_UNAVAILABLE")
            #expect(try await client.get(path, headers: Self.bearer(token)).status == 200)
            #expect(try await client.get(path, headers: Self.bearer(token)).header("Sforce-Limit-Info") == "api-usage=3/3")
            let limited = try await client.get(path, headers: Self.bearer(token))
            #expect(limited.status == 403)
            #expect(Self.firstError(limited).code == "REQUEST_LIMIT_EXCEEDED" && Self.firstError(limited).message == "TotalRequests Limit exceeded.")
            #expect(limited.header("Retry-After") == nil, "the daily allocation names no time to wait")
            #expect(fake.apiUsage == 3)

            fake.dailyLimit = 100
            fake.expire(token: token)
            let expired = try await client.get(path, headers: Self.bearer(token))
            #expect(expired.status == 401 && Self.firstError(expired).message == "Session expired or invalid")
        }
    }

    @Test func aParameterizedSearchReturnsTheNamedFieldsOfMatchingContacts() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let query = "q=Grace&sobject=Contact&in=ALL&Contact.fields=Id,FirstName,Email&Contact.limit=3"
            let reply = try await client.get(Self.base + "/parameterizedSearch?" + query, headers: Self.bearer(token))
            #expect(reply.status == 200)
            let found = try reply.json()["searchRecords"] as? [[String: Any]] ?? []
            #expect(found.count == 3)
            #expect(found.allSatisfy { $0["FirstName"] as? String == "Grace" && $0["Email"] != nil && $0["Phone"] == nil })
            let emailOnly = try await client.get(
                Self.base + "/parameterizedSearch?q=contact7%40example.com&sobject=Contact&in=EMAIL", headers: Self.bearer(token))
            let hits = try emailOnly.json()["searchRecords"] as? [[String: Any]] ?? []
            #expect(hits.count == 1 && hits.first?.keys.sorted() == ["Id", "attributes"], "only Ids without named fields")

            let short = try await client.get(Self.base + "/parameterizedSearch?q=G&sobject=Contact", headers: Self.bearer(token))
            #expect(short.status == 400 && Self.firstError(short).code == "INVALID_SEARCH")
            let field = try await client.get(
                Self.base + "/parameterizedSearch?q=Grace&sobject=Contact&Contact.fields=Shoe", headers: Self.bearer(token))
            #expect(Self.firstError(field).code == "INVALID_FIELD")
            let scope = try await client.get(Self.base + "/parameterizedSearch?q=Grace&in=EVERYTHING", headers: Self.bearer(token))
            #expect(scope.status == 400)
        }
    }

    @Test func recordsAreCreatedWithTheirRequiredFieldsAndRefusedAsDocumented() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            var headers = Self.bearer(token)
            headers["Content-Type"] = "application/json"
            func post(_ type: String, _ body: [String: Any]) async throws -> HTTPTestClient.Reply {
                try await client.request(
                    "POST", Self.base + "/sobjects/\(type)/", headers: headers, body: try JSONSerialization.data(withJSONObject: body))
            }
            let created = try await post("Contact", ["LastName": "Lovelace", "FirstName": "Ada", "Email": "ada@example.com"])
            #expect(created.status == 201)
            let id = try #require(try created.json()["id"] as? String)
            #expect(id.hasPrefix("003") && id.count == 18)
            #expect(try created.json()["success"] as? Bool == true && (created.json()["errors"] as? [Any])?.isEmpty == true)
            #expect(fake.records("Contact").last?.id == id)
            #expect(fake.records("Contact").last?.fields["Email"] == "ada@example.com")
            let lookup = try await client.get(
                Self.base + "/query?q=" + Self.encoded("SELECT Id, Name FROM Contact WHERE Email = 'ada@example.com'"), headers: Self.bearer(token))
            #expect((try lookup.json()["records"] as? [[String: Any]])?.first?["Name"] as? String == "Ada Lovelace")

            let missing = try await post("Lead", ["LastName": "Hopper"])
            #expect(missing.status == 400)
            #expect(Self.firstError(missing).code == "REQUIRED_FIELD_MISSING" && Self.firstError(missing).fields == ["Company"])
            let long = try await post("Contact", ["LastName": "X", "Title": String(repeating: "t", count: 129)])
            #expect(Self.firstError(long).code == "STRING_TOO_LONG" && Self.firstError(long).fields == ["Title"])
            let email = try await post("Contact", ["LastName": "X", "Email": "not-an-address"])
            #expect(Self.firstError(email).code == "INVALID_EMAIL_ADDRESS")
            let unknown = try await post("Opportunity", ["Name": "Deal", "StageName": "Prospecting", "CloseDate": "2026-03-31", "Colour": "red"])
            #expect(Self.firstError(unknown).code == "INVALID_FIELD")
            let opportunity = try await post("Opportunity", ["Name": "Deal", "StageName": "Prospecting", "CloseDate": "2026-03-31", "Amount": 1500])
            #expect(opportunity.status == 201)
            #expect(fake.records("Opportunity").last?.fields["Amount"] == "1500")

            var text = headers
            text["Content-Type"] = "text/plain"
            let plain = try await client.request("POST", Self.base + "/sobjects/Contact/", headers: text, body: Data("LastName=X".utf8))
            #expect(plain.status == 415)
            #expect(fake.records("Contact").count == 451, "only the one valid contact was added")
        }
    }
}
