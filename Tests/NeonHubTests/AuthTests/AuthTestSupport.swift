import Foundation
import Testing

@testable import NeonHub

/// Parent suite of every auth test, so `swift test --filter AuthTests` selects them all.
@Suite enum AuthTests {}

/// Shared values and token builders for the auth tests.
enum AuthFixtures {
    static let jwtSecret = "neonhub-test-jwt-secret-0123456789abcdef"
    static let nowSeconds: TimeInterval = 1_750_000_000
    static let now = Date(timeIntervalSince1970: nowSeconds)

    /// A verifier with only JWT_SECRET and a fixed clock.
    static func verifier(jwtSecret: String? = jwtSecret, nextAuthSecret: String? = nil, at seconds: TimeInterval = nowSeconds)
        -> TokenVerifier
    {
        TokenVerifier(jwtSecret: jwtSecret, nextAuthSecret: nextAuthSecret, now: { Date(timeIntervalSince1970: seconds) })
    }

    /// Valid HS256 claims at `now`, as JSON members; tests drop or override members.
    static func claims(dropping dropped: Set<String> = [], overriding extra: [String: String] = [:]) -> String {
        var members: [String: String] = [
            "sub": #""user-1""#, "tenantId": #""tenant-1""#, "role": #""admin""#,
            "iat": "\(Int(nowSeconds))", "exp": "\(Int(nowSeconds) + 600)",
        ]
        for key in dropped { members.removeValue(forKey: key) }
        for (key, value) in extra { members[key] = value }
        return "{" + members.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
    }

    /// A JWS with arbitrary header and claims JSON, HMAC-SHA256-signed with `secret`.
    static func signed(header: String = #"{"alg":"HS256","typ":"JWT"}"#, claims: String = claims(), secret: String = jwtSecret)
        -> String
    {
        JWTSigner.sign(
            header: Base64URL.encode(Array(header.utf8)), payload: Base64URL.encode(Array(claims.utf8)), secret: secret)
    }

    /// A NextAuth-v4-shaped JWE built with the Swift primitives (for cases the Python fixture does not cover).
    static func sessionToken(claims: String, secret: String, header: String = #"{"alg":"dir","enc":"A256GCM"}"#)
        throws -> String
    {
        let key = HKDFSHA256.derive(
            inputKeyMaterial: Array(secret.utf8), salt: [], info: Array("NextAuth.js Generated Encryption Key".utf8),
            outputLength: 32)
        let encodedHeader = Base64URL.encode(Array(header.utf8))
        let nonce = SecureRandom.bytes(12)
        let sealed = try AESGCM.seal(plaintext: Array(claims.utf8), key: key, nonce: nonce, aad: Array(encodedHeader.utf8))
        return [encodedHeader, "", Base64URL.encode(nonce), Base64URL.encode(sealed.ciphertext), Base64URL.encode(sealed.tag)]
            .joined(separator: ".")
    }

    /// The tokens written by `Fixtures/nextauth/make_token.py`.
    struct NextAuthFixture: Decodable {
        struct Entry: Decodable { let token: String }
        let secret: String
        let withTenant: Entry
        let withoutTenant: Entry
    }

    /// Loads `Fixtures/nextauth/tokens.json`, found relative to this source file.
    static func nextAuthFixture() throws -> NextAuthFixture {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/nextauth/tokens.json")
        return try JSONDecoder().decode(NextAuthFixture.self, from: Data(contentsOf: url))
    }
}

/// Runs `body` and returns the `AuthError` it threw, or nil if it succeeded.
///
/// (Closures do not infer typed throws yet, so `body` is untyped; any other error is surfaced as a
/// distinct `AuthError` that no expectation matches.)
func authError(_ body: () throws -> AuthIdentity) -> AuthError? {
    do {
        _ = try body()
        return nil
    } catch let error as AuthError {
        return error
    } catch {
        return AuthError("unexpected error type: \(error)")
    }
}
