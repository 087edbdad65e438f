import Foundation

/// The credential and variable rules of a connection: what `connect` derives and checks, and
/// the request credential built from a connection's opened fields.
extension ConnectorService {
    /// `variables` with every variable the caller left out that the definition derives from a
    /// credential (`fromCredentialSuffix`: the text after the credential's last `-`) filled in.
    /// Only the suffix is kept, never the credential itself.
    static func derivingVariables(_ definition: ConnectorDefinition, _ variables: [String: String], credentials: [String: String]) -> [String: String]
    {
        var filled = variables
        for variable in definition.variables ?? [] where filled[variable.name]?.isEmpty ?? true {
            guard let source = variable.fromCredentialSuffix, let secret = credentials[source], let dash = secret.lastIndex(of: "-") else { continue }
            let suffix = String(secret[secret.index(after: dash)...])
            if !suffix.isEmpty { filled[variable.name] = suffix }
        }
        return filled
    }

    /// Every credential field the definition declares must be given, but those marked `optional`.
    static func requireCredentials(_ definition: ConnectorDefinition, _ credentials: [String: String]) throws {
        let missing = (definition.auth.credentials ?? []).filter { $0.optional != true && credentials[$0.name]?.isEmpty ?? true }.map(\.name)
        guard missing.isEmpty else { throw ConnectorError(.invalidInput, "Missing credentials: \(missing.joined(separator: ", "))") }
    }

    /// Every declared variable must be given and match its pattern, but those each call takes
    /// from its account (`fromAccount`).
    func checkVariables(_ definition: ConnectorDefinition, _ variables: [String: String], beforeAuthorization: Bool = false) throws {
        for variable in definition.variables ?? [] where variable.fromAccount == nil {
            guard let value = variables[variable.name], !value.isEmpty else {
                if variable.optional == true || beforeAuthorization && definition.arrivesWithAuthorization(variable.name) { continue }
                throw ConnectorError(.invalidInput, "Missing variable \(variable.name): \(variable.description)")
            }
            if let pattern = variable.pattern, let regex = NSRegularExpressionBox(pattern), !regex.matches(value) {
                throw ConnectorError(.invalidInput, "Variable \(variable.name) does not match \(pattern)")
            }
        }
    }

    /// A key-pair signer from the connection's account variable, user and private key; a key
    /// that cannot sign is `invalidInput` naming the field (never its content).
    static func keyPairCredential(_ keyPair: ConnectorDefinition.KeyPair, _ values: [String: String]) throws -> ConnectorCredentialsValue {
        guard keyPair.scheme == "snowflake_jwt" else {
            throw ConnectorError(.invalidDefinition, "Key-pair scheme \(keyPair.scheme.prefix(32)) is not supported")
        }
        guard let account = values[keyPair.account], !account.isEmpty else {
            throw ConnectorError(.invalidInput, "Missing variable \(keyPair.account)")
        }
        guard let user = values[keyPair.user], !user.isEmpty else { throw ConnectorError(.invalidInput, "Missing credentials: \(keyPair.user)") }
        guard let pem = values[keyPair.privateKey], !pem.isEmpty else {
            throw ConnectorError(.vaultUnreadable, "This connection has no stored \(keyPair.privateKey)")
        }
        do {
            return .keyPair(try KeyPairJWT(account: account, user: user, privateKeyPEM: pem))
        } catch {
            throw ConnectorError(.invalidInput, "Invalid credential \(keyPair.privateKey): \(error.description)")
        }
    }

    /// The request credential from the connection's fields, presented with the connection's
    /// TLS client certificate where the definition declares one (ADP).
    static func credential(_ definition: ConnectorDefinition, _ values: [String: String]) throws -> ConnectorCredentialsValue {
        try requestCredential(definition, values).presenting(try definition.auth.clientIdentity(values))
    }

    /// The request credential from the connection's fields: basic auth for `basic`, else the
    /// first secret field (or the OAuth access token) as a token.
    private static func requestCredential(_ definition: ConnectorDefinition, _ values: [String: String]) throws -> ConnectorCredentialsValue {
        let fields = definition.auth.credentials ?? []
        if definition.auth.type == "key_pair", let keyPair = definition.auth.keyPair {
            return try keyPairCredential(keyPair, values)
        }
        if definition.auth.type == "basic", let password = definition.auth.basicPassword {
            return .basic(user: fields.first.flatMap { values[$0.name] } ?? "", password: password)
        }
        if definition.auth.type == "basic" {
            let user = fields.first { !$0.secret }.flatMap { values[$0.name] } ?? fields.first.flatMap { values[$0.name] } ?? ""
            let password = fields.last { $0.secret }.flatMap { values[$0.name] } ?? ""
            return .basic(user: user, password: password)
        }
        if let token = values["accessToken"] { return .token(token, canRefresh: TokenRefresher.canRefresh(definition)) }
        // A sign-in's credentials are never a request's token (Tableau's PAT secret): only its session is.
        guard definition.auth.signIn == nil else { throw ConnectorError(.vaultUnreadable, "This connection has no session token: reconnect it") }
        // Nor are a client-credentials grant's (ADP's client secret, its certificate's key): only its token is.
        guard definition.auth.type != "oauth2_client_credentials" else {
            throw ConnectorError(.vaultUnreadable, "This connection has no access token: reconnect it")
        }
        guard let secret = fields.first(where: { $0.secret }).flatMap({ values[$0.name] }) else {
            throw ConnectorError(.vaultUnreadable, "This connection has no stored credential")
        }
        return .token(secret)
    }
}
