import Foundation
import HTTPFields

/// Talks to a connector's OAuth token endpoint through the one outbound client (RFC 6749):
/// the authorization-code exchange (with the PKCE verifier where the authorization used
/// one), refresh-token grants, Meta's long-lived token exchange, client-credentials grants,
/// and revocation. The app's client id and secret come from `<CONNECTOR>_CLIENT_ID` /
/// `_CLIENT_SECRET`; they, the code, the verifier and every token are redacted from
/// anything the call logs or throws.
struct OAuthTokenClient: Sendable {
    let client: OutboundClient
    /// The deployment's app settings (`META_CLIENT_ID`, …).
    let environment: [String: String]
    let endpoints: [String: ConnectorEndpoints]

    /// The app's client id and secret for `definition`, or the error naming what is missing.
    func app(_ definition: ConnectorDefinition) throws -> (id: String, secret: String) {
        let prefix = definition.environmentPrefix
        let idName = "\(prefix)_CLIENT_ID", secretName = "\(prefix)_CLIENT_SECRET"
        let missing = [idName, secretName].filter { environment[$0]?.isEmpty ?? true }
        guard missing.isEmpty, let id = environment[idName], let secret = environment[secretName] else {
            throw ConnectorError(
                .missingAppCredentials,
                "\(missing.joined(separator: " and ")) \(missing.count == 1 ? "is" : "are") not set: "
                    + "\(definition.name) cannot be connected or refreshed without its app credentials")
        }
        return (id, secret)
    }

    /// The token endpoint of `definition` with the connection's variables filled in.
    func tokenURL(_ definition: ConnectorDefinition, variables: [String: String]) throws -> URL {
        try url(endpoints[definition.id]?.tokenUrl ?? definition.auth.tokenUrl, definition: definition, variables: variables, what: "token")
    }

    /// Where refresh-token grants go: `auth.refreshUrl` where the provider has a separate
    /// endpoint (Acrobat Sign), else the token endpoint.
    func refreshURL(_ definition: ConnectorDefinition, variables: [String: String]) throws -> URL {
        guard let declared = definition.auth.refreshUrl else { return try tokenURL(definition, variables: variables) }
        return try url(endpoints[definition.id]?.refreshUrl ?? declared, definition: definition, variables: variables, what: "refresh")
    }

    /// The authorization endpoint of `definition` with the connection's variables filled in.
    func authorizeURL(_ definition: ConnectorDefinition, variables: [String: String]) throws -> URL {
        try url(
            endpoints[definition.id]?.authorizeUrl ?? definition.auth.authorizeUrl, definition: definition, variables: variables,
            what: "authorization")
    }

