import Testing

@testable import NeonHub

extension AuthTests {
    /// Known-answer and misuse tests for the libcrypto wrappers in `Crypto/`.
    @Suite struct CryptoPrimitiveTests {
        @Test func hmacSHA256MatchesRFC4231TestCase2() {
            let mac = HMACSHA256.authenticate(
                message: Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))
            #expect(mac == hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"))
        }

        @Test func hmacSHA256WithEmptyKeyAndMessage() {
            #expect(
                HMACSHA256.authenticate(message: [], key: [])
                    == hex("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"))
        }

        @Test func hkdfSHA256MatchesRFC5869TestCase1() {
            let okm = HKDFSHA256.derive(
                inputKeyMaterial: [UInt8](repeating: 0x0b, count: 22),
                salt: hex("000102030405060708090a0b0c"), info: hex("f0f1f2f3f4f5f6f7f8f9"), outputLength: 42)
            #expect(okm == hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"))
        }

        @Test func hkdfSHA256MatchesRFC5869TestCase3WithEmptySaltAndInfo() {
            let okm = HKDFSHA256.derive(
                inputKeyMaterial: [UInt8](repeating: 0x0b, count: 22), salt: [], info: [], outputLength: 42)
            #expect(okm == hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"))
        }

        @Test func aesGCMMatchesNISTTestCases13And14() throws {
            let key = [UInt8](repeating: 0, count: 32)
            let nonce = [UInt8](repeating: 0, count: 12)
            let empty = try AESGCM.seal(plaintext: [], key: key, nonce: nonce)
            #expect(empty.ciphertext.isEmpty)
            #expect(empty.tag == hex("530f8afbc74536b9a963b4f1c4cb738b"))
            let block = try AESGCM.seal(plaintext: [UInt8](repeating: 0, count: 16), key: key, nonce: nonce)
            #expect(block.ciphertext == hex("cea7403d4d606b6e074ec5d3baf39d18"))
            #expect(block.tag == hex("d0d1c8a799996bf0265b98b5d48ab919"))
        }

        @Test func aesGCMRoundTripsAndRejectsAnyTampering() throws {
            let key = SecureRandom.bytes(32)
            let nonce = SecureRandom.bytes(12)
            let aad = Array("header".utf8)
            let plaintext = Array("refresh-token: 1//0gAbCdEf".utf8)
            let sealed = try AESGCM.seal(plaintext: plaintext, key: key, nonce: nonce, aad: aad)
            #expect(sealed.ciphertext.count == plaintext.count)
            #expect(sealed.ciphertext != plaintext)
            #expect(sealed.tag.count == 16)
            #expect(
                try AESGCM.open(ciphertext: sealed.ciphertext, key: key, nonce: nonce, aad: aad, tag: sealed.tag)
                    == plaintext)

            var badTag = sealed.tag
            badTag[0] ^= 0x01
            #expect(throws: CryptoError.authenticationFailed) {
                try AESGCM.open(ciphertext: sealed.ciphertext, key: key, nonce: nonce, aad: aad, tag: badTag)
            }
            var badCiphertext = sealed.ciphertext
            badCiphertext[3] ^= 0x80
            #expect(throws: CryptoError.authenticationFailed) {
                try AESGCM.open(ciphertext: badCiphertext, key: key, nonce: nonce, aad: aad, tag: sealed.tag)
            }
            #expect(throws: CryptoError.authenticationFailed) {
                try AESGCM.open(ciphertext: sealed.ciphertext, key: key, nonce: nonce, aad: [], tag: sealed.tag)
            }
            #expect(throws: CryptoError.authenticationFailed) {
                try AESGCM.open(
                    ciphertext: sealed.ciphertext, key: SecureRandom.bytes(32), nonce: nonce, aad: aad,
                    tag: sealed.tag)
            }
        }

        @Test func aesGCMRejectsWrongSizes() {
            #expect(throws: CryptoError.invalidKeySize) {
                try AESGCM.seal(plaintext: [1], key: [UInt8](repeating: 0, count: 16), nonce: [UInt8](repeating: 0, count: 12))
            }
            #expect(throws: CryptoError.invalidNonceSize) {
                try AESGCM.seal(plaintext: [1], key: [UInt8](repeating: 0, count: 32), nonce: [UInt8](repeating: 0, count: 16))
            }
            #expect(throws: CryptoError.invalidTagSize) {
                try AESGCM.open(
                    ciphertext: [1], key: [UInt8](repeating: 0, count: 32),
                    nonce: [UInt8](repeating: 0, count: 12), tag: [0, 1, 2])
            }
        }

        @Test func secureRandomReturnsFreshBytesOfTheRequestedLength() {
            let a = SecureRandom.bytes(32)
            let b = SecureRandom.bytes(32)
            #expect(a.count == 32)
            #expect(a != b)
            #expect(SecureRandom.bytes(0).isEmpty)
        }

        @Test func constantTimeEqualsComparesContentAndLength() {
            #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
            #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
            #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
            #expect(!constantTimeEquals([], [0]))
            #expect(constantTimeEquals([], []))
        }
    }
}

/// Bytes from a hex string (test vectors only).
private func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}
