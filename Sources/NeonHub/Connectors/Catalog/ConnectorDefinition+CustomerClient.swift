import Foundation

extension ConnectorDefinition.Auth {
    /// A client-credentials grant with the customer's own client (Greenhouse Harvest v3: each
    /// organization creates its credential in its Dev Center): the connection gives `clientId`
    /// and `clientSecret`, the secret is vaulted with the token, and refreshes use them instead
    /// of the deployment's `<CONNECTOR>_CLIENT_ID` / `_CLIENT_SECRET`.
    var takesCustomerClient: Bool {
        type == "oauth2_client_credentials" && Set((credentials ?? []).map(\.name)) == ["clientId", "clientSecret"]
    }
}
