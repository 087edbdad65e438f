import Foundation
import TestSupport
import Testing

/// The QuickBooks Online fake, driven with plain HTTP as Intuit's references show each call
/// (https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0,
/// https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries,
/// https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes): the
/// code exchange with Basic client authentication, rolling refresh tokens, the realm in every
/// path, the query language, creation and its faults.
@Suite struct QuickBooksFakeTests {
    static let base = "/v3/company/\(QuickBooksFake.realmId)"

    private func withFake<T>(_ body: (QuickBooksFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = QuickBooksFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    static func headers(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)", "Accept": "application/json"] }

    static func basic(_ app: FakeOAuthApp) -> String { "Basic " + Data("\(app.clientID):\(app.clientSecret)".utf8).base64EncodedString() }

    static func form(_ items: [(String, String)]) -> Data {
        Data(items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }.joined(separator: "&").utf8)
    }

    static func select(_ statement: String) -> String {
        base + "/query?minorversion=75&query=" + (statement.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? statement)
    }

    @Test func theCodeIsExchangedWithBasicAuthAndRefreshTokensRoll() async throws {
        try await withFake { fake, client in
            let query = [
                "client_id": fake.app.clientID, "response_type": "code", "scope": QuickBooksFake.accountingScope,
                "redirect_uri": fake.app.redirectURI, "state": "s1",
            ]
            #expect(fake.authorize(query.merging(["scope": "openid"]) { $1 }) == nil, "the accounting scope is needed")
            let granted = try #require(fake.authorize(query, realmId: QuickBooksFake.otherRealmId))
            #expect(granted.realmId == QuickBooksFake.otherRealmId)
            let headers = ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", "Authorization": Self.basic(fake.app)]
            let exchange = [("grant_type", "authorization_code"), ("code", granted.code), ("redirect_uri", fake.app.redirectURI)]
            var noBasic = headers
            noBasic["Authorization"] = nil
            let refused = try await client.request(
                "POST", "/oauth2/v1/tokens/bearer", headers: noBasic,
                body: Self.form(exchange + [("client_id", fake.app.clientID), ("client_secret", fake.app.clientSecret)]))
            let refusal = try refused.json()["error"] as? String
            #expect(refused.status == 401 && refusal == "invalid_client")
            let tokens = try await client.request("POST", "/oauth2/v1/tokens/bearer", headers: headers, body: Self.form(exchange)).json()
            #expect(tokens["token_type"] as? String == "bearer" && tokens["expires_in"] as? Int == 3600)
            #expect(tokens["x_refresh_token_expires_in"] as? Int == 8_726_400)
            let access = try #require(tokens["access_token"] as? String)
            let refresh = try #require(tokens["refresh_token"] as? String)
            let again = try await client.request("POST", "/oauth2/v1/tokens/bearer", headers: headers, body: Self.form(exchange))
            let reused = try again.json()["error"] as? String
            #expect(again.status == 400 && reused == "invalid_grant", "a code is used once")

            // The token reaches the company the user picked, and no other.
            let other = "/v3/company/\(QuickBooksFake.otherRealmId)/companyinfo/\(QuickBooksFake.otherRealmId)"
            #expect(try await client.get(other, headers: Self.headers(access)).status == 200)
            let elsewhere = try await client.get(Self.base + "/companyinfo/\(QuickBooksFake.realmId)", headers: Self.headers(access))
            #expect(elsewhere.status == 403)
            #expect(((try elsewhere.json()["fault"] as? [String: Any])?["error"] as? [[String: Any]])?.first?["code"] as? String == "3100")

            // Within a day the same refresh token comes back; then a new one, and the old one is spent.
            let same = try await client.request(
                "POST", "/oauth2/v1/tokens/bearer", headers: headers, body: Self.form([("grant_type", "refresh_token"), ("refresh_token", refresh)]))
            #expect(try same.json()["refresh_token"] as? String == refresh)
            fake.rotateRefreshTokens()
            let rolled = try await client.request(
                "POST", "/oauth2/v1/tokens/bearer", headers: headers, body: Self.form([("grant_type", "refresh_token"), ("refresh_token", refresh)]))
            let next = try #require(try rolled.json()["refresh_token"] as? String)
            #expect(next != refresh && !fake.isValid(refreshToken: refresh) && fake.isValid(refreshToken: next))

            // Revocation takes JSON {"token"} and ends the grant.
            let formRevoke = try await client.request(
                "POST", "/v2/oauth2/tokens/revoke", headers: headers, body: Self.form([("token", next)]))
            #expect(formRevoke.status == 400)
            var json = headers
            json["Content-Type"] = "application/json"
            let revoked = try await client.request("POST", "/v2/oauth2/tokens/revoke", headers: json, body: Data(#"{"token":"\#(next)"}"#.utf8))
            #expect(revoked.status == 200 && fake.revokedTokens == [next] && !fake.isValid(refreshToken: next))
        }
    }

    @Test func companyInfoNeedsAValidTokenAndAnswersJSONOnlyWhenAsked() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let path = Self.base + "/companyinfo/\(QuickBooksFake.realmId)?minorversion=75"
            let ok = try await client.get(path, headers: Self.headers(token))
            #expect(ok.status == 200 && ok.header("intuit_tid") != nil)
            let info = try #require(try ok.json()["CompanyInfo"] as? [String: Any])
            #expect(info["Id"] as? String == "1", "CompanyInfo.Id is not the realm id")
            #expect(info["CompanyName"] as? String == "Craig's Design and Landscaping Services")
            let xml = try await client.get(path, headers: ["Authorization": "Bearer \(token)"])
            #expect(xml.header("Content-Type") == "application/xml" && xml.text.contains("<CompanyName>"))

            fake.expire(token: token)
            let expired = try await client.get(path, headers: Self.headers(token))
            #expect(expired.status == 401 && expired.header("intuit_tid") != nil)
            let error = ((try expired.json()["fault"] as? [String: Any])?["error"] as? [[String: Any]])?.first
            #expect(error?["code"] as? String == "3200")
            #expect((error?["message"] as? String)?.contains("AuthenticationFailed") == true)
        }
    }

    @Test func theQueryLanguageFiltersSortsAndPages() async throws {
        try await withFake { fake, client in
            let headers = Self.headers(fake.issueToken())
            func ids(_ statement: String, _ entity: String = "Invoice") async throws -> [String]? {
                let reply = try await client.get(Self.select(statement), headers: headers)
                return ((try reply.json()["QueryResponse"] as? [String: Any])?[entity] as? [[String: Any]])?.compactMap { $0["Id"] as? String }
            }
            #expect(try await ids("SELECT * FROM Invoice WHERE Balance > '0'") == ["130", "131"])
            #expect(try await ids("select * from Invoice where CustomerRef = '59'") == ["131"])
            fake.updateInvoice("130", balance: 100)
            #expect(try await ids("SELECT * FROM Invoice ORDERBY MetaData.LastUpdatedTime DESC STARTPOSITION 1 MAXRESULTS 2") == ["130", "132"])
            #expect(try await ids("SELECT * FROM Invoice ORDERBY MetaData.LastUpdatedTime DESC STARTPOSITION 3 MAXRESULTS 2") == ["131"])
            let page = try await client.get(Self.select("SELECT * FROM Invoice STARTPOSITION 2 MAXRESULTS 1"), headers: headers).json()
            let response = try #require(page["QueryResponse"] as? [String: Any])
            #expect(response["startPosition"] as? Int == 2 && response["maxResults"] as? Int == 1)
            let none = try await client.get(Self.select("SELECT * FROM Invoice WHERE Balance > '10000'"), headers: headers).json()
            #expect((none["QueryResponse"] as? [String: Any])?.isEmpty == true, "no results: an empty QueryResponse")

            #expect(try await ids("SELECT * FROM Customer", "Customer") == ["58", "59", "60"], "only active customers by default")
            #expect(try await ids("SELECT * FROM Customer WHERE Active IN (true, false)", "Customer")?.count == 4)
            #expect(try await ids("SELECT * FROM Customer WHERE DisplayName LIKE 'Bill%'", "Customer") == ["59"])
            let count = try await client.get(Self.select("SELECT count(*) FROM Invoice"), headers: headers).json()
            #expect((count["QueryResponse"] as? [String: Any])?["totalCount"] as? Int == 3)

            for (statement, code) in [
                ("SELECT * FROM Invoice WHERE Balance > 0 OR Id = '1'", "4000"), ("SELECT * FROM Invoice WHERE Colour = 'red'", "4001"),
                ("SELECT * FROM invoices", "4000"),
            ] {
                let bad = try await client.get(Self.select(statement), headers: headers)
                let fault = (try bad.json()["Fault"] as? [String: Any])?["Error"] as? [[String: Any]]
                #expect(bad.status == 400 && fault?.first?["code"] as? String == code, "\(statement)")
            }
        }
    }

    @Test func invoicesAndCustomersAreCreatedOrRefusedWithTheDocumentedFaults() async throws {
        try await withFake { fake, client in
            var headers = Self.headers(fake.issueToken())
            headers["Content-Type"] = "application/json"
            let line = #"{"Amount": 150, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "2"}, "Qty": 1}}"#
            let created = try await client.request(
                "POST", Self.base + "/invoice?minorversion=75", headers: headers,
                body: Data(#"{"CustomerRef": {"value": "60"}, "Line": [\#(line)]}"#.utf8))
            let invoice = try #require(try created.json()["Invoice"] as? [String: Any])
            #expect(invoice["DocNumber"] as? String == "1040" && invoice["TotalAmt"] as? Double == 150)
            #expect((invoice["Line"] as? [[String: Any]])?.last?["DetailType"] as? String == "SubTotalLineDetail")
            #expect(fake.invoices().count == 4)

            func fault(_ path: String, _ body: String) async throws -> (Int, [String: Any]?) {
                let reply = try await client.request("POST", Self.base + path, headers: headers, body: Data(body.utf8))
                return (reply.status, ((try reply.json()["Fault"] as? [String: Any])?["Error"] as? [[String: Any]])?.first)
            }
            let missing = try await fault("/invoice", #"{"CustomerRef": {"value": "60"}}"#)
            #expect(missing.0 == 400 && missing.1?["code"] as? String == "2020")
            #expect(missing.1?["Detail"] as? String == "Required parameter Line is missing in the request")
            let unknown = try await fault("/invoice", #"{"CustomerRef": {"value": "999"}, "Line": [\#(line)]}"#)
            #expect(unknown.1?["code"] as? String == "2500")
            let inactive = try await fault("/invoice", #"{"CustomerRef": {"value": "61"}, "Line": [\#(line)]}"#)
            #expect(inactive.1?["code"] as? String == "2500")

            let customer = try await client.request(
                "POST", Self.base + "/customer", headers: headers, body: Data(#"{"DisplayName": "Diego's Road Warrior Bodyshop"}"#.utf8))
            #expect((try customer.json()["Customer"] as? [String: Any])?["Active"] as? Bool == true)
            let duplicate = try await fault("/customer", #"{"DisplayName": "cool cars"}"#)
            #expect(duplicate.0 == 400 && duplicate.1?["code"] as? String == "6240")
            let long = try await fault("/customer", #"{"DisplayName": "\#(String(repeating: "x", count: 501))"}"#)
            #expect(long.1?["code"] as? String == "2050")
            var text = headers
            text["Content-Type"] = "text/plain"
            let notJSON = try await client.request("POST", Self.base + "/customer", headers: text, body: Data(#"{"DisplayName": "A"}"#.utf8))
            #expect(notJSON.status == 415)
        }
    }

    @Test func throttlesAreXMLWithoutRetryAfter() async throws {
        try await withFake { fake, client in
            let headers = Self.headers(fake.issueToken())
            fake.injectThrottle()
            fake.injectUnavailable()
            let limited = try await client.get(Self.select("SELECT * FROM Invoice"), headers: headers)
            #expect(limited.status == 429 && limited.header("Retry-After") == nil)
            #expect(limited.header("Content-Type") == "application/xml" && limited.text.contains("errorCode=003001"))
            #expect(try await client.get(Self.select("SELECT * FROM Invoice"), headers: headers).status == 503)
            #expect(try await client.get(Self.select("SELECT * FROM Invoice"), headers: headers).status == 200)
        }
    }
}
