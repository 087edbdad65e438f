import Foundation

extension ConnectorService {
    /// `call` bound to the account it acts as, for a connector whose variables differ per
    /// account (`fromAccount`: DocuSign's `baseUri`, each account's own API host): the account
    /// named, else the connection's default (`isDefault: true`), else its only one; each such
    /// variable is read from that account's stored record and checked against its pattern —
    /// the connection's token is sent to the host it names. Calls of other connectors are
    /// returned as they are.
    static func bindingAccount(_ call: ConnectorCall, definition: ConnectorDefinition, accounts: JSONValue, isMock: Bool) throws -> ConnectorCall {
        let bound = (definition.variables ?? []).filter { $0.fromAccount != nil }
        guard !bound.isEmpty else { return call }
        let records: [[String: JSONValue]]
        if case .array(let items) = accounts {
            records = items.compactMap { if case .object(let fields) = $0 { fields } else { nil } }
        } else {
            records = []
        }
        let account: [String: JSONValue]?
        if let id = call.accountID {
            account = records.first { JSONPath.text($0["id"]) == id }
            guard account != nil || isMock else {
                throw ConnectorError(.invalidInput, "\(definition.name) has no account \(id.prefix(64)) on this connection")
            }
        } else {
            account =
                records.first { $0["isDefault"] == .bool(true) || JSONPath.text($0["isDefault"]) == "true" }
                ?? (records.count == 1 ? records[0] : nil)
            guard account != nil || isMock else {
                throw ConnectorError(.invalidInput, "Name the \(definition.name) account to act as (accountId): this connection has no default one")
            }
        }
        var call = call
        if call.accountID == nil, let id = account.flatMap({ JSONPath.text($0["id"]) }) { call.accountID = id }
        for variable in bound {
            guard let field = variable.fromAccount else { continue }
            guard let text = account.flatMap({ JSONPath.text($0[field]) }) ?? (isMock ? variable.example : nil),
                let value = variable.valueFromAnswer(text)
            else {
                throw ConnectorError(
                    .invalidInput, "The \(definition.name) account has no \(field) matching \(variable.pattern ?? "its pattern"): reconnect it")
            }
            call.variables[variable.name] = value
        }
        return call
    }
}
