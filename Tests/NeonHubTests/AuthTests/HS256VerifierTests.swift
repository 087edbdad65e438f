import Foundation
import Testing

@testable import NeonHub

extension AuthTests {
    /// HS256 bearer tokens: the happy path and every refusal the design requires.
    @Suite struct HS256VerifierTests {
        let verifier = AuthFixtures.verifier()

        @Test func signerTokenIsAcceptedWithItsIdentity() throws {
            let token = JWTSigner.hs256(
                subject: "user-9", tenantID: "tenant-3", role: .admin, ttl: 3600, secret: AuthFixtures.jwtSecret,
                now: AuthFixtures.now)
            #expect(try verifier.verify(token) == AuthIdentity(subject: "user-9", tenantID: "tenant-3", role: .admin))
            #expect(token.hasPrefix("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."))
        }

        @Test func signerWritesStandardClaimsAndEscapesStrings() throws {
            let token = JWTSigner.hs256(
                subject: "a\"b\\c\n", tenantID: "t/1", role: .user, ttl: 60.9, secret: AuthFixtures.jwtSecret,
                now: Date(timeIntervalSince1970: 1000.7))
            let payload = try #require(Base64URL.decode(token.split(separator: ".")[1]))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
            #expect(json["sub"] as? String == "a\"b\\c\n")
            #expect(json["tenantId"] as? String == "t/1")
            #expect(json["role"] as? String == "user")
            #expect(json["iat"] as? Int == 1000)
            #expect(json["exp"] as? Int == 1060)
            let identity = try AuthFixtures.verifier(at: 1000).verify(token)
            #expect(identity == AuthIdentity(subject: "a\"b\\c\n", tenantID: "t/1", role: .user))
        }

        @Test func handBuiltTokenWithOptionalClaimsIsAccepted() throws {
            let token = AuthFixtures.signed(claims: AuthFixtures.claims(overriding: ["nbf": "\(Int(AuthFixtures.nowSeconds))"]))
            #expect(try verifier.verify(token) == AuthIdentity(subject: "user-1", tenantID: "tenant-1", role: .admin))
        }

