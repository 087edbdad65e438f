import Foundation
import HTTPCore
import HTTPFields
import Testing

@testable import NeonHub

extension OutboundTests {
    /// Registered secrets and secret shapes leave every text the client logs or throws.
    @Suite struct SecretRedactorTests {
        @Test func redactionRemovesTheKeyAndKeyShapedTokens() {
            let redactor = SecretRedactor(secret: "sk-proj-abcdef0123456789")
            let cleaned = redactor.clean("Incorrect API key provided: sk-proj-abcdef0123456789. Also sk-live-zzzzzzzzzz here")
            #expect(!cleaned.contains("abcdef0123456789"))
            #expect(!cleaned.contains("zzzzzzzzzz"))
            #expect(cleaned.hasPrefix("Incorrect API key provided: [redacted]"))
            let long = SecretRedactor(secret: "k").clean(String(repeating: "x", count: 1000))
            #expect(long.count == 301)
        }

        @Test func queryAndFormCredentialsAreRemovedByName() {
            let redactor = SecretRedactor(secrets: [])
            let cleaned = redactor.clean(
                "GET /me?fields=id&access_token=EAAB1234xyz&appsecret_proof=9f8e7d HTTP/1.1 body: client_secret=cs_live_1&code=AQD9&key=AIzaSy0 page=2"
            )
            for leaked in ["EAAB1234xyz", "9f8e7d", "cs_live_1", "AQD9", "AIzaSy0"] {
                #expect(!cleaned.contains(leaked), "\(leaked)")
            }
            #expect(cleaned.contains("fields=id"))
            #expect(cleaned.contains("page=2"))
            #expect(cleaned.contains("access_token=[redacted]"))
        }

        @Test func jsonCredentialsAndAuthSchemesAreRemoved() {
            let cleaned = SecretRedactor(secrets: []).clean(
                #"{"refresh_token":"rt-\"quoted\"-1","name":"Acme","code":"resource_missing"} key sk_live_4eC39HqLyjWDarjtT1zdp7dc Authorization: Bearer ya29.a0AfH6SM basic: Basic dXNlcjpwYXNz"#
            )
            #expect(!cleaned.contains("rt-"))
            #expect(!cleaned.contains("ya29"))
            #expect(!cleaned.contains("dXNlcjpwYXNz"))
            #expect(!cleaned.contains("4eC39HqLyjWDarjtT1zdp7dc"))
            #expect(cleaned.contains(#""name":"Acme","code":"resource_missing""#))
            #expect(cleaned.contains(#""refresh_token":"[redacted]""#))
        }

        @Test func aRequestRegistersItsHeaderAndQueryCredentials() throws {
            let url = try #require(URL(string: "https://graph.example/v19.0/me?access_token=qtok-777777&limit=5"))
            let request = OutboundRequest(
                method: "GET", url: url, urlTemplate: "/v19.0/me", labels: .init(connector: "meta", action: "me"),
                headers: ["Authorization": "Bearer htok-888888", "X-Api-Key": "xkey-999999"], secrets: ["planted-555555"])
            let redactor = SecretRedactor(for: request, maxLength: nil)
            // The bare values, wherever they appear (a provider echoing them, split across words).
            let cleaned = redactor.clean("htok-888888 xkey-999999 qtok-777777 planted-555555")
            #expect(cleaned == "[redacted] [redacted] [redacted] [redacted]")
            #expect(redactor.clean(url: url) == "https://graph.example/v19.0/me?access_token=[redacted]&limit=5")
        }
    }
}
