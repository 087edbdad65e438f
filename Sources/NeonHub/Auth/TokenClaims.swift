import Foundation

/// Typed, fail-closed access to a token's claim set.
struct TokenClaims {
    let values: [String: JSONValue]

    /// A claim that must be present as a non-empty string.
    func requiredString(_ name: StaticString) throws(AuthError) -> String {
        guard let value = try optionalString(name) else { throw .invalidClaim(name) }
        return value
    }

    /// A tenant id from a claim: tenants starting with `_` are the server's own (`_system`, the
    /// queue's recurring work) and no token may act in one.
    static func tenant(_ value: String, claim: StaticString) throws(AuthError) -> String {
        guard !value.hasPrefix(AuthIdentity.reservedTenantPrefix) else { throw .invalidClaim(claim) }
        return value
    }

    /// A claim that, when present, must be a non-empty string.
    func optionalString(_ name: StaticString) throws(AuthError) -> String? {
        switch values[name.description] {
        case nil: return nil
        case .string(let text)? where !text.isEmpty: return text
        default: throw .invalidClaim(name)
        }
    }

    /// A claim that, when present, must be a number.
    func optionalNumber(_ name: StaticString) throws(AuthError) -> Double? {
        switch values[name.description] {
        case nil: return nil
        case .number(let number)?: return number
        default: throw .invalidClaim(name)
        }
    }

    /// Checks `exp` (required), `nbf` and `iat` (optional, numbers) against `now` with `leeway` seconds.
    func checkValidity(now: Date, leeway: TimeInterval) throws(AuthError) {
        guard let expiry = try optionalNumber("exp") else { throw .invalidClaim("exp") }
        let current = now.timeIntervalSince1970
        guard expiry + leeway > current else { throw .expired }
        if let notBefore = try optionalNumber("nbf") {
            guard notBefore <= current + leeway else { throw .notYetValid }
        }
        _ = try optionalNumber("iat")
    }
}
