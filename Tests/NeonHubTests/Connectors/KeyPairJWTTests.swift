import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// Key-pair (Snowflake JWT) auth, the platform piece: the JWT our signer makes is checked with
/// the openssl tool — the signature with `openssl dgst -sha256 -verify`, the fingerprint as
/// Snowflake's docs compute it (https://docs.snowflake.com/en/user-guide/key-pair-auth) — and
/// the claims against https://docs.snowflake.com/en/developer-guide/sql-api/authenticating.
@Suite(.enabled(if: OpenSSLCommand.isAvailable, "needs the openssl tool")) struct KeyPairJWTTests {
    /// Throwaway keys, made once per test process by the openssl tool.
    static var key: (privateKey: String, publicKey: String) { OpenSSLCommand.testKeys.registered }

    static func decode(_ part: Substring) throws -> [String: Any] {
        let bytes = try #require(Base64URL.decode(part))
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func theJWTVerifiesWithOpenSSLAndCarriesTheDocumentedClaims() async throws {
        await OpenSSLCommand.warmTestKeys()
        let signer = try KeyPairJWT(account: "myorg-marketing", user: "neonhub_svc", privateKeyPEM: Self.key.privateKey)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let token = try signer.token(at: now)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        let signature = try #require(Base64URL.decode(parts[2]))
        #expect(
            try await OpenSSLCommand.verifyRS256(
                message: Data("\(parts[0]).\(parts[1])".utf8), signature: Data(signature), publicKey: Self.key.publicKey))
        // One changed byte of the signed text no longer verifies.
        #expect(
            try await OpenSSLCommand.verifyRS256(
                message: Data("\(parts[0]).\(parts[1])x".utf8), signature: Data(signature), publicKey: Self.key.publicKey) == false)

        let header = try Self.decode(parts[0])
        #expect(header["alg"] as? String == "RS256")
        #expect(header["typ"] as? String == "JWT")
        let claims = try Self.decode(parts[1])
        let fingerprint = try await OpenSSLCommand.snowflakeFingerprint(publicKey: Self.key.publicKey)
        #expect(signer.fingerprint == fingerprint)
        #expect(claims["sub"] as? String == "MYORG-MARKETING.NEONHUB_SVC")
        #expect(claims["iss"] as? String == "MYORG-MARKETING.NEONHUB_SVC.\(fingerprint)")
        let iat = try #require(claims["iat"] as? Int), exp = try #require(claims["exp"] as? Int)
        #expect(iat == 1_800_000_000)
        #expect(exp > iat && exp - iat <= 3600)
        // The private key appears nowhere in what the signer shows.
        #expect(!"\(signer)".contains("PRIVATE"))
        #expect("\(signer)" == "KeyPairJWT(MYORG-MARKETING.NEONHUB_SVC)")
    }

    @Test func anAccountLocatorLosesItsRegionAndTheLifetimeIsCappedAtAnHour() async throws {
        await OpenSSLCommand.warmTestKeys()
        #expect(KeyPairJWT.accountForClaims("xy12345.us-east-1") == "XY12345")
        #expect(KeyPairJWT.accountForClaims("xy12345.us-east-2.aws") == "XY12345")
        #expect(KeyPairJWT.accountForClaims("myorg-marketing") == "MYORG-MARKETING")
        let signer = try KeyPairJWT(account: "xy12345.eu-west-1", user: "Ana", privateKeyPEM: Self.key.privateKey, lifetime: 86_400)
        #expect(signer.lifetime == 3600)
        let claims = try Self.decode(try signer.token().split(separator: ".")[1])
        #expect(claims["sub"] as? String == "XY12345.ANA")
        #expect((claims["exp"] as? Int ?? 0) - (claims["iat"] as? Int ?? 0) == 3600)
    }

    @Test func eachRequestGetsAFreshlySignedToken() async throws {
        await OpenSSLCommand.warmTestKeys()
        let signer = try KeyPairJWT(account: "myorg-marketing", user: "svc", privateKeyPEM: Self.key.privateKey)
        let first = try ConnectorCredentials.keyPair(signer).forRequest(at: Date(timeIntervalSince1970: 1_800_000_000))
        let later = try ConnectorCredentials.keyPair(signer).forRequest(at: Date(timeIntervalSince1970: 1_800_000_030))
        guard case .token(let a) = first, case .token(let b) = later else { Issue.record("a key pair is sent as a bearer token"); return }
        #expect(a != b)
        #expect(first.secrets == [a], "the signed JWT is what the redactor is told about")
    }

    @Test func keysThatCannotSignAreRefusedByNameWithoutTheirContent() async throws {
        await OpenSSLCommand.warmTestKeys()
        let encrypted: Data = try await OpenSSLCommand.run(
            ["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:secret"], input: Data(Self.key.privateKey.utf8))
        let short: Data = try await OpenSSLCommand.run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"])
        let truncated = String(Self.key.privateKey.prefix(200)) + "\n-----END PRIVATE KEY-----\n"
        let cases: [(String, RSAPrivateKey.ReadError)] = [
            ("not a key", .notAPrivateKey),
            (truncated, .notAPrivateKey),
            (Self.key.publicKey, .notAPrivateKey),
            (String(decoding: encrypted, as: UTF8.self), .encrypted),
            (try await OpenSSLCommand.ecPrivateKey(), .notRSA),
            (String(decoding: short, as: UTF8.self), .tooShort(bits: 1024)),
        ]
        for (pem, expected) in cases {
            #expect(throws: expected) { _ = try RSAPrivateKey(pem: pem) }
        }
        // At the service: invalidInput naming the field, never the key.
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let definition = try #require(catalog["snowflake"]?.definition)
        let error = #expect(throws: ConnectorError.self) {
            _ = try ConnectorService.credential(definition, ["accountIdentifier": "myorg-marketing", "user": "svc", "privateKey": truncated])
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("privateKey") == true)
        #expect(error?.message.contains("MII") == false)
        let good = try ConnectorService.credential(
            definition, ["accountIdentifier": "myorg-marketing", "user": "svc", "privateKey": Self.key.privateKey])
        guard case .keyPair(let signer) = good.credentials else { Issue.record("snowflake connects with a key pair"); return }
        #expect(signer.subject == "MYORG-MARKETING.SVC")
        #expect(!good.canRefresh)
    }
}
