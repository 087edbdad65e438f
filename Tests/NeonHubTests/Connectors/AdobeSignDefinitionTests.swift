import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// Where configs/connectors/adobe-sign.json once disagreed with Adobe's documentation, each written
/// as the test that fails if the definition drifts back: the document uploaded as a file part, the
/// separate refresh endpoint, the API host taken from the redirect, Acrobat Sign's own error codes.
@Suite struct AdobeSignDefinitionTests {
    func withAdobeSign(_ body: (AdobeSignFake, ConnectorRuntime) async throws -> Void) async throws {
        try await AdobeSignRuntimeTests().withAdobeSign(body)
    }

    static func codes(_ values: [JSONValue]?) -> Set<String> { Set((values ?? []).compactMap { JSONPath.text($0) }) }

    /// `POST /transientDocuments` takes the document as the multipart `File` part, a file part
    /// with a filename, its bytes as they are
    /// (https://secure.adobesign.com/public/docs/restapi/v6#!/transientDocuments/createTransientDocument).
    /// Without `body.fileParts` the definition sent `File` as a text field holding the base64 text:
    /// Acrobat Sign finds no file (the fake answers 400 NO_FILE_CONTENT), and a server that took it
    /// would store the base64 text as the PDF.
    @Test
    func theUploadSendsTheDocumentsBytesAsTheFilePart() async throws {
        try await withAdobeSign { fake, runtime in
            let pdf = Array("%PDF-1.7\n%âãÏÓ\n".utf8)
            let uploaded = try await AdobeSignRuntimeTests.run(
                runtime, "transientDocuments.upload",
                ["fileName": .string("nda.pdf"), "fileBase64": .string(Data(pdf).base64EncodedString())], token: fake.issueToken())
            let id = try #require(JSONPath.text(uploaded.output["transientDocumentId"]))
            let stored = try #require(fake.transientDocuments[id])
            #expect(stored.bytes == pdf && stored.fileName == "nda.pdf" && stored.mimeType == "application/pdf")
        }
    }

