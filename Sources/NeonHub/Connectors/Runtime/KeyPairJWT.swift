public import Foundation

/// Key-pair authentication as Snowflake defines it
/// (https://docs.snowflake.com/en/developer-guide/sql-api/authenticating,
/// https://docs.snowflake.com/en/user-guide/key-pair-auth): a JWT signed RS256 with the user's
/// private key, whose claims are
/// - `iss` = `<ACCOUNT>.<USER>.SHA256:<fingerprint>`, the fingerprint being the base64
///   (standard alphabet, padded) SHA-256 of the public key's DER `SubjectPublicKeyInfo` — what
///   `DESCRIBE USER` shows as `RSA_PUBLIC_KEY_FP`;
/// - `sub` = `<ACCOUNT>.<USER>`; account and user upper-case, an account locator without its
///   region (`xy12345.us-east-1` → `XY12345`);
/// - `iat` and `exp` in seconds; Snowflake honours a JWT for at most one hour after `iat`.
///
/// A fresh JWT is signed for every request (`token(at:)`), so none is kept or reused: the
/// header `Authorization: Bearer <jwt>` always carries one issued seconds ago. The private
/// key never leaves this value; `description` names the account and user only.
public struct KeyPairJWT: Sendable, CustomStringConvertible {
    /// `<ACCOUNT>.<USER>`, the `sub` claim.
    public let subject: String
    /// `SHA256:<base64 fingerprint>` of the public key.
    public let fingerprint: String
    /// Seconds from `iat` to `exp` (at most 3600).
    public let lifetime: Int
    private let key: RSAPrivateKey

    /// The longest lifetime Snowflake honours.
    public static let maximumLifetime = 3600

    /// A signer for `user` of `account` (the account identifier as in the host name, or a
    /// locator with its region), with `privateKeyPEM`; `lifetime` is capped at one hour.
    public init(account: String, user: String, privateKeyPEM: String, lifetime: Int = 3540) throws(RSAPrivateKey.ReadError) {
        key = try RSAPrivateKey(pem: privateKeyPEM)
        subject = Self.accountForClaims(account) + "." + user.uppercased()
        fingerprint = "SHA256:" + Data(SHA256Digest.digest(key.publicKeyDER)).base64EncodedString()
        self.lifetime = min(max(lifetime, 60), Self.maximumLifetime)
    }

    /// The account part of the claims: upper-case, without a locator's region and cloud.
    public static func accountForClaims(_ account: String) -> String {
        String(account.split(separator: ".", maxSplits: 1).first ?? Substring(account)).uppercased()
    }

    /// The `iss` claim.
    public var issuer: String { subject + "." + fingerprint }

    /// A JWT issued at `now` (whole seconds), valid for `lifetime` seconds.
    public func token(at now: Date = Date()) throws -> String {
        let issued = Int(now.timeIntervalSince1970)
        let header = JSONValue.object(["alg": .string("RS256"), "typ": .string("JWT")])
        let claims = JSONValue.object([
            "iss": .string(issuer), "sub": .string(subject),
            "iat": .number(Double(issued)), "exp": .number(Double(issued + lifetime)),
        ])
        let signingInput = Base64URL.encode(header.jsonBytes) + "." + Base64URL.encode(claims.jsonBytes)
        let signature = try key.signRS256(Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }

    public var description: String { "KeyPairJWT(\(subject))" }
}
