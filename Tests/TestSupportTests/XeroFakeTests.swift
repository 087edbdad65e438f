import Foundation
import TestSupport
import Testing

/// The Xero fake keeps Xero's documented contract: the code flow with PKCE and rotating refresh
/// tokens, the granular scopes of new apps, `/connections`, the tenant header, paging only when
/// `page` is sent, validation errors, problem JSON for 401/403, and the limit headers.
@Suite struct XeroFakeTests {
    static let tenant = XeroFake.tenants[0].id

    static func get(_ client: HTTPTestClient, _ path: String, token: String, tenant: String? = XeroFakeTests.tenant, headers: [String: String] = [:])
        async throws -> HTTPTestClient.Reply
    {
        var all = ["Authorization": "Bearer \(token)", "Accept": "application/json"]
        if let tenant { all["xero-tenant-id"] = tenant }
        all.merge(headers) { $1 }
        return try await client.request("GET", path, headers: all)
    }

    static func send(_ client: HTTPTestClient, _ method: String, _ path: String, token: String, json: String, headers: [String: String] = [:])
        async throws -> HTTPTestClient.Reply
    {
        var all = ["Authorization": "Bearer \(token)", "xero-tenant-id": tenant, "Content-Type": "application/json"]
        all.merge(headers) { $1 }
        return try await client.request(method, path, headers: all, body: Data(json.utf8))
    }

