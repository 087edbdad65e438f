import Testing

@testable import NeonHub

/// A connection lost after the request was sent (`OutboundTransportError.interrupted`): the
/// provider may have acted on it, so the call reads as a timeout — a POST is not sent again
/// within the call, a GET is, and a queued publish becomes `unknown` (reconciled).
@Suite struct LostConnectionTests {
    @Test func aConnectionLostAfterSendingIsATimeoutOfTheCallSoAPostIsNotSentAgain() async throws {
        for (method, attempts) in [("POST", 1), ("GET", 4)] {
            let transport = FailingTransport(OutboundTransportError(.interrupted, detail: "the connection was lost after the request was sent"))
            // Bounds a starved test run cannot reach: the failures are immediate.
            let client = ClientFixtures.client(transport, maxRetries: 3, attemptTimeout: .seconds(60), deadline: .seconds(120))
            let error = await ClientFixtures.outboundError { try await client.send(ClientFixtures.request("https://api.example", method: method)) }
            #expect(error?.code == .timeout && error?.attempts == attempts, "\(method)")
            #expect(transport.calls == attempts)
            #expect(error?.message == "the connection was lost after the request was sent")
            // A connector reads it as a timeout (a queued publish becomes `unknown`), in words.
            let connectorError = ProviderErrorRules(rules: nil, connector: "linkedin").error(from: try #require(error))
            #expect(connectorError.code == .providerTimeout)
            #expect(
                connectorError.message
                    == "linkedin did not answer: the connection was lost after the request was sent; a write may or may not have happened")
        }
    }
}
