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
