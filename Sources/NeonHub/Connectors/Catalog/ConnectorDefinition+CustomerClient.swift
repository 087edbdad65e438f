import Foundation

extension ConnectorDefinition.Auth {
    /// A client-credentials grant with the customer's own client (Greenhouse Harvest v3: each
    /// organization creates its credential in its Dev Center): the connection gives `clientId`
    /// and `clientSecret`, the secret is vaulted with the token, and refreshes use them instead
    /// of the deployment's `<CONNECTOR>_CLIENT_ID` / `_CLIENT_SECRET`.
    var takesCustomerClient: Bool {
        let certificate = clientCertificate.map { Set([$0.certificate, $0.privateKey]) } ?? []
        return type == "oauth2_client_credentials" && Set((credentials ?? []).map(\.name)).subtracting(certificate) == ["clientId", "clientSecret"]
    }

    /// The connection's TLS client identity where the definition declares one
    /// (`clientCertificate`), from its fields (`values`: the variables and opened secrets); nil
    /// otherwise. A missing field is `vaultUnreadable` (the connection must be made again); a
    /// certificate that is not one, a key that is not one or not the certificate's is
    /// `invalidInput` naming the field, never its content; an expired certificate is
    /// `providerAuth` (a person must upload a new one: the connection needs attention).
    func clientIdentity(_ values: [String: String]) throws -> TLSClientIdentity? {
        guard let fields = clientCertificate else { return nil }
        guard let certificate = values[fields.certificate], !certificate.isEmpty else {
            throw ConnectorError(.vaultUnreadable, "This connection has no stored \(fields.certificate): reconnect it")
        }
        guard let key = values[fields.privateKey], !key.isEmpty else {
            throw ConnectorError(.vaultUnreadable, "This connection has no stored \(fields.privateKey): reconnect it")
        }
        do {
            try ClientCertificateCheck.check(certificatePEM: certificate, privateKeyPEM: key)
        } catch let problem where problem == .notACertificate || problem == .notYetValid {
            throw ConnectorError(.invalidInput, "Invalid credential \(fields.certificate): \(problem)")
        } catch .expired {
            throw ConnectorError(
                .providerAuth, "The client certificate (\(fields.certificate)) has expired: have a new one issued and connect again")
        } catch let problem {
            throw ConnectorError(.invalidInput, "Invalid credential \(fields.privateKey): \(problem)")
        }
        return TLSClientIdentity(certificateChainPEM: certificate, privateKeyPEM: key)
    }

    /// The customer's client id and secret from a connection's credentials where the definition
    /// takes them (nil otherwise); a missing one is `invalidInput` naming it.
    func customerClient(_ credentials: [String: String]) throws -> (id: String, secret: String)? {
        guard takesCustomerClient else { return nil }
        let missing = ["clientId", "clientSecret"].filter { credentials[$0]?.isEmpty ?? true }
        guard missing.isEmpty else { throw ConnectorError(.invalidInput, "Missing credentials: \(missing.joined(separator: ", "))") }
        return (credentials["clientId"] ?? "", credentials["clientSecret"] ?? "")
    }
}

extension ConnectorDefinition {
    /// Where a connection's TLS client certificate is (ADP's mutual TLS): the credential field
    /// with the PEM certificate (chain) and the secret one with its PEM private key.
    public struct ClientCertificate: Codable, Sendable {
        public var certificate: String
        public var privateKey: String
    }
}
