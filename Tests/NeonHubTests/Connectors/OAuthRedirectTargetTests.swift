import Foundation
import Testing

@testable import NeonHub

/// Where a callback may send the browser (`redirectTo`), and the token answers whose lifetimes
/// are not numbers of seconds: the checks that keep the callback from being an open redirect,
/// a header injection or a crash.
@Suite struct OAuthRedirectTargetTests {
    static let app = "https://app.example.test"

    @Test func pagesOfTheUIAreInside() {
        for target in [
            "https://app.example.test", "https://app.example.test/", "https://app.example.test/connections?tab=social",
            "https://app.example.test?x=1", "https://app.example.test#done", "HTTPS://APP.example.test/settings",
        ] {
            #expect(OAuthRedirectTarget.isInside(target, appURL: Self.app), "\(target)")
        }
        #expect(OAuthRedirectTarget.isInside("http://localhost:3000/c", appURL: "http://localhost:3000/"))
    }

    /// Each of these passed the former check (a lenient URL parser comparing scheme, host and
    /// port) or would put bytes of the user's choosing into a `Location` header.
    @Test func everythingElseIsOutside() {
        for target in [
            "https://evil.example/x",
            "https://evil.example\\@app.example.test/",  // a browser reads `\` as `/`: evil.example
            "https://app.example.test@evil.example/",  // a user part
            "https://app.example.test.evil.example/",  // a longer host
            "https://app.example.test:8443/",  // another port
            "http://app.example.test/",  // another scheme
            "https://app.example.test/x\r\nSet-Cookie: a=b",  // header injection
            "https://app.example.test/a b", "https://app.example.test/\u{00e9}", "https://app.example.test/\t",
            "//app.example.test/", "/connections", "",
        ] {
            #expect(!OAuthRedirectTarget.isInside(target, appURL: Self.app), "\(target.debugDescription)")
        }
        #expect(!OAuthRedirectTarget.isInside("https://app.example.test/", appURL: "not a url"))
    }

    @Test func theOutcomeGoesIntoTheQueryNotTheFragment() {
        #expect(OAuthRedirectTarget.appending("status=connected", to: "https://a.test/c") == "https://a.test/c?status=connected")
        #expect(OAuthRedirectTarget.appending("status=connected", to: "https://a.test/c?tab=1") == "https://a.test/c?tab=1&status=connected")
        #expect(OAuthRedirectTarget.appending("status=connected", to: "https://a.test/c#top") == "https://a.test/c?status=connected#top")
        #expect(OAuthRedirectTarget.appending("s=1", to: "https://a.test/c?t=2#x?y") == "https://a.test/c?t=2&s=1#x?y")
    }

    /// `Int(1e19)` and `Int(Double.nan)` stop a Swift process; a token endpoint (or a sandbox,
    /// or a proxy) answering such a lifetime must cost a token its expiry, not the server.
    @Test func aLifetimeThatIsNotASecondCountHasNoExpiry() throws {
        for odd: JSONValue in [.number(1e19), .number(-5), .string("NaN"), .string("inf"), .string("soon"), .number(0)] {
            let set = try #require(OAuthTokenSet.parse(.object(["access_token": .string("tok"), "expires_in": odd])))
            #expect(set.expiresIn == nil, "\(odd)")
        }
        let normal = try #require(OAuthTokenSet.parse(.object(["access_token": .string("tok"), "expires_in": .string("3599.9")])))
        #expect(normal.expiresIn == 3599)
    }
}
