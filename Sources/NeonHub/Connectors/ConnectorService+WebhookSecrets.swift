import Foundation

extension ConnectorService {
    /// The Auth Tokens Twilio signs the webhooks of account `accountSid` with: the password of
    /// each non-revoked connection that authenticates as that account (user name = the Account
    /// SID; an API key's secret signs nothing). A tenant's own Twilio account signs its status
    /// callbacks with its own token, not the server's `TWILIO_AUTH_TOKEN`. Secrets that cannot
    /// be opened are skipped.
    public func twilioAuthTokens(accountSid: String) async -> [String] {
        guard let secrets, accountSid.hasPrefix("AC"), accountSid.utf8.count == 34 else { return [] }
        let ids = (try? await connections.twilioAccountConnections(accountSid)) ?? []
        var tokens: [String] = []
        for id in ids {
            if let token = try? await secrets.get(kind: "password", connection: id), !token.isEmpty, !tokens.contains(token) {
                tokens.append(token)
            }
        }
        return tokens
    }
}
