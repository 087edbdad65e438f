import Foundation

extension ConnectorDefinition.Auth {
    /// A client-credentials grant with the customer's own client (Greenhouse Harvest v3: each
    /// organization creates its credential in its Dev Center): the connection gives `clientId`
    /// and `clientSecret`, the secret is vaulted with the token, and refreshes use them instead
    /// of the deployment's `<CONNECTOR>_CLIENT_ID` / `_CLIENT_SECRET`.
    var takesCustomerClient: Bool {
        type == "oauth2_client_credentials" && Set((credentials ?? []).map(\.name)) == ["clientId", "clientSecret"]
    }

    /// The customer's client id and secret from a connection's credentials where the definition
    /// takes them (nil otherwise); a missing one is `invalidInput` naming it.
    func customerClient(_ credentials: [String: String]) throws -> (id: String, secret: String)? {
        guard takesCustomerClient else { return nil }
        let missing = ["clientId", "clientSecret"].filter { credentials[$0]?.isEmpty ?? true }
        guard missing.isEmpty else { throw ConnectorError(.invalidInput, "Missing credentials: \(missing.joined(separator: ", "))") }
        return (credentials["clientId"] ?? "", credentials["clientSecret"] ?? "")
    }
}