    /// "Since an access token expires in one hour (expires_in: 3600), use the refresh token …
    /// POST /oauth/v2/refresh" on the account's api_access_point, grant_type=refresh_token with
    /// client_id and client_secret (https://opensource.adobe.com/acrobat-sign/developer_guide/oauth.html).
    /// Without `auth.refreshUrl` a refresh went to `/oauth/v2/token`, which only exchanges codes: the
    /// connection fell into attention an hour after connecting.
    @Test
    func anExpiredTokenIsRefreshedAtTheSeparateRefreshEndpoint() async throws {
        #expect(try AdobeSignRuntimeTests.definition().auth.refreshUrl == "https://{{vars.apiHost}}/oauth/v2/refresh")
        let fake = AdobeSignFake()
        try fake.start()
        try await fake.server.serving {
            try await AdobeSignConnectionTests.withAdobeSignApp(fake) { _, client, _ in
                let id = try #require(try await AdobeSignConnectionTests.connect(client, fake).location["connectionId"])
                let (ok, _) = try await client.mutation("connectors.executeAction", ["connectionId": id, "action": "agreements.list", "input": [:]])
                #expect(ok == 200)
                let token = try #require(OAuthTestSupport.bearer(fake.server.requests("GET", "/api/rest/v6/agreements").last))
                fake.expire(token: token)
                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "agreements.list", "input": [:]])
                #expect(status == 200, "\(envelope)")
                #expect(fake.refreshRequests.count == 1)
                #expect(fake.refreshRequests.first?.formItems["grant_type"] == ["refresh_token"])
                #expect(fake.tokenRequests.count == 1, "the token endpoint only saw the code exchange")
                let (_, got) = try await client.query("connectors.getConnection", ["id": id])
                #expect(resultData(got)?["status"] as? String == "active")
            }
        }
    }

    /// The consent redirects back with `api_access_point` (`https://api.na1.adobesign.com/`), and
    /// the token request, the refresh and every API call go to that access point
    /// (https://opensource.adobe.com/acrobat-sign/developer_guide/helloworld.html, "Use the same
    /// api_access_point that you got"; https://opensource.adobe.com/acrobat-sign/developer_guide/best-practices.html,
    /// a call on the wrong shard is INVALID_API_ACCESS_POINT). The definition asked the user for a
    /// shard before consent; now `apiHost` is the redirect's `api_access_point` by host, checked
    /// against its pattern before the app's secret goes there, and a redirect naming another host
    /// is refused with nothing stored.
    @Test
    func theAPIHostIsTakenFromTheRedirectsAPIAccessPoint() async throws {
        let definition = try AdobeSignRuntimeTests.definition()
        #expect(definition.variables?.contains { $0.name == "apiHost" && $0.fromCallback == "api_access_point" } == true)
        let fake = AdobeSignFake()
        try fake.start()
        try await fake.server.serving {
            try await AdobeSignConnectionTests.withAdobeSignApp(fake) { server, client, _ in
                let done = try await AdobeSignConnectionTests.connect(client, fake, variables: [:])
                let id = try #require(done.location["connectionId"], "not connected: \(done.location)")
                #expect(fake.tokenRequests.count == 1)
                let (status, envelope) = try await client.mutation(
                    "connectors.executeAction", ["connectionId": id, "action": "agreements.list", "input": [:]])
                #expect(status == 200, "\(envelope)")

                // A redirect whose api_access_point is not an Acrobat Sign host: refused before the code is exchanged.
                let started = try await OAuthTestSupport.authorize(client, ["connector": "adobe-sign"])
                let granted = try #require(fake.authorize(started.query))
                let back = try await OAuthTestSupport.callback(
                    client, connector: "adobe-sign",
                    [
                        ("code", granted["code"] ?? ""), ("api_access_point", "https://api.na1.adobesign.com.attacker.example/"),
                        ("state", granted["state"] ?? ""),
                    ])
                let refused = OAuthTestSupport.query(try #require(back.header("Location")))
                #expect(refused["status"] == "error" && refused["reason"] == "callback_variable_mismatch", "\(refused)")
                #expect(fake.tokenRequests.count == 1, "the code was not sent anywhere")
                let pool = try #require(server.database?.pool)
                #expect(try await pool.query("SELECT 1 FROM connections WHERE connector = 'adobe-sign'").count == 1)
            }
        }
    }

    /// The REST v6 error codes as Acrobat Sign answers them (the SDK's SdkErrorCodes,
    /// github.com/adobe-sign/AdobeSignJavaSdk; https://secure.adobesign.com/public/docs/restapi/v6):
    /// a transient document id unknown or past its 7 days is `INVALID_TRANSIENTDOCUMENT_ID` (404),
    /// bad arguments `INVALID_ARGUMENTS` (400), a request without a token `NO_ACCESS_TOKEN_HEADER`
    /// (401). The definition listed `INVALID_TRANSIENT_DOCUMENT_ID`, `INVALID_ARGUMENT`,
    /// `NO_AUTHORIZATION_HEADER` and `INVALID_AUTHORIZATION_HEADER`, codes Acrobat Sign does not answer.
    @Test
    func theErrorCodesAreAcrobatSignsOwn() throws {
        let errors = try #require(try AdobeSignRuntimeTests.definition().errors)
        let permanent = Self.codes(errors.permanentCodes)
        #expect(permanent.isSuperset(of: ["INVALID_TRANSIENTDOCUMENT_ID", "INVALID_ARGUMENTS", "INVALID_AGREEMENT_ID", "MISSING_REQUIRED_PARAM"]))
        #expect(permanent.isDisjoint(with: ["INVALID_TRANSIENT_DOCUMENT_ID", "INVALID_ARGUMENT"]))
        let auth = Self.codes(errors.authCodes)
        #expect(auth.contains("NO_ACCESS_TOKEN_HEADER") && auth.contains("INVALID_ACCESS_TOKEN"))
        #expect(auth.isDisjoint(with: ["NO_AUTHORIZATION_HEADER", "INVALID_AUTHORIZATION_HEADER"]))
    }

    /// `agreements.changed` versions agreements by `status`: one sent for signature and then
    /// signed is an event twice (created, then signed), one unchanged is not an event again.
    @Test func anAgreementWhoseStatusMovesIsAnEventOfTheTrigger() throws {
        let definition = try AdobeSignRuntimeTests.definition()
        let trigger = try #require(definition.triggers.first { $0.id == "agreements.changed" })
        #expect(definition.pollBlocker(trigger) == nil)
        func poll(_ status: String) -> PolledItems {
            PolledItems(.array([.object(["id": .string("CBJCHBCAABAA1"), "status": .string(status)])]), spec: trigger.poll)
        }
        let sent = poll("OUT_FOR_SIGNATURE")
        let seen = sent.remembered(after: [])
        #expect(poll("OUT_FOR_SIGNATURE").fresh(after: seen).isEmpty)
        #expect(poll("SIGNED").fresh(after: seen).map(\.key) == ["CBJCHBCAABAA1@SIGNED"])
    }
}
