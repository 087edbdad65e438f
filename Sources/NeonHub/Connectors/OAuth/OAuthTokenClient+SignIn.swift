import Foundation
import HTTPFields

extension OAuthTokenClient {
    /// Signs a connection's credentials in to a session (`auth.signIn`: Tableau's personal
    /// access token): `body` rendered over `credentials` (every declared field, `""` when not
    /// given) is posted as JSON to `auth.tokenUrl`, and the session token is read at
    /// `tokenPath`. The answer is a token set that lives `lifetime` and has no refresh token:
    /// signing in again is the refresh. Every secret field is redacted from what the call
    /// logs or throws; a refused sign-in is `providerAuth` (a person must fix the credentials).
    func signIn(definition: ConnectorDefinition, variables: [String: String], credentials: [String: String]) async throws -> OAuthTokenSet {
        guard let signIn = definition.auth.signIn else {
            throw ConnectorError(.invalidDefinition, "\(definition.id) declares no sign-in")
        }
        var fields: [String: JSONValue] = [:]
        for field in definition.auth.credentials ?? [] { fields[field.name] = .string(credentials[field.name] ?? "") }
        guard let body = TemplateRenderer(scope: ["credentials": .object(fields)]).render(json: signIn.body) else {
            throw ConnectorError(.invalidDefinition, "\(definition.id) has an empty sign-in body")
        }
        let url = try tokenURL(definition, variables: variables)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        headers.replaceOrAdd(name: "Accept", value: "application/json")
        let secrets = (definition.auth.credentials ?? []).filter(\.secret).compactMap { credentials[$0.name] }.filter { !$0.isEmpty }
        let rules = ProviderErrorRules(rules: definition.errors, connector: definition.id)
        let request = OutboundRequest(
            method: "POST", url: url, urlTemplate: url.path, labels: OutboundLabels(connector: definition.id, action: "session.signIn"),
            headers: headers, body: Data(body.jsonBytes), retry: .safe, secrets: secrets, messageReader: Self.messageReader(rules))
        let response: OutboundResponse
        do {
            response = try await client.send(request)
        } catch let failure as OutboundError {
            let error = Self.classify(failure, rules: rules, definition: definition)
            guard failure.status == 401 || failure.status == 403 || error.code == .providerAuth else { throw error }
            // Tableau: 401001 "Signin Error" for a wrong, expired or revoked PAT, or an unknown site.
            let (code, said) = ProviderErrorRules.split(failure.message)
            throw ConnectorError(
                .providerAuth,
                "\(definition.name) refused the sign-in\(code.map { " (\($0))" } ?? "")\(said.map { ": \($0)" } ?? ""); check the credentials",
                providerCode: code)
        }
        let answer = (try? JSONValue.parse([UInt8](response.body))) ?? .null
        guard let token = JSONPath.text(JSONPath.value(at: signIn.tokenPath, in: answer)), !token.isEmpty else {
            throw ConnectorError(.providerRejected, "\(definition.name) answered the sign-in without a session token")
        }
        let lifetime = RefreshSchedule.seconds(signIn.lifetime).map { Int($0) }
        return OAuthTokenSet(accessToken: token, refreshToken: nil, expiresIn: lifetime, scopes: nil, extras: [:])
    }

    /// Ends a session at `auth.revokeUrl` (Tableau's sign-out: `POST` with the session token
    /// where requests carry it, no body); best effort, whether the provider confirmed.
    func signOut(token: String, definition: ConnectorDefinition, variables: [String: String]) async -> Bool {
        guard let template = endpoints[definition.id]?.revokeUrl ?? definition.auth.revokeUrl,
            let url = try? url(template, definition: definition, variables: variables, what: "sign-out")
        else { return false }
        let placed = definition.auth.placed(token)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: placed.name, value: placed.value)  // Tableau's sign-out: X-Tableau-Auth
        headers.replaceOrAdd(name: "Accept", value: "application/json")
        let request = OutboundRequest(
            method: "POST", url: url, urlTemplate: url.path, labels: OutboundLabels(connector: definition.id, action: "session.signOut"),
            headers: headers, retry: .safe, secrets: [token])
        return (try? await client.send(request)) != nil
    }
}
