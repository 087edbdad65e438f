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

        @Test(arguments: ["", "Bearer", "Bearer ", "Bearer    ", "Bearerabc", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a b", "abc"])
        func refusesOtherSchemesAndEmptyTokens(header: String) {
            #expect(bearerToken(fromAuthorizationHeader: header) == nil)
        }

        @Test func absentHeaderHasNoToken() {
            #expect(bearerToken(fromAuthorizationHeader: nil) == nil)
        }
    }
}
