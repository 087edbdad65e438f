import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// What OAuth tests share: a server pointed at provider fakes through
/// `CONNECTOR_ENDPOINTS_FILE`, with a vault key, the fake's app credentials and a UI URL.
enum OAuthTestSupport {
    /// The bearer token a recorded request carried, without its `Bearer ` prefix.
    static func bearer(_ request: FakeProviderServer.RecordedRequest?) -> String? {
        request?.header("Authorization").map { String($0.dropFirst("Bearer ".count)) }
    }

    static let appURL = "https://app.example.test"

    /// Writes `entries` as a `CONNECTOR_ENDPOINTS_FILE` and returns its path.
    static func endpointsFile(_ entries: [String: [String: String]]) throws -> String {
        let url = TestTemporaryFiles.url("endpoints")
        try JSONSerialization.data(withJSONObject: entries).write(to: url)
        return url.path
    }

    /// Vault, endpoints, app credentials (`<PREFIX>_CLIENT_ID` / `_SECRET`) and `APP_URL`.
    static func configure(_ config: inout AppConfig, endpoints: String, apps: [String: FakeOAuthApp], vaultKey: [UInt8] = fixedVaultKey) {
        config.tokenVaultKey = vaultKey
        config.connectorEndpointsFile = endpoints
        config.appURL = appURL
        for (prefix, app) in apps {
            config.connectorEnvironment["\(prefix)_CLIENT_ID"] = app.clientID
            config.connectorEnvironment["\(prefix)_CLIENT_SECRET"] = app.clientSecret
        }
    }

    /// One key for every server of a test (two processes on one database share the vault key).
    static let fixedVaultKey: [UInt8] = Array(repeating: 7, count: 32)

    /// The query items of a URL, last value wins.
    static func query(_ url: String) -> [String: String] {
        Dictionary((URLComponents(string: url)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
    }

    /// `connectors.authorizeUrl` → the consent URL's query.
    static func authorize(_ client: HTTPTestClient, _ input: [String: Any]) async throws -> (status: Int, url: String, query: [String: String]) {
        let (status, envelope) = try await client.mutation("connectors.authorizeUrl", input)
        let url = resultData(envelope)?["url"] as? String ?? ""
        return (status, url, query(url))
    }

    /// The provider's redirect back to us with `items` in the query.
    static func callback(_ client: HTTPTestClient, connector: String, _ items: [(String, String)]) async throws -> HTTPTestClient.Reply {
        let query = items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }.joined(separator: "&")
        return try await client.get("/oauth/callback/\(connector)?\(query)")
    }

    /// The whole dance for a test that starts from a connected account: `authorizeUrl`, the
    /// provider's consent (`consent` gets the authorize URL's query and answers a code), the
    /// callback; the new connection's id. Set-up, not the subject: a code exchange that timed
    /// out (suites that shorten `connectorTimeout` for the calls under test, on a loaded
    /// machine) is started over with a new state and code, at most three times.
    static func connect(_ client: HTTPTestClient, connector: String, consent: ([String: String]) -> String) async throws -> UUID {
        var location = ""
        for _ in 1...3 {
            let started = try await authorize(client, ["connector": connector])
            let code = consent(started.query)
            let back = try await callback(client, connector: connector, [("code", code), ("state", started.query["state"] ?? "")])
            location = try #require(back.header("Location"))
            if query(location)["reason"] != "provider_unavailable" { break }
        }
        return try #require(query(location)["connectionId"].flatMap(UUID.init(uuidString:)), "not connected: \(location)")
    }
}
