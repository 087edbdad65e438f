import Foundation
import Testing

@testable import NeonHub

/// `errors.explanations`: a definition's sentence for a provider code is added to the error's
/// message (after the provider's own), without changing the class the code puts it in.
@Suite struct ProviderErrorExplanationTests {
    static let rules = ProviderErrorRules(
        rules: ConnectorDefinition.ErrorRules(
            codePath: "error.code", messagePath: "error.message", permanentCodes: [.number(131047)],
            explanations: ["131047": "More than 24 hours since the customer's last message: send an approved template instead."]),
        connector: "whatsapp")

    @Test func anExplainedCodeCarriesItsSentenceAndKeepsItsClass() {
        let failure = OutboundError(code: .permanent, status: 400, message: "131047\u{1F}(#131047) Re-engagement message")
        let error = Self.rules.error(from: failure)
        #expect(error.code == .providerRejected)
        #expect(error.providerCode == "131047")
        #expect(
            error.message == "whatsapp refused the request (HTTP 400): (#131047) Re-engagement message"
                + " — More than 24 hours since the customer's last message: send an approved template instead.")
    }

    @Test func otherCodesAndCodelessErrorsAreUnchanged() {
        let other = Self.rules.error(from: OutboundError(code: .permanent, status: 400, message: "100\u{1F}(#100) Invalid parameter"))
        #expect(other.message == "whatsapp refused the request (HTTP 400): (#100) Invalid parameter")
        let bare = Self.rules.error(from: OutboundError(code: .auth, status: 401))
        #expect(bare.code == .providerAuth)
        #expect(!bare.message.contains("—"))
        #expect(Self.rules.explanation(of: nil) == nil)
    }

    @Test func theCatalogSchemaAcceptsExplanations() throws {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let explanations = try #require(catalog["whatsapp"]?.definition.errors?.explanations)
        #expect(explanations["131047"]?.contains("24-hour") == true)
    }
}
