/// Proof Key for Code Exchange (RFC 7636) with the S256 method: a fresh 256-bit verifier per
/// authorization, and its challenge `BASE64URL(SHA256(verifier))`.
enum PKCE {
    /// 43 characters of the unreserved alphabet (RFC 7636 §4.1): 32 random bytes, base64url.
    static func makeVerifier() -> String { Base64URL.encode(SecureRandom.bytes(32)) }

    /// The S256 challenge of `verifier` (RFC 7636 §4.2).
    static func challenge(of verifier: String) -> String { Base64URL.encode(SHA256Digest.digest(Array(verifier.utf8))) }
}
