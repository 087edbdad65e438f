import Foundation
import Logging
import TestSupport

@testable import NeonHub

/// What the Google Ads tests share: started fakes (Google OAuth and Google Ads), a runtime
/// pointed at the Ads fake with the developer token as the app setting, and quick retries
/// that do not wait out a quota's `retryDelay`.
enum GoogleAdsTestSupport {
    /// The developer token the fake accepts (a placeholder).
    static let developerToken = "placeholder-developer-token"

    /// A runtime over the real catalog sending to `fake`, with `developerToken` as
    /// `{{app.developerToken}}` (nil: not configured).
    static func runtime(_ fake: GoogleAdsFake, developerToken: String? = GoogleAdsTestSupport.developerToken) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        var configuration = OutboundConfiguration()
        configuration.retry.backoff = Backoff(base: .milliseconds(5), maximum: .milliseconds(20))
        configuration.retry.retryAfterCap = .milliseconds(50)  // a quota's retryDelay goes back to the caller
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient(configuration: configuration, logger: Logger(label: "google-ads")),
            appSettings: developerToken.map { ["google-ads": ["developerToken": $0]] } ?? [:],
            baseURLOverrides: ["google-ads": fake.baseURL])
    }

    /// Runs `body` with started fakes, a runtime and tokens with the adwords scope.
    static func withGoogleAds(
        _ body: (GoogleAdsFake, ConnectorRuntime, GoogleOAuthFake.Tokens) async throws -> Void
    ) async throws {
        let oauth = GoogleOAuthFake()
        let fake = GoogleAdsFake(oauth: oauth, developerToken: developerToken)
        try oauth.start()
        try fake.start()
        do {
            try await body(fake, try runtime(fake), oauth.issueTokens(scopes: [GoogleAdsFake.scope]))
            await fake.stopWithoutBlocking()
            await oauth.server.stopWithoutBlocking()
        } catch {
            await fake.stopWithoutBlocking()
            await oauth.server.stopWithoutBlocking()
            throw error
        }
    }

    /// A call on the Google Ads connector.
    static func call(
        _ action: String, _ input: JSONValue = .object([:]), customer: String? = "1234567890", variables: [String: String] = [:]
    ) -> ConnectorCall {
        ConnectorCall(connector: "google-ads", action: action, input: input, accountID: customer, variables: variables)
    }

    /// A request's JSON body.
    static func body(_ request: FakeProviderServer.RecordedRequest) throws -> JSONValue { try JSONValue.parse(request.body) }
}
