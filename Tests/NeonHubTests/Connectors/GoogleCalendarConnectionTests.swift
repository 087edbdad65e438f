import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A Google Calendar connection end to end, on a real database and the real server, pointed at
/// Google's OAuth fake and the Calendar fake through `CONNECTOR_ENDPOINTS_FILE`: the consent URL
/// (catalog scopes, PKCE S256, offline access), the code exchanged at Google's token endpoint
/// with the verifier and the app's secret, the user's writable calendars as the connection's
/// accounts, an action as a recorded run, an expired token refreshed once, and no token or
/// secret in any table, log line or response.
@Suite struct GoogleCalendarConnectionTests {
    @Test func oauthConnectsTheCalendarsActionsRunAndTokensLeakNowhere() async throws {
        let oauth = GoogleOAuthFake()
        let fake = GoogleCalendarFake(oauth: oauth)
        try oauth.start()
        try fake.start()
        defer {
            fake.stop()
            oauth.stop()
        }
        fake.addEvent(summary: "Wholesale tasting", start: .init(date: "2026-12-10"), end: .init(date: "2026-12-11"))
        let logs = LogCapture()
        let endpoints = try OAuthTestSupport.endpointsFile([
            "google-calendar": [
                "baseUrl": fake.apiBaseURL, "authorizeUrl": oauth.authorizeURL, "tokenUrl": oauth.tokenURL, "revokeUrl": oauth.revokeURL,
            ]
        ])
        try await withDatabaseApp(
            logger: logs.logger(), { OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["GOOGLE_CALENDAR": oauth.app]) }
        ) {
            server, client in
            let pool = try #require(server.database?.pool)
            let started = try await OAuthTestSupport.authorize(client, ["connector": "google-calendar"])
            #expect(started.status == 200)
            #expect(started.url.hasPrefix(oauth.authorizeURL + "?"))
            #expect(started.query["client_id"] == oauth.app.clientID)
            let scopes = (started.query["scope"] ?? "").split(separator: " ").map(String.init)
            #expect(scopes.contains("https://www.googleapis.com/auth/calendar.readonly"), "calendarList.list needs a calendar-list scope")
            #expect(scopes.contains("https://www.googleapis.com/auth/calendar.events"), "events.insert needs an events scope")
            #expect(started.query["code_challenge_method"] == "S256")
            #expect(started.query["access_type"] == "offline" && started.query["prompt"] == "consent")
            let code = oauth.authorize(
                scopes: scopes, redirectURI: started.query["redirect_uri"], codeChallenge: started.query["code_challenge"],
                codeChallengeMethod: "S256", prompt: "consent")
            let back = try await OAuthTestSupport.callback(
                client, connector: "google-calendar", [("code", code), ("state", started.query["state"] ?? "")])
            let location = try #require(back.header("Location"))
            let id = try #require(OAuthTestSupport.query(location)["connectionId"], "not connected: \(location)")

            let exchange = try #require(oauth.requests.first { $0.path == "/token" })
            #expect(exchange.formItems["grant_type"] == ["authorization_code"])
            #expect(exchange.formItems["client_secret"] == [oauth.app.clientSecret])
            #expect(exchange.formItems["code_verifier"]?.first?.count == 43)
            #expect(oauth.exchangeCount == 1)

            let (status, fetched) = try await client.query("connectors.getConnection", ["id": id])
            #expect(status == 200)
            #expect(resultData(fetched)?["status"] as? String == "active")
            let accounts = String(decoding: try JSONSerialization.data(withJSONObject: resultData(fetched)?["accounts"] ?? []), as: UTF8.self)
            #expect(accounts.contains(oauth.user.email), "the primary calendar is an account")
            #expect(accounts.contains(GoogleCalendarFake.teamCalendar))
            let first = try #require(OAuthTestSupport.bearer(fake.requests.last))

            // An action is a recorded run.
            let (listed, envelope) = try await client.mutation(
                "connectors.executeAction", ["connectionId": id, "action": "events.list", "accountId": oauth.user.email, "input": [:]])
            #expect(listed == 200, "\(envelope)")
            let items = (resultData(envelope)?["output"] as? [String: Any]).flatMap { $0["items"] as? [[String: Any]] }
            #expect(items?.compactMap { $0["summary"] as? String } == ["Wholesale tasting"])

            // The access token expires: the next action refreshes it once and goes on.
            oauth.expire(accessToken: first)
            let (again, answer) = try await client.mutation(
                "connectors.executeAction", ["connectionId": id, "action": "calendarList.list", "input": [:]])
            #expect(again == 200, "\(answer)")
            #expect(oauth.refreshCount == 1)
            let refresh = try #require(oauth.requests.last { $0.path == "/token" })
            #expect(refresh.formItems["grant_type"] == ["refresh_token"])
            let refreshToken = try #require(refresh.formItems["refresh_token"]?.first)
            let second = try #require(OAuthTestSupport.bearer(fake.requests.last))
            #expect(second != first)

            // Both access tokens, the refresh token and the app secret live only sealed, or nowhere.
            let planted = [first, second, refreshToken, oauth.app.clientSecret]
            #expect(try await plaintextFindings(of: planted, in: pool) == [])
            #expect(logs.count > 0)
            for secret in planted { #expect(!logs.text.contains(secret), "a log line holds a secret") }
            #expect(!String(describing: answer).contains(second))
            #expect(!String(describing: envelope).contains(first))
        }
    }
}
