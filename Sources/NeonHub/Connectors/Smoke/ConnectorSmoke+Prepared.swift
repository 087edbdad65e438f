import Foundation

extension ConnectorSmoke {
    /// What a connector's checks run with: the credential (a session signed in for them where
    /// the definition signs in), and the accounts that per-account variables come from.
    struct Prepared: Sendable {
        var credential: ConnectorCredentialsValue
        /// The session token signed in for the checks (Tableau), signed out after them.
        var session: String?
        /// The accounts the credential reaches, where a variable is taken per account (DocuSign's host).
        var accounts: JSONValue = .array([])

        /// `call` acting as the default account, with its per-account variables; as it is when
        /// the definition has none (an account it cannot bind fails the call with the reason).
        func bound(_ call: ConnectorCall, _ definition: ConnectorDefinition) -> ConnectorCall {
            (try? ConnectorService.bindingAccount(call, definition: definition, accounts: accounts, isMock: false)) ?? call
        }
    }

    /// The entry's credential; a session signed in with it where the definition signs in
    /// (`auth.signIn`); and, where a variable comes from the account a call acts as
    /// (`fromAccount`), the accounts its `accounts` action lists.
    func prepare(
        _ definition: ConnectorDefinition, _ entry: SmokeConfig.Entry, credential: ConnectorCredentialsValue, variables: [String: String]
    ) async throws -> Prepared {
        var prepared = Prepared(credential: credential)
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
            let output = try listed.get().output
            if case .array = output { prepared.accounts = output } else { prepared.accounts = output["items"] ?? .array([]) }
        }
        return prepared
    }
}
