import Foundation

extension ConnectorDefinition {
    /// Whether a variable comes back with the authorization, so `connectors.authorizeUrl` may
    /// start without it: from the token answer (`fromToken`), from the accounts it lists
    /// (`fromAccount`: DocuSign's per-account host), or from the callback's query
    /// (`auth.callbackVariables`: QuickBooks' `realmId`, the company the user picks at consent;
    /// a variable's `fromCallback`: Acrobat Sign's host) when the authorize URL does not need it
    /// first (Shopify's `shop` names the host).
    func arrivesWithAuthorization(_ name: String) -> Bool {
        let variable = variables?.first { $0.name == name }
        if variable?.fromToken != nil || variable?.fromAccount != nil { return true }
        guard auth.callbackVariables?.contains(name) == true || variable?.fromCallback != nil else { return false }
        return auth.authorizeUrl?.contains("{{vars.\(name)}}") != true
    }
}

extension ConnectorDefinition.Variable {
    /// The value of this variable in a provider's answer (`fromToken`, `fromCallback`): the
    /// host when `text` is a URL, else the text; nil when it does not match `pattern` — the
    /// credential or the app's secret would go to the host it names. A variable without a
    /// pattern is refused when the catalog loads.
    func valueFromAnswer(_ text: String) -> String? {
        let value = URL(string: text).flatMap { $0.scheme == nil ? nil : $0.host } ?? text
        guard let pattern, let regex = NSRegularExpressionBox(pattern), regex.matches(value) else { return nil }
        return value
    }
}

extension ConnectorDefinition.Auth {
    /// Where a token goes on a request (`placement`; default `Authorization: Bearer`): the
    /// header or query parameter name, its value with the prefix, and whether it is a query parameter.
    func placed(_ token: String) -> (name: String, value: String, inQuery: Bool) {
        let value = (placement?.prefix ?? (placement == nil ? "Bearer " : "")) + token
        if placement?.in == "query" { return (placement?.name ?? "access_token", value, true) }
        return (placement?.name ?? "Authorization", value, false)
    }
}
