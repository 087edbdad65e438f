import Testing

@testable import NeonHub

/// tRPC v11 `connectionParams` as `httpSubscriptionLink` sends them.
@Suite struct ConnectionParamsTests {
    func parsed(_ text: String) -> ConnectionParams? { try? ConnectionParams.parse(text).get() }

    @Test func anObjectOfStringsOrNullIsAccepted() throws {
        #expect(try ConnectionParams.parse(#"{"token":"t","locale":"en"}"#).get() == ConnectionParams(values: ["token": "t", "locale": "en"]))
        #expect(try ConnectionParams.parse("null").get() == nil)
        #expect(try ConnectionParams.parse("{}").get() == ConnectionParams(values: [:]))
    }

    @Test(arguments: ["", "{", "token=abc", #"{"token":"a",}"#, "[]", #""t""#, "1", #"{"token":1}"#, #"{"token":null}"#, #"{"a":{"b":"c"}}"#])
    func anythingElseIsAParseErrorThatQuotesNothing(text: String) {
        guard case .failure(let error) = ConnectionParams.parse(text) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(error.code == .parseError)
        #expect(error.code.httpStatus == 400)
        #expect(!error.message.contains("abc") && !error.message.contains("token"))
    }

    @Test func theTokenComesFromTokenOrABearerAuthorization() throws {
        #expect(try parsed(#"{"token":"abc"}"#)?.bearerToken().get() == "abc")
        #expect(try parsed(#"{"authorization":"Bearer abc"}"#)?.bearerToken().get() == "abc")
        #expect(try parsed(#"{"Authorization":"bearer  abc "}"#)?.bearerToken().get() == "abc")
        #expect(try parsed(#"{"locale":"en"}"#)?.bearerToken().get() == nil)
        #expect(try parsed(#"{"token":"","authorization":""}"#)?.bearerToken().get() == nil)
    }

    @Test func anotherSchemeIsUnauthorizedAndTwoTokensABadRequest() throws {
        guard case .failure(let scheme)? = parsed(#"{"authorization":"Basic dXNlcjpwYXNz"}"#)?.bearerToken() else {
            Issue.record("accepted Basic")
            return
        }
        #expect(scheme.code == .unauthorized)
        #expect(!scheme.message.contains("dXNlcjpwYXNz"))
        guard case .failure(let twice)? = parsed(#"{"token":"a","authorization":"Bearer b"}"#)?.bearerToken() else {
            Issue.record("accepted two tokens")
            return
        }
        #expect(twice.code == .badRequest)
        guard case .failure(let cased)? = parsed(#"{"authorization":"Bearer a","Authorization":"Bearer b"}"#)?.bearerToken() else {
            Issue.record("accepted two authorizations")
            return
        }
        #expect(cased.code == .badRequest)
    }
}
