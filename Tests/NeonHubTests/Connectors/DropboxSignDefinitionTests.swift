import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// Where the Dropbox Sign definition (`configs/connectors/dropbox-sign.json`) disagreed with
/// Dropbox Sign's documentation until these tests showed it: the rate-limit header names, a
/// blank Basic password (`auth.basicPassword`), and a failed team invite as permanent.
@Suite struct DropboxSignDefinitionTests {
    /// Every answer documents `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-Ratelimit-Reset`
    /// (`components/headers` of github.com/hellosign/hellosign-openapi `openapi.yaml`;
    /// https://developers.hellosign.com/api/reference/operation/signatureRequestList/ "Response
    /// headers"). The definition named the second `X-RateLimit-Limit-Remaining`, a header Dropbox
    /// Sign does not send, so the remaining budget was never read.
    @Test func theRateLimitHeadersAreTheDocumentedOnes() throws {
        let headers = try DropboxSignRuntimeTests.definition().rateLimit.headers ?? []
        #expect(headers == ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-Ratelimit-Reset"])
    }

    /// The API key is "passed as the username and the password is left blank" (`-u
    /// "${API_KEY}:"`): https://developers.hellosign.com/api/reference/authentication. A `basic`
    /// definition with one secret credential used to send it as both the user name and the
    /// password; `auth.basicPassword: ""` sends the key as the user and a blank password, and the
    /// key (the user name) is then what is redacted.
    @Test func theKeyIsSentWithABlankPassword() async throws {
        try await DropboxSignRuntimeTests().withDropboxSign { fake, runtime in
            let key = try DropboxSignRuntimeTests.key()
            _ = try await runtime.execute(DropboxSignRuntimeTests.call("account.get")) { _ in key }
            let sent = try #require(DropboxSignRuntimeTests.basic(fake.requests.last?.header("Authorization")))
            #expect(sent.user == DropboxSignFake.apiKey)
            #expect(sent.password == "", "Basic \(DropboxSignFake.apiKey.prefix(4))…:<blank>")
        }
    }

    /// `team_invite_failed` is what `/team/add_member` answers "if a user is already a part of
    /// another Team" (github.com/hellosign/hellosign-openapi `openapi.yaml`, `teamAddMember`;
    /// https://developers.hellosign.com/api/reference/warnings-and-errors/): a refusal that the
    /// same request will meet again, not a transient failure. The definition listed it under
    /// `errors.retryableCodes`; it is permanent now.
    @Test func aFailedTeamInviteIsPermanent() throws {
        let definition = try DropboxSignRuntimeTests.definition()
        let rules = ProviderErrorRules(rules: definition.errors, connector: definition.id)
        #expect(rules.classify(providerCode: "team_invite_failed") == .providerRejected)
    }
}
