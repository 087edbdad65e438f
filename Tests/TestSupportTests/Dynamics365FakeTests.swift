import Foundation
import TestSupport
import Testing

/// The Dynamics 365 fake, driven with plain HTTP as Microsoft's pages show each call
/// (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
/// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors,
/// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/page-results,
/// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/create-entity-web-api):
/// app tokens for the environment's `/.default` scope only, OData queries paged through
/// `@odata.nextLink`, creates answered 204 or 201, and Dataverse's `{"error":{code,message}}`.
@Suite struct Dynamics365FakeTests {
    static let api = Dynamics365Fake.apiPath

    private func withFake<T>(_ body: (Dynamics365Fake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = Dynamics365Fake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    static func headers(_ token: String, prefer: String? = nil) -> [String: String] {
        var headers = ["Authorization": "Bearer \(token)", "Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0"]
        headers["Prefer"] = prefer
        return headers
    }

    static func form(_ items: [(String, String)]) -> Data {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return Data(items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&").utf8)
    }

    static func tokenRequest(
        _ client: HTTPTestClient, tenant: String = Dynamics365Fake.tenantID, secret: String = Dynamics365Fake.app.clientSecret,
        scope: String = "https://\(Dynamics365Fake.orgHost)/.default"
    ) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/\(tenant)/oauth2/v2.0/token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: form([
                ("client_id", Dynamics365Fake.app.clientID), ("scope", scope), ("client_secret", secret), ("grant_type", "client_credentials"),
            ]))
    }

    static func error(_ reply: HTTPTestClient.Reply) throws -> (code: String?, message: String?) {
        let error = try reply.json()["error"] as? [String: Any]
        return (error?["code"] as? String, error?["message"] as? String)
    }

    static func values(_ reply: HTTPTestClient.Reply, _ column: String) throws -> [String] {
        ((try reply.json()["value"] as? [[String: Any]]) ?? []).compactMap { $0[column] as? String }
    }

    @Test func theTenantIssuesAppTokensForTheEnvironmentsDefaultScopeOnly() async throws {
        try await withFake { fake, client in
            let issued = try await Self.tokenRequest(client)
            #expect(issued.status == 200)
            let answer = try issued.json()
            #expect(answer["token_type"] as? String == "Bearer" && answer["expires_in"] as? Int == 3599)
            let token = try #require(answer["access_token"] as? String)
            #expect(try await client.get(Self.api + "/WhoAmI", headers: Self.headers(token)).status == 200)
            #expect(
                try await Self.tokenRequest(client, tenant: Dynamics365Fake.tenantDomain).status == 200, "the verified domain names the tenant too")

            let wrongSecret = try await Self.tokenRequest(client, secret: "nope")
            #expect(wrongSecret.status == 401)
            #expect(try wrongSecret.json()["error"] as? String == "invalid_client")
            #expect(try (wrongSecret.json()["error_description"] as? String)?.hasPrefix("AADSTS7000215") == true)
            let delegated = try await Self.tokenRequest(client, scope: "https://\(Dynamics365Fake.orgHost)/user_impersonation")
            #expect(try delegated.status == 400 && (delegated.json()["error"] as? String) == "invalid_scope")
            #expect(try await Self.tokenRequest(client, tenant: "nowhere.onmicrosoft.com").status == 400)

            // HTTP Basic client authentication works as well (RFC 6749 §2.3.1).
            let basic = "Basic " + Data("\(Dynamics365Fake.app.clientID):\(Dynamics365Fake.app.clientSecret)".utf8).base64EncodedString()
            let viaBasic = try await client.request(
                "POST", "/\(Dynamics365Fake.tenantID)/oauth2/v2.0/token",
                headers: ["Content-Type": "application/x-www-form-urlencoded", "Authorization": basic],
                body: Self.form([("scope", "https://\(Dynamics365Fake.orgHost)/.default"), ("grant_type", "client_credentials")]))
            #expect(viaBasic.status == 200)

            // A token for another environment is refused here.
            let other = try await Self.tokenRequest(client, scope: "https://fabrikam.crm4.dynamics.com/.default")
            let foreign = try #require(try other.json()["access_token"] as? String)
            #expect(try await client.get(Self.api + "/WhoAmI", headers: Self.headers(foreign)).status == 401)
            #expect(fake.issuedTokens.count == 4)
        }
    }

    @Test func whoAmINamesTheApplicationUserAndRefusalsAreDataverses() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let me = try await client.get(Self.api + "/WhoAmI", headers: Self.headers(token))
            #expect(me.status == 200 && me.header("OData-Version") == "4.0")
            #expect(try me.json()["UserId"] as? String == Dynamics365Fake.applicationUserID)
            #expect(try me.json()["BusinessUnitId"] as? String == Dynamics365Fake.businessUnitID)
            #expect(me.header("x-ms-ratelimit-burst-remaining-xrm-requests") != nil)