        @Test func algNoneWithEmptySignatureIsRefused() {
            let header = Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8))
            let payload = Base64URL.encode(Array(AuthFixtures.claims().utf8))
            #expect(authError { try verifier.verify("\(header).\(payload).") } == .unsupportedAlgorithm)
        }

        @Test(arguments: [
            #"{"alg":"HS512","typ":"JWT"}"#, #"{"alg":"RS256","typ":"JWT"}"#, #"{"alg":"hs256"}"#, #"{"typ":"JWT"}"#,
            #"{"alg":["HS256"]}"#, #"{"alg":null}"#,
        ])
        func otherAlgorithmsAreRefusedEvenWithAValidHMAC(header: String) {
            // The signature is a correct HMAC-SHA256 with the secret: only the alg pin refuses it.
            let token = AuthFixtures.signed(header: header)
            #expect(authError { try verifier.verify(token) } == .unsupportedAlgorithm)
        }

        @Test func critHeaderIsRefused() {
            let token = AuthFixtures.signed(header: #"{"alg":"HS256","typ":"JWT","crit":["exp"],"exp":1}"#)
            #expect(authError { try verifier.verify(token) } == .criticalHeader)
        }

        @Test func typOtherThanJWTIsRefusedButAbsentTypIsFine() throws {
            #expect(
                authError { try verifier.verify(AuthFixtures.signed(header: #"{"alg":"HS256","typ":"JWE"}"#)) }
                    == .unsupportedType)
            #expect(try verifier.verify(AuthFixtures.signed(header: #"{"alg":"HS256"}"#)).subject == "user-1")
        }

        @Test func expiryHasThirtySecondsOfLeeway() throws {
            let now = Int(AuthFixtures.nowSeconds)
            let within = AuthFixtures.signed(claims: AuthFixtures.claims(overriding: ["exp": "\(now - 29)"]))
            #expect(try verifier.verify(within).tenantID == "tenant-1")
            let atEdge = AuthFixtures.signed(claims: AuthFixtures.claims(overriding: ["exp": "\(now - 30)"]))
            #expect(authError { try verifier.verify(atEdge) } == .expired)
            let beyond = AuthFixtures.signed(claims: AuthFixtures.claims(overriding: ["exp": "\(now - 31)"]))
            #expect(authError { try verifier.verify(beyond) } == .expired)
            // The same token is fine while the clock is earlier.
            #expect(try AuthFixtures.verifier(at: AuthFixtures.nowSeconds - 100).verify(beyond).subject == "user-1")
        }

        @Test func notBeforeInTheFutureIsRefusedBeyondLeeway() throws {
            let now = Int(AuthFixtures.nowSeconds)
            let future = AuthFixtures.signed(claims: AuthFixtures.claims(overriding: ["nbf": "\(now + 31)"]))
            #expect(authError { try verifier.verify(future) } == .notYetValid)
            let withinLeeway = AuthFixtures.signed(claims: AuthFixtures.claims(overriding: ["nbf": "\(now + 29)"]))
            #expect(try verifier.verify(withinLeeway).role == .admin)
        }

        @Test func tamperedPayloadWithOriginalSignatureIsRefused() throws {
            let original = AuthFixtures.signed()
            #expect(try verifier.verify(original).tenantID == "tenant-1")
            let parts = original.split(separator: ".")
            let forged = Base64URL.encode(Array(AuthFixtures.claims(overriding: ["tenantId": #""tenant-2""#]).utf8))
            #expect(authError { try verifier.verify("\(parts[0]).\(forged).\(parts[2])") } == .badSignature)
        }

        @Test func wrongSecretIsRefused() {
            let token = AuthFixtures.signed(secret: "another-secret-that-is-long-enough-000000")
            #expect(authError { try verifier.verify(token) } == .badSignature)
        }

        @Test func truncatedOrEmptySignatureIsRefused() {
            // 43 base64url characters hold the 32-byte MAC; 40 decode cleanly to 30 bytes.
            let token = AuthFixtures.signed()
            #expect(authError { try verifier.verify(String(token.dropLast(3))) } == .badSignature)
            let unsigned = token.split(separator: ".").prefix(2).joined(separator: ".") + "."
            #expect(authError { try verifier.verify(unsigned) } == .badSignature)
        }

        @Test func signatureIsCheckedBeforeThePayloadIsParsed() {
            let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
            let junkPayload = "not*base64"
            let junkSignature = Base64URL.encode([UInt8](repeating: 7, count: 32))
            // A payload the parser would refuse is never reached without a valid MAC...
            #expect(authError { try verifier.verify("\(header).\(junkPayload).\(junkSignature)") } == .badSignature)
            // ...and with a valid MAC it is reported as malformed.
            let signed = JWTSigner.sign(header: header, payload: junkPayload, secret: AuthFixtures.jwtSecret)
            #expect(authError { try verifier.verify(signed) } == .malformed)
        }

        @Test(arguments: ["sub", "tenantId", "role", "exp"])
        func everyRequiredClaimIsRequired(claim: String) {
            let token = AuthFixtures.signed(claims: AuthFixtures.claims(dropping: [claim]))
            let error = authError { try verifier.verify(token) }
            #expect(error?.reason == "missing or invalid claim: \(claim)")
        }

        @Test(arguments: [
            ("role", #""superuser""#), ("role", "1"), ("sub", #""""#), ("sub", "42"), ("tenantId", "null"),
            ("tenantId", #""""#), ("tenantId", #""_system""#), ("tenantId", #""_anything""#), ("exp", #""9999999999""#), ("exp", "true"),
            ("nbf", #""0""#), ("iat", #""now""#),
        ])
        func wronglyTypedClaimsAreRefused(claim: String, value: String) {
            let token = AuthFixtures.signed(claims: AuthFixtures.claims(overriding: [claim: value]))
            #expect(authError { try verifier.verify(token) }?.reason == "missing or invalid claim: \(claim)")
        }

        @Test(arguments: [
            "", "garbage", "a.b", "a.b.c", "..", "a.b.c.d", "a.b.c.d.e.f", "a.b.c.d.e.f.g",
            "eyJhbGciOiJIUzI1NiJ9=.e30.AAAA", "e30.e30.AAAA", "W10.e30.AAAA", "bnVsbA.e30.AAAA",
            "eyJhbGciOiJIUzI1NiJ9.e30.AA+A",
        ])
        func garbageIsRefused(token: String) {
            // "e30" is {}, "W10" is [], "bnVsbA" is null; the last one has a '+' in the signature.
            let error = authError { try verifier.verify(token) }
            #expect(error != nil)
            #expect(error == .malformed || error == .unsupportedAlgorithm || error == .sessionNotConfigured)
        }

        @Test func headerThatIsNotJSONIsMalformed() {
            let header = Base64URL.encode(Array("alg=HS256".utf8))
            #expect(authError { try verifier.verify("\(header).e30.AAAA") } == .malformed)
        }

        @Test func oversizedTokenIsRefusedBeforeDecoding() {
            let token = AuthFixtures.signed(claims: AuthFixtures.claims(overriding: ["pad": "\"" + String(repeating: "x", count: 20_000) + "\""]))
            #expect(authError { try verifier.verify(token) } == .tooLarge)
        }

        @Test func bearerTokensNeedAConfiguredSecretOfAtLeast32Bytes() {
            let token = AuthFixtures.signed()
            #expect(authError { try AuthFixtures.verifier(jwtSecret: nil).verify(token) } == .bearerNotConfigured)
            let short = String(repeating: "k", count: 31)
            let shortToken = AuthFixtures.signed(secret: short)
            #expect(authError { try AuthFixtures.verifier(jwtSecret: short).verify(shortToken) } == .bearerNotConfigured)
        }

        @Test func fivePartTokenWithoutNextAuthSecretIsRefused() throws {
            let fixture = try AuthFixtures.nextAuthFixture()
            #expect(authError { try verifier.verify(fixture.withTenant.token) } == .sessionNotConfigured)
        }

        @Test func reasonsNeverContainTheTokenOrTheSecret() {
            let tokens = [
                AuthFixtures.signed(secret: "wrong-secret-wrong-secret-wrong-secret"),
                AuthFixtures.signed(claims: AuthFixtures.claims(overriding: ["exp": "1"])),
                AuthFixtures.signed(claims: AuthFixtures.claims(overriding: ["role": #""root-\#(AuthFixtures.jwtSecret)""#])),
                "Zm9v.YmFy.YmF6",
            ]
            for token in tokens {
                let error = authError { try verifier.verify(token) }
                #expect(error != nil)
                for part in token.split(separator: ".") where part.count > 3 {
                    #expect(error?.description.contains(part) == false)
                }
                #expect(error?.description.contains(AuthFixtures.jwtSecret) == false)
                #expect(error?.description.contains("root-") == false)
            }
        }
    }
}
