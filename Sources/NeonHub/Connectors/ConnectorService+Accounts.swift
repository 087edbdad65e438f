import Foundation

extension ConnectorService {
    /// What the definition's `accounts` action found behind a credential.
    struct AccountListing: Sendable {
        /// The accounts, each with its `id` and `kind` (never a token).
        var accounts: [JSONValue] = []
        /// Each account's own token (Facebook Pages), by account id: sealed, never listed.
        var tokens: [(account: String, token: String)] = []
        /// Why the listing failed, for the connection's `last_error`; nil when it did not.
        var error: String?
    }

    /// The accounts in an `accounts` action's output: a list, a paged read's `items`, or one
    /// record (Tableau's session site).
    static func accountItems(_ output: JSONValue) -> [JSONValue] {
        if case .array(let found) = output { return found }
        if case .array(let found)? = output["items"] { return found }
        return [output]
    }

    /// Lists the accounts a new connection reaches — the authorizing user first when the
    /// definition names an identity action, then every item of its `accounts` action — with
    /// the credential just obtained or tested. A provider error is kept as the listing's
    /// `error` rather than thrown: the connection is stored without accounts and says why.
    func listAccounts(
        _ definition: ConnectorDefinition, variables: [String: String], credential: ConnectorCredentialsValue
    ) async throws -> AccountListing {
        var listing = AccountListing()
        guard let source = definition.accounts else { return listing }
        do {
            if let identity = source.identity {
                let me = try await runtime.execute(
                    ConnectorCall(connector: definition.id, action: identity.action, input: .object([:]), variables: variables)
                ) { _ in credential }
                if let id = JSONPath.text(me.output["id"]) {
                    var person: [String: JSONValue] = ["id": .string((identity.idPrefix ?? "") + id), "kind": .string(identity.kind)]
                    if let name = me.output["name"] { person["name"] = name }
                    listing.accounts.append(.object(person))
                }
            }
            let result = try await runtime.execute(
                ConnectorCall(connector: definition.id, action: source.action, input: .object([:]), variables: variables)
            ) { _ in credential }
            for item in Self.accountItems(result.output) {
                guard case .object(var fields) = item else { continue }
                if let name = source.idVariable, let value = variables[name], !value.isEmpty { fields["id"] = .string(value) }
                guard let id = JSONPath.text(fields["id"]) else { continue }
                for key in ["accessToken", "access_token"] {
                    if let secret = JSONPath.text(fields.removeValue(forKey: key)) { listing.tokens.append((id, secret)) }
                }
                fields["id"] = .string(id)
                if fields["kind"] == nil, let kind = source.kind { fields["kind"] = .string(kind) }
                listing.accounts.append(.object(fields))
            }
        } catch let error as ConnectorError {
            listing.accounts = []
            listing.tokens = []
            listing.error = "Connected, but the accounts could not be listed: \(error.message)"
        }
        return listing
    }
}
