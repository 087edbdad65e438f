import Foundation

extension ConnectorSmoke {
    /// What a connector's checks run with: the credential (a session signed in for them where
    /// the definition signs in), the variables, and the account the checks act as.
    struct Prepared: Sendable {
        var credential: ConnectorCredentialsValue
        /// The session token signed in for the checks (Tableau), signed out after them.
        var session: String?
        /// The entry's variables, with those taken from the account (DocuSign's host).
        var variables: [String: String]
        /// The default account, where a variable is taken per account; else nil.
        var accountID: String?

        /// One check's call, as the prepared account.
        func call(_ definition: ConnectorDefinition, _ action: String, _ input: JSONValue) -> ConnectorCall {
            ConnectorCall(connector: definition.id, action: action, input: input, accountID: accountID, variables: variables)
        }
    }

    /// The entry's credential; a session signed in with it where the definition signs in
    /// (`auth.signIn`); and, where a variable comes from the account a call acts as
    /// (`fromAccount`), the default one of the accounts its `accounts` action lists (one it
    /// cannot bind fails the connector's config check with the reason).
    func prepare(
        _ definition: ConnectorDefinition, _ entry: SmokeConfig.Entry, credential: ConnectorCredentialsValue, variables: [String: String]
    ) async throws -> Prepared {
        var prepared = Prepared(credential: credential, variables: variables)
        if definition.auth.signIn != nil {
            let tokens = tokens
            let credentials = entry.credentials
            guard
                let signed = await Deadline.run(
                    timeout, { try await tokens.signIn(definition: definition, variables: variables, credentials: credentials) })
            else { throw ConnectorError(.providerTimeout, "the sign-in timed out") }
            let session = try signed.get().accessToken
            prepared.credential = .token(session)
            prepared.session = session
        }
        if let source = definition.accounts, definition.variables?.contains(where: { $0.fromAccount != nil }) == true {
            let runtime = runtime
            let credential = prepared.credential
            let call = ConnectorCall(connector: definition.id, action: source.action, variables: variables)
            guard let listed = await Deadline.run(timeout, { try await runtime.execute(call) { _ in credential } }) else {
                throw ConnectorError(.providerTimeout, "listing the accounts timed out")
            }
            let accounts = JSONValue.array(ConnectorService.accountItems(try listed.get().output))
            let bound = try ConnectorService.bindingAccount(call, definition: definition, accounts: accounts, isMock: false)
            (prepared.variables, prepared.accountID) = (bound.variables, bound.accountID)
        }
        return prepared
    }
}
