import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// Where configs/connectors/quickbooks.json once disagreed with Intuit's documentation, each kept
/// as a test that fails if the definition (or the runtime feature it uses) drifts back: the realm
/// from the redirect (`auth.callbackVariables`), the realm as the account (`accounts.idVariable`),
/// the JSON revocation (`revokeStyle: json`), the gateway's lower-case faults and the `Detail`
/// (path alternatives, `detailsPath`), and updated invoices as events (`poll.version`).
@Suite struct QuickBooksDefinitionTests {
    func withQuickBooks(_ body: (QuickBooksFake, ConnectorRuntime) async throws -> Void) async throws {
        try await QuickBooksRuntimeTests().withQuickBooks(body)
    }

    /// Intuit returns the company the user picked as `realmId` on the redirect
    /// (https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0,
    /// "the callback URL has params for state, code and realmId": github.com/intuit/oauth-pythonclient
    /// docs/user-guide.rst); the user does not know it before connecting. The definition declares
    /// `realmId` as a plain required variable with neither `auth.callbackVariables: ["realmId"]` nor
    /// `optional`, so `connectors.authorizeUrl` refuses to start without it and the redirect's value
    /// is ignored (a user picking another company gets a connection whose every call is 403 3100).
    @Test
    func theRealmIsTakenFromIntuitsRedirect() async throws {
        let fake = QuickBooksFake()
        try fake.start()
        try await fake.server.serving {
            try await QuickBooksConnectionTests.withQuickBooksApp(fake) { server, client, _ in
                let done = try await QuickBooksConnectionTests.connect(client, fake, variables: [:], realm: QuickBooksFake.otherRealmId)
                let id = try #require(done.location["connectionId"].flatMap { UUID(uuidString: $0) }, "not connected: \(done.location)")
                let pool = try #require(server.database?.pool)
                let row = try #require(try await pool.query("SELECT variables->>'realmId' AS r FROM connections WHERE id = \(id)").first)
                #expect(try row.decode("r", as: String?.self) == QuickBooksFake.otherRealmId)
                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id.uuidString.lowercased(), "action": "companyInfo.get", "input": [:]])
                #expect(status == 200, "\(envelope)")
                #expect((resultData(envelope)?["output"] as? [String: Any])?["name"] as? String == "Sample Bakery")
            }
        }
    }

    /// `CompanyInfo.Id` is "1" in every company (the API reference's example,
    /// https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/companyinfo;
    /// github.com/intuit/QuickBooks-V3-PHP-SDK issue 39: "it does not match the realmId, and seems to
    /// be set to 1"). The definition maps the account's `id` from it (`accounts.action`
    /// companyInfo.get, `response.fields.id: "Id"`), so every QuickBooks connection lists the same
    /// account "1"; the company's identity is the realm id.
    @Test
    func theConnectionsAccountIsTheRealm() async throws {
        let fake = QuickBooksFake()
        try fake.start()
        try await fake.server.serving {
            try await QuickBooksConnectionTests.withQuickBooksApp(fake) { _, client, _ in
                let id = try #require(try await QuickBooksConnectionTests.connect(client, fake).location["connectionId"])
                let (_, fetched) = try await client.query("connectors.getConnection", ["id": id])
                let account = (resultData(fetched)?["accounts"] as? [[String: Any]])?.first
                #expect(account?["id"] as? String == QuickBooksFake.realmId, "\(String(describing: account))")
            }
        }
    }

    /// Intuit revokes with `POST https://developer.api.intuit.com/v2/oauth2/tokens/revoke`,
    /// `Content-Type: application/json` and the body `{"token": "<refresh or access token>"}`
    /// (https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0,
    /// "Revoke tokens"; github.com/intuit/oauth-jsclient src/OAuthClient.js `revoke`). The definition
    /// can only say `revokeStyle` rfc7009 (a form) or bearer, so the disconnect sends a form the
    /// endpoint does not take and the grant stays alive at Intuit (needs a JSON revoke style).
    @Test
    func disconnectingRevokesTheGrantAtIntuit() async throws {
        let fake = QuickBooksFake()
        try fake.start()
        try await fake.server.serving {
            try await QuickBooksConnectionTests.withQuickBooksApp(fake) { _, client, _ in
                let id = try #require(try await QuickBooksConnectionTests.connect(client, fake).location["connectionId"])
                #expect(fake.revokedTokens.isEmpty)
                _ = try await client.request(
                    "POST", "/trpc/connectors.disconnect",
                    headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"],
                    body: Data(#"{"connectionId":"\#(id)"}"#.utf8))
                #expect(fake.revokedTokens.count == 1, "Intuit accepted the revocation")
            }
        }
    }

    /// The gateway's 401 and 403 bodies are lower-case, `{"fault": {"error": [{"message":
    /// "message=AuthenticationFailed; errorCode=003200; statusCode=401", "detail", "code": "3200"}]}}`
    /// (github.com/routablehq/python-quickbooks issue 250, mcohen01/node-quickbooks issue 154; the
    /// definition's own notes say so). `errors.codePath` `Fault.Error.0.code` and `messagePath`
    /// `Fault.Error.0.Message` read neither, so `authCodes` 3200/3100 never match and the error says
    /// only "HTTP 401"; alternatives (`Fault.Error.0.code|fault.error.0.code`, likewise the message) would.
    @Test
    func theGatewaysAuthenticationFaultIsRead() async throws {
        try await withQuickBooks { fake, runtime in
            let token = fake.issueToken()
            fake.expire(token: token)
            let refused = await #expect(throws: ConnectorError.self) {
                try await QuickBooksRuntimeTests.run(runtime, "companyInfo.get", token: token)
            }
            #expect(refused?.code == .providerAuth)
            #expect(refused?.providerCode == "3200")
            #expect(refused?.message.contains("AuthenticationFailed") == true, "\(refused?.message ?? "")")
        }
    }

    /// Intuit's `Message` is generic and the `Detail` says what is wrong ("Check the detail field in
    /// the response payload", https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/handling-common-errors;
    /// error 2020's Message "Required param missing, need to supply the required value for the API"
    /// does not name the parameter, its Detail does). `errors.messagePath` reads only `Message`.
    @Test
    func aRefusalCarriesIntuitsDetail() async throws {
        try await withQuickBooks { fake, runtime in
            let refused = await #expect(throws: ConnectorError.self) {
                try await QuickBooksRuntimeTests.run(
                    runtime, "invoices.list", ["where": .string("Colour = 'red'")], token: fake.issueToken())
            }
            #expect(refused?.providerCode == "4001")
            #expect(refused?.message.contains("property 'colour' is not queryable") == true, "\(refused?.message ?? "")")
        }
    }

    /// `invoices.changed` "polls recently updated invoices", and an invoice's
    /// `MetaData.LastUpdatedTime` (with its `SyncToken`) changes on every update
    /// (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice). The
    /// trigger names no `poll.version` and the list mapping keeps no update time, so a polled item's
    /// key is its id alone and a paid or edited invoice is never an event — only new ones are. A
    /// mapped `updatedAt: MetaData.LastUpdatedTime` with `poll.version: updatedAt` would make it one.
    @Test
    func anUpdatedInvoiceIsAnEvent() async throws {
        let definition = try QuickBooksRuntimeTests.definition()
        let trigger = try #require(definition.triggers.first { $0.id == "invoices.changed" })
        try await withQuickBooks { fake, runtime in
            let poll = try QuickBooksRuntimeTests.poller(trigger, definition, runtime, fake.issueToken())
            let seen = try await poll().remembered(after: [])
            fake.updateInvoice("131", balance: 0)
            let fresh = try await poll().fresh(after: seen)
            #expect(fresh.count == 1 && JSONPath.text(fresh.first?.payload["id"]) == "131")
        }
    }
}
