import Foundation
import Testing

@testable import NeonHub

extension AuthTests {
    /// NextAuth v4 session tokens (JWE dir/A256GCM), using the Python-built fixture for interoperability.
    @Suite struct NextAuthSessionTests {
        let fixture: AuthFixtures.NextAuthFixture
        let verifier: TokenVerifier

        init() throws {
            fixture = try AuthFixtures.nextAuthFixture()
            verifier = AuthFixtures.verifier(nextAuthSecret: fixture.secret)
        }

        @Test func fixtureWithTenantAndRoleIsAccepted() throws {
            #expect(
                try verifier.verify(fixture.withTenant.token)
                    == AuthIdentity(subject: "user-42", tenantID: "tenant-7", role: .admin))
        }

        @Test func fixtureWithoutTenantFallsBackToSubjectAndUserRole() throws {
            #expect(
                try verifier.verify(fixture.withoutTenant.token)
                    == AuthIdentity(subject: "user-43", tenantID: "user-43", role: .user))
        }

        @Test func sessionTokensWorkWithoutJWTSecret() throws {
            let onlyNextAuth = AuthFixtures.verifier(jwtSecret: nil, nextAuthSecret: fixture.secret)
            #expect(try onlyNextAuth.verify(fixture.withTenant.token).tenantID == "tenant-7")
            #expect(authError { try onlyNextAuth.verify(AuthFixtures.signed()) } == .bearerNotConfigured)
        }

        @Test(arguments: 0..<8)
        func aFlippedCiphertextByteIsRefused(position: Int) throws {
            var parts = fixture.withTenant.token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            var ciphertext = try #require(Base64URL.decode(parts[3]))
            let index = position * (ciphertext.count - 1) / 7
            ciphertext[index] ^= 0x01
            parts[3] = Base64URL.encode(ciphertext)
            #expect(authError { try verifier.verify(parts.joined(separator: ".")) } == .decryptionFailed)
        }

        @Test func aFlippedTagOrIVIsRefused() throws {
            let parts = fixture.withTenant.token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            for index in [2, 4] {
                var bytes = try #require(Base64URL.decode(parts[index]))
                bytes[bytes.count - 1] ^= 0x80
                var tampered = parts
                tampered[index] = Base64URL.encode(bytes)
                #expect(authError { try verifier.verify(tampered.joined(separator: ".")) } == .decryptionFailed)
            }
        }

        @Test func wrongSecretIsRefused() {
            let other = AuthFixtures.verifier(nextAuthSecret: "a-different-nextauth-secret-0123456789")
            #expect(authError { try other.verify(fixture.withTenant.token) } == .decryptionFailed)
            #expect(authError { try other.verify(fixture.withoutTenant.token) } == .decryptionFailed)
        }

        @Test func protectedHeaderIsAuthenticatedAsAAD() throws {
            // Same meaning, different bytes: the AAD no longer matches.
            let parts = fixture.withTenant.token.split(separator: ".", omittingEmptySubsequences: false)
            let respaced = Base64URL.encode(Array(#"{"enc":"A256GCM","alg":"dir"}"#.utf8))
            let token = ([Substring(respaced)] + parts.dropFirst()).joined(separator: ".")
            #expect(authError { try verifier.verify(token) } == .decryptionFailed)
        }

        @Test(arguments: [
            #"{"alg":"dir","enc":"A128GCM"}"#, #"{"alg":"A256KW","enc":"A256GCM"}"#, #"{"alg":"dir"}"#,
            #"{"alg":"dir","enc":"A256GCM","zip":"DEF"}"#,
        ])
        func otherProtectedHeadersAreRefused(header: String) throws {
            let token = try AuthFixtures.sessionToken(claims: #"{"sub":"u","exp":4102444800}"#, secret: fixture.secret, header: header)
            #expect(authError { try verifier.verify(token) } == .unsupportedEncryption)
        }

        @Test func critInProtectedHeaderIsRefused() throws {
            let token = try AuthFixtures.sessionToken(
                claims: #"{"sub":"u","exp":4102444800}"#, secret: fixture.secret,
                header: #"{"alg":"dir","enc":"A256GCM","crit":["b64"]}"#)
            #expect(authError { try verifier.verify(token) } == .criticalHeader)
        }

        @Test func structuralProblemsAreMalformed() throws {
            let parts = fixture.withTenant.token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            var withKey = parts
            withKey[1] = Base64URL.encode(SecureRandom.bytes(32))
            var shortIV = parts
            shortIV[2] = Base64URL.encode(SecureRandom.bytes(8))
            var shortTag = parts
            shortTag[4] = Base64URL.encode(SecureRandom.bytes(12))
            var badBase64 = parts
            badBase64[3] = "*" + parts[3]
            for tampered in [withKey, shortIV, shortTag, badBase64] {
                #expect(authError { try verifier.verify(tampered.joined(separator: ".")) } == .malformed)
            }
        }

        @Test func expiryIsCheckedWithLeeway() throws {
            let expiry: TimeInterval = 4_102_444_800
            let late = AuthFixtures.verifier(nextAuthSecret: fixture.secret, at: expiry + 31)
            #expect(authError { try late.verify(fixture.withTenant.token) } == .expired)
            let justInside = AuthFixtures.verifier(nextAuthSecret: fixture.secret, at: expiry + 29)
            #expect(try justInside.verify(fixture.withTenant.token).subject == "user-42")
        }

        @Test func swiftBuiltTokensFollowTheSameRules() throws {
            let secret = fixture.secret
            let valid = try AuthFixtures.sessionToken(
                claims: #"{"sub":"u-1","tenantId":"t-9","role":"owner","exp":1750000100}"#, secret: secret)
            #expect(try verifier.verify(valid) == AuthIdentity(subject: "u-1", tenantID: "t-9", role: .user))
            let noSub = try AuthFixtures.sessionToken(claims: #"{"email":"a@b.c","exp":1750000100}"#, secret: secret)
            #expect(authError { try verifier.verify(noSub) } == .invalidClaim("sub"))
            let noExp = try AuthFixtures.sessionToken(claims: #"{"sub":"u-1"}"#, secret: secret)
            #expect(authError { try verifier.verify(noExp) } == .invalidClaim("exp"))
            let expired = try AuthFixtures.sessionToken(claims: #"{"sub":"u-1","exp":1749999960}"#, secret: secret)
            #expect(authError { try verifier.verify(expired) } == .expired)
            let notJSON = try AuthFixtures.sessionToken(claims: "sub=u-1", secret: secret)
            #expect(authError { try verifier.verify(notJSON) } == .malformed)
            let numericTenant = try AuthFixtures.sessionToken(claims: #"{"sub":"u-1","tenantId":7,"exp":1750000100}"#, secret: secret)
            #expect(authError { try verifier.verify(numericTenant) } == .invalidClaim("tenantId"))
            // The server's own tenant (the queue's recurring work) is nobody's, named or by subject.
            let systemTenant = try AuthFixtures.sessionToken(claims: #"{"sub":"u-1","tenantId":"_system","exp":1750000100}"#, secret: secret)
            #expect(authError { try verifier.verify(systemTenant) } == .invalidClaim("tenantId"))
            let systemSubject = try AuthFixtures.sessionToken(claims: #"{"sub":"_system","exp":1750000100}"#, secret: secret)
            #expect(authError { try verifier.verify(systemSubject) } == .invalidClaim("tenantId"))
        }
    }
}
