import Foundation
import HTTPFields

extension SecretRedactor {
    /// A redactor for everything `request` carries that is secret: its registered secrets,
    /// the values of secret-named headers (`Authorization`, `X-Api-Key`, `Cookie`, …, with and
    /// without their scheme) and of secret-named query parameters.
    init(for request: OutboundRequest, maxLength: Int?) {
        var secrets = request.secrets
        if let identity = request.clientIdentity { secrets.append(identity.privateKeyPEM) }
        for field in request.headers where Self.isSecretHeader(field.name) {
            secrets.append(field.value)
            if let space = field.value.firstIndex(of: " ") {
                secrets.append(String(field.value[field.value.index(after: space)...]).trimmingCharacters(in: .whitespaces))
            }
        }
        let items = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        for item in items where SecretPatterns.isSecretName(item.name) {
            if let value = item.value { secrets.append(value) }
        }
        self.init(secrets: secrets, maxLength: maxLength)
    }

    /// Headers whose values are credentials.
    static func isSecretHeader(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return lowered == "authorization" || lowered == "proxy-authorization" || lowered == "cookie"
            || lowered.hasSuffix("-key") || SecretPatterns.isSecretName(lowered)
    }
}
