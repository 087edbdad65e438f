import Testing

@testable import NeonHub

extension AuthTests {
    @Suite struct BearerTokenTests {
        @Test(arguments: [
            ("Bearer abc.def.ghi", "abc.def.ghi"), ("bearer abc", "abc"), ("BEARER\tabc", "abc"),
            ("  Bearer   abc  ", "abc"), ("BeArEr x", "x"),
        ])
        func extractsTheToken(header: String, token: String) {
            #expect(bearerToken(fromAuthorizationHeader: header) == token)
        }

        @Test(arguments: [
            "", "Bearer", "Bearer ", "Bearer    ", "Bearerabc", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a b", "abc",
            "Bearer a\u{00A0}b", "Bearer tok\u{7F}en", "Bearer jörg", "Bearer a\nb", "Bëarer abc", "Bearer\u{00A0}abc",
        ])
        func refusesOtherSchemesAndEmptyTokens(header: String) {
            #expect(bearerToken(fromAuthorizationHeader: header) == nil)
        }

        @Test func absentHeaderHasNoToken() {
            #expect(bearerToken(fromAuthorizationHeader: nil) == nil)
        }
    }
}
