import Testing

@testable import NeonHub

extension AuthTests {
    /// Finding the NextAuth v4 session token among a request's cookies, chunked or not.
    @Suite struct NextAuthSessionCookieTests {
        func token(_ headers: String...) -> String? { NextAuthSessionCookie.token(fromCookieHeaders: headers) }

        @Test func readsThePlainAndTheSecureName() {
            #expect(token("theme=dark; next-auth.session-token=a.b.c; other=1") == "a.b.c")
            #expect(token("__Secure-next-auth.session-token=x.y.z") == "x.y.z")
        }

        @Test func theSecureCookieWinsOverAStalePlainOne() {
            #expect(token("next-auth.session-token=old; __Secure-next-auth.session-token=new") == "new")
        }

        @Test func chunksAreJoinedInIndexOrderWhateverTheHeaderOrder() {
            #expect(token("next-auth.session-token.2=CC; next-auth.session-token.0=AA; next-auth.session-token.1=BB") == "AABBCC")
            #expect(token("__Secure-next-auth.session-token.1=world", "__Secure-next-auth.session-token.0=hello") == "helloworld")
        }

        @Test func aTornChunkSetIsRefused() {
            // .1 is missing: .0 + .2 would be a wrong token, so neither is used.
            #expect(token("next-auth.session-token.0=AA; next-auth.session-token.2=CC") == nil)
        }

        @Test func otherNextAuthCookiesAndLookalikesAreNotTheSession() {
            #expect(token("next-auth.csrf-token=abc; next-auth.callback-url=http%3A%2F%2Fx") == nil)
            #expect(token("next-auth.session-tokenX=abc; xnext-auth.session-token=abc") == nil)
            #expect(token("next-auth.session-token=") == nil)
            #expect(token() == nil)
            #expect(token("") == nil)
        }

        @Test func theFirstOfARepeatedNameWinsAndValuesAreUnquotedAndDecoded() {
            #expect(token("next-auth.session-token=first; next-auth.session-token=second") == "first")
            #expect(token(#"next-auth.session-token="a.b.c""#) == "a.b.c")
            #expect(token("next-auth.session-token=a%2Eb") == "a.b")
        }

        @Test func anOverlongTokenIsNotRead() {
            let chunk = String(repeating: "A", count: 4000)
            let five = (0..<5).map { "next-auth.session-token.\($0)=\(chunk)" }.joined(separator: "; ")
            #expect(token(five) == nil)  // 20 000 bytes > TokenVerifier.maximumTokenLength
            let seventeen = (0..<17).map { "next-auth.session-token.\($0)=A" }.joined(separator: "; ")
            #expect(token(seventeen) == nil)  // more chunks than NextAuth could have written
        }
    }
}
