import Foundation

extension ConnectorDefinition {
    /// Whether a variable comes back with the authorization, so `connectors.authorizeUrl` may
    /// start without it: from the token answer (`fromToken`), or from the callback's query
    /// (`auth.callbackVariables`: QuickBooks' `realmId`, the company the user picks at consent;
    /// a variable's `fromCallback`: Acrobat Sign's host) when the authorize URL does not need it
    /// first (Shopify's `shop` names the host).
    func arrivesWithAuthorization(_ name: String) -> Bool {
        let variable = variables?.first { $0.name == name }
        if variable?.fromToken != nil { return true }
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
