import Testing

@testable import NeonHub

/// The platform's id of a published post, read from a provider's answer: a number the
/// provider sent is not trusted to fit.
@Suite struct RemoteIDTests {
    @Test func numericIDsOfEverySizeAreReadWithoutStoppingTheProcess() {
        #expect(ConnectorJobHandler.remoteID(.object(["id": .number(17_841_400_000_000_124)])) == "17841400000000124")
        #expect(ConnectorJobHandler.remoteID(.object(["id": .number(42)])) == "42")
        #expect(ConnectorJobHandler.remoteID(.object(["id": .number(1e19)])) == "1e+19")
        #expect(ConnectorJobHandler.remoteID(.object(["postId": .number(-9.3e18)])) == "-9.3e+18")
        #expect(ConnectorJobHandler.remoteID(.object(["id": .string(""), "urn": .string("urn:li:share:1")])) == "urn:li:share:1")
        #expect(ConnectorJobHandler.remoteID(.object(["other": .number(1)])) == nil)
    }
}