    /// `template` (a URL over `vars`) rendered for the connection, or `invalidInput` naming `what`.
    func url(_ template: String?, definition: ConnectorDefinition, variables: [String: String], what: String) throws -> URL {
        guard let template else { throw ConnectorError(.invalidDefinition, "\(definition.id) declares no \(what) URL") }
        let text = TemplateRenderer(scope: ["vars": .object(variables.mapValues { .string($0) })]).render(
            template, encode: TemplateRenderer.encodePathSegment)
        guard let url = URL(string: text), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw ConnectorError(.invalidInput, "The \(definition.id) \(what) URL is not valid (check the connection's variables)")
        }
        return url
    }

    /// Exchanges an authorization code (RFC 6749 §4.1.3; RFC 7636 §4.5 with `verifier`).
    func exchange(
        code: String, verifier: String?, redirectURI: String, definition: ConnectorDefinition,
        variables: [String: String]
    ) async throws -> OAuthTokenSet {
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI)]
        if let verifier { form.append(("code_verifier", verifier)) }
        return try await post(
            form, definition: definition, variables: variables, action: "oauth.exchange",
            secrets: [code] + (verifier.map { [$0] } ?? []), retry: .never)
    }

    /// A refresh-token grant (RFC 6749 §6). Never repeated when the provider rotates refresh
    /// tokens: a lost answer would leave only a dead token to repeat with.
    func refresh(refreshToken: String, definition: ConnectorDefinition, variables: [String: String]) async throws -> OAuthTokenSet {
        let rotates = definition.auth.refresh?.rotatesRefreshToken ?? false
        return try await post(
            [("grant_type", "refresh_token"), ("refresh_token", refreshToken)], definition: definition,
            variables: variables, action: "oauth.refresh", secrets: [refreshToken], retry: rotates ? .never : .safe,
            url: try refreshURL(definition, variables: variables))
    }

    /// Meta's exchange of a user token for a long-lived one (`grant_type=fb_exchange_token`),
    /// which is also how a long-lived token is renewed before it expires.
    func exchangeLongLived(accessToken: String, definition: ConnectorDefinition, variables: [String: String]) async throws -> OAuthTokenSet {
        try await post(
            [("grant_type", "fb_exchange_token"), ("fb_exchange_token", accessToken)], definition: definition,
            variables: variables, action: "oauth.exchangeLongLived", secrets: [accessToken], retry: .safe)
    }

    /// A client-credentials grant (RFC 6749 §4.4), with the definition's scopes and token
    /// parameters, as the app, or as the customer's own `client` where the definition takes one.
    func clientCredentials(
        definition: ConnectorDefinition, variables: [String: String], client: (id: String, secret: String)? = nil,
        identity: TLSClientIdentity? = nil
    ) async throws -> OAuthTokenSet {
        var form = [("grant_type", "client_credentials")]
        // Scopes may name the customer's host (Dynamics 365: `https://{{vars.orgHost}}/.default`).
        let renderer = TemplateRenderer(scope: ["vars": .object(variables.mapValues { .string($0) })])
        if let scopes = definition.auth.scopes, !scopes.isEmpty {
            form.append(("scope", scopes.map { renderer.render($0) }.joined(separator: definition.auth.scopeSeparator ?? " ")))
        }
        for (name, template) in (definition.auth.tokenParams ?? [:]).sorted(by: { $0.key < $1.key }) where renderer.isComplete(template) {
            form.append((name, renderer.render(template)))
        }
        return try await post(
            form, definition: definition, variables: variables, action: "oauth.clientCredentials", secrets: [], retry: .safe, customer: client,
            identity: identity)
    }

    /// Revokes `token` where the provider has a revocation endpoint (RFC 7009); best effort.
    func revoke(token: String, definition: ConnectorDefinition, variables: [String: String]) async -> Bool {
        if definition.auth.revokeStyle == "session" { return await signOut(token: token, definition: definition, variables: variables) }
        guard let template = endpoints[definition.id]?.revokeUrl ?? definition.auth.revokeUrl,
            let url = try? url(template, definition: definition, variables: variables, what: "revocation"),
            let app = try? app(definition)
        else { return false }
        let labels = OutboundLabels(connector: definition.id, action: "oauth.revoke")
        if url.path.hasSuffix("/me/permissions") {
            // Graph: `DELETE /me/permissions` with the user's token removes the app's grant.
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
            let request = OutboundRequest(
                method: "DELETE", url: url, urlTemplate: url.path, labels: labels, headers: headers, retry: .safe, secrets: [token])
            return (try? await client.send(request)) != nil
        }
        if definition.auth.revokeStyle == "bearer" {
            // Dropbox's auth/token/revoke: the access token as Bearer, no body; it disables the
            // refresh token it came from too. `token` is the refresh token where there is one, so
            // a fresh access token is asked for first (the stored one may have expired).
            let access = (try? await refresh(refreshToken: token, definition: definition, variables: variables))?.accessToken ?? token
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: "Authorization", value: "Bearer \(access)")
            let request = OutboundRequest(
                method: "POST", url: url, urlTemplate: url.path, labels: labels, headers: headers, retry: .safe, secrets: [token, access, app.secret])
            return (try? await client.send(request)) != nil
        }
        var form = [("token", token)]
        var headers = HTTPHeaders()
        clientAuthentication(definition, app: app, form: &form, headers: &headers)
        let body: Data
        if definition.auth.revokeStyle == "json" {
            // Intuit's tokens/revoke: the same members as a JSON object.
            headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            headers.replaceOrAdd(name: "Accept", value: "application/json")
            body = Data(
                JSONValue.object(Dictionary(form.map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { first, _ in first })).jsonText.utf8)
        } else {
            headers.replaceOrAdd(name: "Content-Type", value: "application/x-www-form-urlencoded")
            body = Data(Self.formEncode(form).utf8)
        }
        let request = OutboundRequest(
            method: "POST", url: url, urlTemplate: url.path, labels: labels,
            headers: headers, body: body, retry: .safe, secrets: [token, app.secret])
        return (try? await client.send(request)) != nil
    }

    /// Client authentication (RFC 6749 §2.3.1): HTTP basic, or the id and secret in the form.
    private func clientAuthentication(
        _ definition: ConnectorDefinition, app: (id: String, secret: String), form: inout [(String, String)],
        headers: inout HTTPHeaders
    ) {
        let idParam = definition.auth.clientIdParam ?? "client_id"
        if definition.auth.clientAuthentication == "basic" {
            let pair = Self.formComponent(app.id) + ":" + Self.formComponent(app.secret)
            headers.replaceOrAdd(name: "Authorization", value: "Basic " + Data(pair.utf8).base64EncodedString())
            // RFC 6749 §4.1.3: a confidential client still names itself in the code exchange.
            if form.first?.1 == "authorization_code" { form.append((idParam, app.id)) }
        } else {
            form.append((idParam, app.id))
            form.append(("client_secret", app.secret))
        }
    }

    private func post(
        _ fields: [(String, String)], definition: ConnectorDefinition, variables: [String: String], action: String,
        secrets: [String], retry: OutboundRequest.RetrySafety, customer: (id: String, secret: String)? = nil, url: URL? = nil,
        identity: TLSClientIdentity? = nil
    ) async throws -> OAuthTokenSet {
        let app = try customer ?? app(definition)
        let url = try url ?? tokenURL(definition, variables: variables)
        var form = fields
        var headers = HTTPHeaders()
        clientAuthentication(definition, app: app, form: &form, headers: &headers)
        let payload: Data
        if definition.auth.tokenRequestEncoding == "json" {
            headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            payload = Data(JSONValue.object(Dictionary(form.map { ($0.0, JSONValue.string($0.1)) }) { _, last in last }).jsonBytes)
        } else {
            headers.replaceOrAdd(name: "Content-Type", value: "application/x-www-form-urlencoded")
            payload = Data(Self.formEncode(form).utf8)
        }
        headers.replaceOrAdd(name: "Accept", value: "application/json")
        let rules = ProviderErrorRules(rules: definition.errors, connector: definition.id)
        var request = OutboundRequest(
            method: "POST", url: url, urlTemplate: url.path, labels: OutboundLabels(connector: definition.id, action: action),
            headers: headers, body: payload, retry: retry,
            secrets: secrets + [app.secret], messageReader: Self.messageReader(rules))
        request.clientIdentity = identity
        let response: OutboundResponse
        do {
            response = try await client.send(request)
        } catch let failure as OutboundError {
            throw Self.classify(failure, rules: rules, definition: definition)
        }
        let body = (try? JSONValue.parse([UInt8](response.body))) ?? .null
        if rules.isErrorDespiteSuccess(body) {
            let (code, message) = rules.read(body)
            throw ConnectorError(
                code.map { Self.oauthAuthCodes.contains($0) } == true ? .providerAuth : .providerRejected,
                "\(definition.id) refused the token request: \(message ?? code ?? "error")", providerCode: code)
        }
        if JSONPath.text(body["access_token"]) == nil, let code = JSONPath.text(body["error"]) {
            // An RFC 6749 §5.2 error with a 200 (GitHub's token endpoint answers so).
            let said = JSONPath.text(body["error_description"]).map { ": \($0)" } ?? ""
            let dead = Self.oauthAuthCodes.contains(code) || code == "bad_verification_code"
            throw ConnectorError(
                dead ? .providerAuth : .providerRejected, "\(definition.id) refused the token request (\(code))\(said)", providerCode: code)
        }
        guard let tokens = OAuthTokenSet.parse(body) else {
            throw ConnectorError(.providerRejected, "\(definition.id) answered the token request without an access_token")
        }
        return tokens
    }

    /// Error codes of RFC 6749 §5.2 that mean the grant itself is dead: a person must authorize again.
    static let oauthAuthCodes: Set<String> = ["invalid_grant", "invalid_token", "unauthorized_client", "access_denied"]

    /// Reads RFC 6749 §5.2 errors (`error`, `error_description`) or the provider's own shape.
    static func messageReader(_ rules: ProviderErrorRules) -> OutboundRequest.MessageReader {
        { data in
            guard let body = try? JSONValue.parse([UInt8](data)) else { return nil }
            if let code = JSONPath.text(body["error"]) {
                return code + "\u{1F}" + (JSONPath.text(body["error_description"]) ?? code)
            }
            let (code, message) = rules.read(body)
            guard code != nil || message != nil else { return nil }
            return (code ?? "") + "\u{1F}" + (message ?? "")
        }
    }

    /// The connector error of a failed token request: a dead grant needs a person
    /// (`providerAuth`), a refused app needs its operator, the rest as any provider call.
    static func classify(_ failure: OutboundError, rules: ProviderErrorRules, definition: ConnectorDefinition) -> ConnectorError {
        let (code, message) = ProviderErrorRules.split(failure.message)
        let said = message.map { ": \($0)" } ?? ""
        if code == "invalid_client", definition.auth.takesCustomerClient {
            // The connection's own credential was deleted or its secret rotated: its owner must reconnect.
            return ConnectorError(.providerAuth, "\(definition.id) refused the connection's client id and secret\(said)", providerCode: code)
        }
        if code == "invalid_client" {
            return ConnectorError(
                .providerRejected,
                "\(definition.id) refused the app credentials (check \(definition.environmentPrefix)_CLIENT_ID and "
                    + "\(definition.environmentPrefix)_CLIENT_SECRET)\(said)", providerCode: code)
        }
        if let code, oauthAuthCodes.contains(code) {
            return ConnectorError(.providerAuth, "\(definition.id) refused the authorization\(said)", providerCode: code)
        }
        return rules.error(from: failure)
    }

    /// RFC 3986 unreserved characters, ASCII only.
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func formEncode(_ fields: [(String, String)]) -> String {
        fields.map { "\(formComponent($0.0))=\(formComponent($0.1))" }.joined(separator: "&")
    }

    /// `application/x-www-form-urlencoded` escaping (unreserved characters kept).
    static func formComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
