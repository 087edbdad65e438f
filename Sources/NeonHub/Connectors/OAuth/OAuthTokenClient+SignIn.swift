import Foundation
import HTTPFields

extension OAuthTokenClient {
    /// Signs a connection's credentials in to a session (`auth.signIn`): Tableau's personal
    /// access token as a JSON `body`, SuccessFactors' SAML 2.0 bearer grant as a `form` carrying
    /// an assertion signed here with the connection's key. The templates see `credentials`
    /// (every declared field, `""` when not given), `vars` and `assertion`; the answer's token
    /// is read at `tokenPath`. The answer is a token set that lives `expiresInPath` seconds (or
    /// `lifetime`) and has no refresh token: signing in again is the refresh. Every secret
    /// field is redacted from what the call logs or throws; a refused sign-in is
    /// `providerAuth` (a person must fix the credentials).
    func signIn(definition: ConnectorDefinition, variables: [String: String], credentials: [String: String]) async throws -> OAuthTokenSet {
        guard let signIn = definition.auth.signIn else {
            throw ConnectorError(.invalidDefinition, "\(definition.id) declares no sign-in")
        }
        var fields: [String: JSONValue] = [:]
        for field in definition.auth.credentials ?? [] { fields[field.name] = .string(credentials[field.name] ?? "") }
        var scope: [String: JSONValue] = ["credentials": .object(fields), "vars": .object(variables.mapValues(JSONValue.string))]
        if let assertion = signIn.assertion {
            scope["assertion"] = .string(try Self.signedAssertion(assertion, renderer: TemplateRenderer(scope: scope), credentials: credentials))
        }
        let renderer = TemplateRenderer(scope: scope)
        let url = try tokenURL(definition, variables: variables)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "Accept", value: "application/json")
        let payload: Data
        if let form = signIn.form {
            headers.replaceOrAdd(name: "Content-Type", value: "application/x-www-form-urlencoded")
            payload = Data(Self.formEncode(form.sorted { $0.key < $1.key }.map { ($0.key, renderer.render($0.value)) }).utf8)
        } else {
            guard let template = signIn.body, let body = renderer.render(json: template) else {
                throw ConnectorError(.invalidDefinition, "\(definition.id) has an empty sign-in body")
            }
            headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            payload = Data(body.jsonBytes)
        }
        var secrets = (definition.auth.credentials ?? []).filter(\.secret).compactMap { credentials[$0.name] }.filter { !$0.isEmpty }
        if case .string(let assertion)? = scope["assertion"] { secrets.append(assertion) }
        let rules = ProviderErrorRules(rules: definition.errors, connector: definition.id)
        let request = OutboundRequest(
            method: "POST", url: url, urlTemplate: url.path, labels: OutboundLabels(connector: definition.id, action: "session.signIn"),
            headers: headers, body: payload, retry: .safe, secrets: secrets, messageReader: Self.messageReader(rules))
        let response: OutboundResponse
        do {
            response = try await client.send(request)
        } catch let failure as OutboundError {
            let error = Self.classify(failure, rules: rules, definition: definition)
            guard failure.status == 401 || failure.status == 403 || error.code == .providerAuth else { throw error }
            // Tableau: 401001 "Signin Error" for a wrong, expired or revoked PAT, or an unknown site;
            // SuccessFactors: 401 for an assertion, client or user it does not accept.
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
        let said = signIn.expiresInPath.flatMap { JSONPath.value(at: $0, in: answer) }.flatMap(Self.seconds)
        let lifetime = said ?? RefreshSchedule.seconds(signIn.lifetime).map { Int($0) }
        return OAuthTokenSet(accessToken: token, refreshToken: nil, expiresIn: lifetime, scopes: nil, extras: [:])
    }

    /// A positive number of seconds, given as a number or a numeral.
    private static func seconds(_ value: JSONValue) -> Int? {
        let number: Double? =
            switch value {
            case .number(let number): number
            case .string(let text): Double(text)
            default: nil
            }
        guard let number, number > 0, number < 1e9 else { return nil }
        return Int(number)
    }

    /// The Base64 of a SAML bearer assertion signed with the key in the credential field
    /// `assertion.privateKey`. A key that cannot be used is `invalidInput`, naming the field and
    /// why (never the key).
    static func signedAssertion(
        _ assertion: ConnectorDefinition.SAMLAssertion, renderer: TemplateRenderer, credentials: [String: String]
    ) throws -> String {
        guard let pem = credentials[assertion.privateKey], !pem.isEmpty else {
            throw ConnectorError(.vaultUnreadable, "This connection has no stored \(assertion.privateKey): reconnect it")
        }
        let key: RSAPrivateKey
        do {
            key = try RSAPrivateKey(pem: pem)
        } catch {
            throw ConnectorError(.invalidInput, "Invalid credential \(assertion.privateKey): \(error.description)")
        }
        let saml = SAMLBearerAssertion(
            issuer: renderer.render(assertion.issuer), subject: renderer.render(assertion.subject),
            audience: renderer.render(assertion.audience), recipient: renderer.render(assertion.recipient),
            attributes: (assertion.attributes ?? [:]).sorted { $0.key < $1.key }.map { (name: $0.key, value: renderer.render($0.value)) },
            lifetime: assertion.lifetime.flatMap(RefreshSchedule.seconds).map { Int($0) } ?? 600)
        // XML 1.0 cannot carry other control characters or U+FFFE/U+FFFF: refused, never dropped.
        let texts = [("issuer", saml.issuer), ("subject", saml.subject), ("audience", saml.audience), ("recipient", saml.recipient)]
        for (name, text) in texts + saml.attributes.map({ ($0.name, $0.value) }) where !SAMLBearerAssertion.isXMLText(name + text) {
            throw ConnectorError(.invalidInput, "The SAML assertion's \(name.prefix(40)) holds characters XML cannot carry")
        }
        return Data(try saml.signed(with: key).utf8).base64EncodedString()
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
