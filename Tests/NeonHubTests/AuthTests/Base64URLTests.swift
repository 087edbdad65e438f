import Testing

@testable import NeonHub

extension AuthTests {
    @Suite struct Base64URLTests {
        @Test func encodesRFC4648VectorsWithoutPadding() {
            let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
            for (plain, encoded) in vectors {
                #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
                #expect(Base64URL.decode(encoded) == Array(plain.utf8))
            }
        }

        @Test func usesTheURLSafeAlphabet() {
            #expect(Base64URL.encode([0xfb, 0xff, 0xbf]) == "-_-_")
            #expect(Base64URL.decode("-_-_") == [0xfb, 0xff, 0xbf])
        }

        @Test func roundTripsEveryLength() {
            for length in 0..<70 {
                let bytes = SecureRandom.bytes(length)
                #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
            }
        }

        @Test(arguments: ["Zg==", "Zm9v=", "+/+/", "Zm 9v", "Zm9v\n", "Z", "Zm9vY", "Zh", "Zm9", "é", "Zm.9"])
        func rejectsPaddingForeignCharactersImpossibleLengthsAndNonCanonicalBits(_ input: String) {
            // "Zh" and "Zm9" differ from canonical "Zg"/"Zm8" only in their unused trailing bits.
            #expect(Base64URL.decode(input) == nil)
        }
    }
}