    static func object(_ reply: HTTPTestClient.Reply) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: reply.body)) as? [String: Any] ?? [:]
    }

    static func form(_ client: HTTPTestClient, _ fields: [(String, String)], basic app: FakeOAuthApp?) async throws -> HTTPTestClient.Reply {
        var headers = ["Content-Type": "application/x-www-form-urlencoded"]
        if let app { headers["Authorization"] = "Basic " + Data("\(app.clientID):\(app.clientSecret)".utf8).base64EncodedString() }
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }.joined(separator: "&")
        return try await client.request("POST", "/connect/token", headers: headers, body: Data(body.utf8))
    }

    @Test func theCodeFlowWithPKCEIssuesThirtyMinuteTokensAndRotatesRefreshTokens() async throws {
        let fake = XeroFake()
        try await fake.withClient { client in
            let verifier = String(repeating: "v3rifier-", count: 6)
            let consent = fake.authorize([
                "response_type": "code", "client_id": fake.app.clientID, "redirect_uri": fake.app.redirectURI,
                "scope": "openid offline_access accounting.transactions accounting.contacts", "code_challenge": PKCE.s256Challenge(verifier),
                "code_challenge_method": "S256", "state": "s1",
            ])
            let code = try #require(consent.code)
            let wrong = try await Self.form(
                client,
                [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", fake.app.redirectURI), ("code_verifier", verifier + "x")],
                basic: fake.app)
            #expect(wrong.status == 400 && Self.object(wrong)["error"] as? String == "invalid_grant")
            let again = fake.authorize([
                "response_type": "code", "client_id": fake.app.clientID, "redirect_uri": fake.app.redirectURI,
                "scope": "offline_access accounting.transactions", "code_challenge": PKCE.s256Challenge(verifier), "code_challenge_method": "S256",
            ])
            let exchanged = try await Self.form(
                client,
                [
                    ("grant_type", "authorization_code"), ("code", again.code ?? ""), ("redirect_uri", fake.app.redirectURI),
                    ("code_verifier", verifier),
                ],
                basic: fake.app)
            #expect(exchanged.status == 200)
            let tokens = Self.object(exchanged)
            #expect(tokens["expires_in"] as? Int == 1800 && tokens["token_type"] as? String == "Bearer")
            let refresh = try #require(tokens["refresh_token"] as? String)
            let rotated = try await Self.form(client, [("grant_type", "refresh_token"), ("refresh_token", refresh)], basic: fake.app)
            let next = try #require(Self.object(rotated)["refresh_token"] as? String)
            #expect(next != refresh, "the refresh token rotates")
            #expect(fake.isValid(token: refresh), "the previous one has a 30-minute grace period")
            fake.endGracePeriods()
            let late = try await Self.form(client, [("grant_type", "refresh_token"), ("refresh_token", refresh)], basic: fake.app)
            #expect(late.status == 400 && Self.object(late)["error"] as? String == "invalid_grant")
            let badClient = try await Self.form(
                client, [("grant_type", "refresh_token"), ("refresh_token", next)],
                basic: FakeOAuthApp(clientID: fake.app.clientID, clientSecret: "nope", redirectURI: ""))
            #expect(badClient.status == 400 && Self.object(badClient)["error"] as? String == "invalid_client")
        }
    }

    @Test func appsCreatedAfterMarch2026CannotAskForTheBroadScopes() {
        let fake = XeroFake()
        fake.newApp = true
        var query = ["response_type": "code", "client_id": fake.app.clientID, "redirect_uri": fake.app.redirectURI]
        query["scope"] = "offline_access accounting.transactions accounting.contacts"
        #expect(fake.authorize(query) == .error("invalid_scope"))
        query["scope"] = "offline_access accounting.invoices accounting.contacts"
        #expect(fake.authorize(query).code != nil)
    }

    @Test func connectionsListTheTenantsAndTheTenantHeaderIsRequired() async throws {
        let fake = XeroFake()
        try await fake.withClient { client in
            let token = fake.issueToken()
            let listed = try await Self.get(client, "/connections", token: token, tenant: nil)
            let tenants = (try JSONSerialization.jsonObject(with: listed.body)) as? [[String: Any]]
            #expect(tenants?.compactMap { $0["tenantId"] as? String } == XeroFake.tenants.map(\.id))
            #expect(tenants?.first?["tenantType"] as? String == "ORGANISATION")
            let missing = try await Self.get(client, "/api.xro/2.0/Invoices", token: token, tenant: nil)
            #expect(missing.status == 403 && Self.object(missing)["Detail"] as? String == "AuthenticationUnsuccessful")
            let unknown = try await Self.get(client, "/api.xro/2.0/Invoices", token: "nope")
            #expect(unknown.status == 401 && Self.object(unknown)["Title"] as? String == "Unauthorized")
            let narrow = fake.issueToken(scopes: ["accounting.contacts"])
            let scoped = try await Self.get(client, "/api.xro/2.0/Invoices", token: narrow)
            #expect(scoped.status == 403)
            let granular = fake.issueToken(scopes: ["accounting.invoices.read"])
            #expect(try await Self.get(client, "/api.xro/2.0/Invoices", token: granular).status == 200)
        }
    }

    @Test func invoicesArePagedOnlyWhenAPageIsAsked() async throws {
        let fake = XeroFake()
        fake.addInvoices(150)
        try await fake.withClient { client in
            let token = fake.issueToken()
            let all = try await Self.get(client, "/api.xro/2.0/Invoices?pageSize=100", token: token)
            let body = Self.object(all)
            #expect((body["Invoices"] as? [Any])?.count == 153, "without page every invoice comes back")
            #expect(body["pagination"] == nil)
            #expect(all.header("X-MinLimit-Remaining") == "59" && all.header("X-DayLimit-Remaining") == "4999")
            #expect(all.header("X-AppMinLimit-Remaining") != nil)
            let second = Self.object(try await Self.get(client, "/api.xro/2.0/Invoices?page=2&pageSize=100", token: token))
            #expect((second["Invoices"] as? [Any])?.count == 53)
            let pagination = second["pagination"] as? [String: Any]
            #expect(pagination?["page"] as? Int == 2 && pagination?["pageCount"] as? Int == 2 && pagination?["itemCount"] as? Int == 153)
            let filtered = Self.object(
                try await Self.get(client, "/api.xro/2.0/Invoices?Statuses=AUTHORISED,PAID&where=Type%3D%3D%22ACCREC%22", token: token))
            #expect((filtered["Invoices"] as? [[String: Any]])?.compactMap { $0["Status"] as? String } == ["AUTHORISED", "PAID"])
            let bad = try await Self.get(client, "/api.xro/2.0/Invoices?where=Total%3E5", token: token)
            #expect(bad.status == 400 && Self.object(bad)["Type"] as? String == "QueryParseException")
            let since = Self.object(
                try await Self.get(client, "/api.xro/2.0/Invoices", token: token, headers: ["If-Modified-Since": "2026-12-01T00:00:00"]))
            #expect((since["Invoices"] as? [Any])?.count == 150, "the seeded invoices are older")
        }
    }

    @Test func createdInvoicesAreTotalledAndValidationErrorsNameTheElement() async throws {
        let fake = XeroFake()
        try await fake.withClient { client in
            let token = fake.issueToken()
            let contact = fake.contacts()[0].id
            let good = try await Self.send(
                client, "PUT", "/api.xro/2.0/Invoices", token: token,
                json:
                    #"{"Invoices":[{"Type":"ACCREC","Contact":{"ContactID":"\#(contact)"},"LineItems":[{"Description":"Work","Quantity":2,"UnitAmount":50,"AccountCode":"200"}],"Status":"AUTHORISED"}]}"#
            )
            let invoice = (Self.object(good)["Invoices"] as? [[String: Any]])?.first
            #expect(good.status == 200 && invoice?["Total"] as? Double == 115 && invoice?["InvoiceNumber"] as? String == "INV-0003")
            let bad = try await Self.send(
                client, "POST", "/api.xro/2.0/Invoices", token: token,
                json:
                    #"{"Invoices":[{"Type":"ACCREC","Contact":{"ContactID":"\#(contact)"},"LineItems":[{"Description":"Work"}],"Status":"AUTHORISED"}]}"#
            )
            let error = Self.object(bad)
            #expect(bad.status == 400 && error["Type"] as? String == "ValidationException" && error["ErrorNumber"] as? Int == 10)
            let messages = ((error["Elements"] as? [[String: Any]])?.first?["ValidationErrors"] as? [[String: Any]])?.compactMap {
                $0["Message"] as? String
            }
            #expect(messages == ["Account code must be specified"])
            let duplicate = try await Self.send(
                client, "PUT", "/api.xro/2.0/Contacts", token: token, json: #"{"Contacts":[{"Name":"Bayside Club"}]}"#)
            #expect(duplicate.status == 400)
            let key = ["Idempotency-Key": "k-1"]
            let first = try await Self.send(client, "PUT", "/api.xro/2.0/Contacts", token: token, json: #"{"Name":"New Co"}"#, headers: key)
            let replay = try await Self.send(client, "PUT", "/api.xro/2.0/Contacts", token: token, json: #"{"Name":"New Co"}"#, headers: key)
            #expect(first.status == 200 && replay.body == first.body && fake.contacts().filter { $0.name == "New Co" }.count == 1)
        }
    }

    @Test func rateLimitsAnswer429WithTheProblemAndRetryAfter() async throws {
        let fake = XeroFake()
        fake.injectRateLimit(problem: "day", retryAfter: 3600)
        try await fake.withClient { client in
            let reply = try await Self.get(client, "/api.xro/2.0/Contacts", token: fake.issueToken())
            #expect(reply.status == 429 && reply.header("Retry-After") == "3600" && reply.header("X-Rate-Limit-Problem") == "day")
            let contacts = Self.object(try await Self.get(client, "/api.xro/2.0/Contacts?searchTerm=SALLY", token: fake.issueToken()))
            #expect((contacts["Contacts"] as? [[String: Any]])?.compactMap { $0["Name"] as? String } == ["City Limousines"])
        }
    }
}
