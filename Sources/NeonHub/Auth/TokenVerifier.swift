public import Foundation

/// Verifies the bearer tokens the tRPC layer accepts and turns them into an `AuthIdentity`.
///
/// Two formats, told apart by their number of compact-serialisation parts:
/// - 3 parts: an HS256 JWT signed with `JWT_SECRET` (`alg` pinned to HS256, signature compared in
///   constant time before any claim is read; `sub`, `tenantId`, `role`, `exp` required).
/// - 5 parts: a stock NextAuth v4 session token (JWE `dir` + `A256GCM`, key derived from
///   `NEXTAUTH_SECRET` with HKDF-SHA256), accepted only when that secret is configured.
///
/// `exp` and `nbf` are checked with `leeway` seconds of clock skew either way.
public struct TokenVerifier: Sendable {
    /// Longer inputs are refused before any decoding (NextAuth caps a cookie chunk at 4 KiB).
    public static let maximumTokenLength = 16 * 1024
    /// The shortest `JWT_SECRET` that is honoured; a shorter one leaves bearer tokens disabled.
    public static let minimumSecretLength = 32
    /// HKDF `info` NextAuth v4 uses for its session-token encryption key.
    static let nextAuthKeyInfo = Array("NextAuth.js Generated Encryption Key".utf8)

    let jwtKey: [UInt8]?
    let nextAuthKey: [UInt8]?
    let leeway: TimeInterval
    let now: @Sendable () -> Date

    /// Creates a verifier.
    ///
    /// - Parameters:
    ///   - jwtSecret: `JWT_SECRET`; nil (or shorter than `minimumSecretLength` bytes) refuses every HS256 token.
    ///   - nextAuthSecret: `NEXTAUTH_SECRET`; nil or empty refuses every NextAuth session token.
    ///   - leeway: allowed clock skew, in seconds, on `exp` and `nbf`.
    ///   - now: the clock (injectable for tests).
    public init(
        jwtSecret: String?, nextAuthSecret: String?, leeway: TimeInterval = 30,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        if let jwtSecret, jwtSecret.utf8.count >= Self.minimumSecretLength {
            jwtKey = Array(jwtSecret.utf8)
        } else {
            jwtKey = nil
        }
        if let nextAuthSecret, !nextAuthSecret.isEmpty {
            nextAuthKey = HKDFSHA256.derive(
                inputKeyMaterial: Array(nextAuthSecret.utf8), salt: [], info: Self.nextAuthKeyInfo,
                outputLength: AESGCM.keySize)
        } else {
            nextAuthKey = nil
        }
        self.leeway = max(0, leeway)
        self.now = now
    }

    /// Verifies `token` (without the "Bearer " prefix) and returns whom it identifies.
    ///
    /// - Throws: `AuthError` with a short reason; the reason never contains the token or a secret.
    public func verify(_ token: String) throws(AuthError) -> AuthIdentity {
        guard token.utf8.count <= Self.maximumTokenLength else { throw .tooLarge }
        let parts = token.split(separator: ".", maxSplits: 5, omittingEmptySubsequences: false)
        switch parts.count {
        case 3: return try verifySignedToken(parts)
        case 5: return try verifySessionToken(parts)
        default: throw .malformed
        }
    }
}