            let anonymous = try await client.get(Self.api + "/WhoAmI", headers: ["Accept": "application/json"])
            #expect(anonymous.status == 401 && anonymous.body.isEmpty)
            #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Bearer authorization_uri=https://login.microsoftonline.com/") == true)
            fake.expire(token: token)
            #expect(try await client.get(Self.api + "/WhoAmI", headers: Self.headers(token)).status == 401)

            let fresh = fake.issueToken()
            let unknown = try await client.get(Self.api + "/contactz", headers: Self.headers(fresh))
            #expect(try unknown.status == 404 && (Self.error(unknown).code) == "0x8006088a")
            fake.injectThrottle(calls: 1, retryAfter: 7, code: "0x80072321")
            let throttled = try await client.get(Self.api + "/WhoAmI", headers: Self.headers(fresh))
            #expect(throttled.status == 429 && throttled.header("Retry-After") == "7")
            #expect(try Self.error(throttled).code == "0x80072321")
            fake.removeApplicationUser()
            let outsider = try await client.get(Self.api + "/WhoAmI", headers: Self.headers(fresh))
            #expect(outsider.status == 403)
            #expect(try Self.error(outsider).code == "0x80072560")
            #expect(try Self.error(outsider).message == "The user is not a member of the organization.")
        }
    }

    @Test func queriesSelectFilterAndOrderAsODataSays() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            let path = Self.api + "/contacts?$select=fullname,_parentcustomerid_value&$orderby=modifiedon%20desc"
            let ordered = try await client.get(path, headers: Self.headers(token))
            #expect(ordered.status == 200)
            #expect(try Self.values(ordered, "fullname") == ["Yvonne McKay", "Susanna Stubberod", "Nancy Anderson", "Maria Campbell"])
            let first = try #require((try ordered.json()["value"] as? [[String: Any]])?.first)
            #expect(Set(first.keys) == ["@odata.etag", "fullname", "_parentcustomerid_value", "contactid"], "the selected columns and the key")
            #expect(first["_parentcustomerid_value"] as? String == Dynamics365Fake.fourthCoffee)

            let contains = try await client.get(Self.api + "/contacts?$select=fullname&$filter=contains(fullname,'AN')", headers: Self.headers(token))
            #expect(try Set(Self.values(contains, "fullname")) == ["Susanna Stubberod", "Nancy Anderson"], "case-insensitive")
            let filter = "_parentcustomerid_value%20eq%20\(Dynamics365Fake.fourthCoffee)%20and%20emailaddress1%20ne%20null"
            let byAccount = try await client.get(
                Self.api + "/contacts?$select=fullname&$filter=\(filter)&$orderby=fullname", headers: Self.headers(token))
            #expect(try Self.values(byAccount, "fullname") == ["Nancy Anderson", "Yvonne McKay"])
            let open = try await client.get(Self.api + "/opportunities?$select=name&$filter=statecode%20eq%200", headers: Self.headers(token))
            #expect(try Self.values(open, "name").count == 2)

            let unknown = try await client.get(Self.api + "/contacts?$select=fullname,nickname", headers: Self.headers(token))
            #expect(unknown.status == 400)
            #expect(try Self.error(unknown).message == "Could not find a property named 'nickname' on type 'Microsoft.Dynamics.CRM.contact'.")
            let broken = try await client.get(Self.api + "/contacts?$filter=contains(fullname", headers: Self.headers(token))
            #expect(try broken.status == 400 && (Self.error(broken).code) == "0x80060888")
            #expect(try await client.get(Self.api + "/contacts?$skip=2", headers: Self.headers(token)).status == 400, "no $skip in Dataverse")
        }
    }

    @Test func pagesFollowTheNextLinkUnchangedWithTheSamePageSize() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            fake.addContacts(7)  // 11 contacts
            let headers = Self.headers(token, prefer: "odata.maxpagesize=5")
            let first = try await client.get(Self.api + "/contacts?$select=fullname&$orderby=modifiedon%20desc", headers: headers)
            #expect(first.header("Preference-Applied") == "odata.maxpagesize=5")
            #expect(try Self.values(first, "fullname").first == "Contact No6")
            let next = try #require(try first.json()["@odata.nextLink"] as? String)
            #expect(
                next.hasPrefix(fake.apiBaseURL + "/contacts?$select=fullname&$orderby=modifiedon%20desc&$skiptoken=%3Ccookie%20pagenumber=%222%22"))
            #expect(next.contains("pagingcookie=%22%253ccookie%2520page%253d%25221%2522%253e"), "the inner cookie is encoded twice")
            let second = try await client.get(String(next.dropFirst(fake.baseURL.count)), headers: headers)
            #expect(try Self.values(second, "fullname").count == 5)
            let third = try await client.get(
                String(try #require(try second.json()["@odata.nextLink"] as? String).dropFirst(fake.baseURL.count)), headers: headers)
            #expect(try Self.values(third, "fullname") == ["Maria Campbell"])
            #expect(try third.json()["@odata.nextLink"] == nil)

            // A next link encoded again is not a paging cookie.
            let reencoded = String(next.dropFirst(fake.baseURL.count)).replacingOccurrences(of: "%3Ccookie", with: "%253Ccookie")
            let refused = try await client.get(reencoded, headers: headers)
            #expect(try refused.status == 400 && (Self.error(refused).code) == "0x80040203")

            // $top limits without paging, and is ignored beside odata.maxpagesize.
            let top = try await client.get(Self.api + "/contacts?$select=fullname&$top=3", headers: Self.headers(token))
            #expect(try Self.values(top, "fullname").count == 3 && top.json()["@odata.nextLink"] == nil)
            let both = try await client.get(Self.api + "/contacts?$select=fullname&$top=3", headers: headers)
            #expect(try Self.values(both, "fullname").count == 5)
            let all = try await client.get(Self.api + "/contacts?$select=fullname", headers: Self.headers(token, prefer: "odata.maxpagesize=6000"))
            #expect(try Self.values(all, "fullname").count == 11 && all.header("Preference-Applied") == nil, "above 5,000 is ignored")
        }
    }

    @Test func createsAnswer204OrTheRowAndCheckThePayload() async throws {
        try await withFake { fake, client in
            let token = fake.issueToken()
            func post(_ set: String, _ body: String, prefer: String? = nil, type: String = "application/json") async throws -> HTTPTestClient.Reply {
                var headers = Self.headers(token, prefer: prefer)
                headers["Content-Type"] = type
                return try await client.request("POST", Self.api + "/" + set, headers: headers, body: Data(body.utf8))
            }
            let plain = try await post("contacts", #"{"firstname":"Ada","lastname":"Lovelace"}"#)
            #expect(plain.status == 204 && plain.body.isEmpty)
            let entity = try #require(plain.header("OData-EntityId"))
            #expect(entity.hasPrefix(fake.apiBaseURL + "/contacts(") && entity.hasSuffix(")"))

            let bound = "{\"lastname\":\"Hopper\",\"parentcustomerid_account@odata.bind\":\"/accounts(\(Dynamics365Fake.litware))\"}"
            let represented = try await post("contacts", bound, prefer: "return=representation")
            #expect(represented.status == 201 && represented.header("OData-EntityId") == nil)
            let row = try represented.json()
            #expect(row["fullname"] as? String == "Hopper" && row["_parentcustomerid_value"] as? String == Dynamics365Fake.litware)
            #expect((row["contactid"] as? String).flatMap(UUID.init(uuidString:)) != nil && row["@odata.etag"] != nil)
            #expect(fake.contacts.count == 6)

            let lead = try await post("leads", #"{"subject":"Coffee for 40","lastname":"Ng","leadsourcecode":8}"#, prefer: "return=representation")
            #expect(try lead.status == 201 && (lead.json()["leadsourcecode"] as? Int) == 8 && (lead.json()["statuscode"] as? Int) == 1)

            let wrongNavigation = try await post(
                "contacts", "{\"lastname\":\"X\",\"parentcustomerid@odata.bind\":\"/accounts(\(Dynamics365Fake.litware))\"}")
            #expect(try wrongNavigation.status == 400 && (Self.error(wrongNavigation).code) == "0x80048d19")
            let missing = try await post(
                "contacts", #"{"lastname":"X","parentcustomerid_account@odata.bind":"/accounts(00000000-0000-0000-0000-000000000001)"}"#)
            #expect(try missing.status == 404 && (Self.error(missing).code) == "0x80040217")
            let unknown = try await post("contacts", #"{"lastname":"X","nickname":"Y"}"#)
            #expect(try unknown.status == 400 && (Self.error(unknown).message)?.contains("The property 'nickname' does not exist") == true)
            let long = try await post("contacts", "{\"lastname\":\"\(String(repeating: "x", count: 51))\"}")
            #expect(try long.status == 400 && (Self.error(long).code) == "0x80044331")
            #expect(try await post("contacts", #"{"lastname":"X"}"#, type: "text/plain").status == 415)
            #expect(fake.contacts.count == 6, "nothing refused was stored")

            fake.deny(privilege: "prvCreateLead")
            let denied = try await post("leads", #"{"lastname":"Ng"}"#)
            #expect(try denied.status == 403 && (Self.error(denied).code) == "0x80040220")
            #expect(
                try await client.get(Self.api + "/leads?$select=fullname", headers: Self.headers(token)).status == 200, "reading is still allowed")
        }
    }
}
