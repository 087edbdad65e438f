/// Why a token was refused. The reason is short, fixed text: it never contains the token,
/// a claim value or a secret, so it is safe to log (clients should only ever see "invalid_token").
public struct AuthError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A short, secret-free explanation, e.g. "token expired".
    public let reason: String

    /// Creates an error with a fixed reason.
    init(_ reason: String) { self.reason = reason }

    /// The reason.
    public var description: String { reason }

    static let malformed = AuthError("malformed token")
    static let tooLarge = AuthError("token too large")
    static let bearerNotConfigured = AuthError("bearer tokens are not configured")
    static let sessionNotConfigured = AuthError("session tokens are not configured")
    static let unsupportedAlgorithm = AuthError("unsupported algorithm")
    static let unsupportedType = AuthError("unsupported token type")
    static let criticalHeader = AuthError("unsupported critical header")
    static let unsupportedEncryption = AuthError("unsupported encryption")
    static let badSignature = AuthError("invalid signature")
    static let decryptionFailed = AuthError("token decryption failed")
    static let expired = AuthError("token expired")
    static let notYetValid = AuthError("token not yet valid")

    /// A required claim is absent or has the wrong type; names only the claim.
    static func invalidClaim(_ name: StaticString) -> AuthError { AuthError("missing or invalid claim: \(name)") }
}
