import Foundation
import FoundationXML
import TestSupport
import Testing

@testable import NeonHub

/// The SAML 2.0 bearer assertion our sign-in signs (SuccessFactors' `/oauth/token`), checked by
/// an XML-DSig implementation that is not ours: `xmlsec1 --verify` with the certificate of the
/// key, as the provider holds it. Its claims are read back with an XML parser (SAML 2.0 Core
/// §2.3.3, RFC 7522 §3).
@Suite(.enabled(if: XMLSecCommand.isAvailable && OpenSSLCommand.isAvailable, "needs the xmlsec1 and openssl tools"))
struct SAMLBearerAssertionTests {
    static let assertionNS = "urn:oasis:names:tc:SAML:2.0:assertion"

    static func assertion(subject: String = "sfadmin", recipient: String = "https://api4.successfactors.com/oauth/token") -> SAMLBearerAssertion {
        SAMLBearerAssertion(
            issuer: "www.successfactors.com", subject: subject, audience: "www.successfactors.com", recipient: recipient,
            attributes: [(name: "api_key", value: "NzRiYTQ5"), (name: "use_username", value: "false")], lifetime: 600)
    }

    /// The text of the first element named `name` (any namespace prefix) under `element`.
    static func first(_ name: String, in element: XMLElement) -> XMLElement? {
        element.elements(forLocalName: name, uri: assertionNS).first
            ?? element.children?.compactMap { $0 as? XMLElement }.lazy.compactMap { first(name, in: $0) }.first
    }

    @Test func xmlsecVerifiesTheSignatureWithTheKeysCertificateAndNotAnotherKeys() async throws {
        let keys = await OpenSSLCommand.warmTestKeys()
        let certificate = try await OpenSSLCommand.selfSignedCertificate(privateKeyPEM: keys.registered.privateKey)
        let otherCertificate = try await OpenSSLCommand.selfSignedCertificate(privateKeyPEM: keys.other.privateKey)
        let xml = try Self.assertion().signed(with: try RSAPrivateKey(pem: keys.registered.privateKey))

        #expect(try await XMLSecCommand.verify(xml: xml, certificatePEM: certificate))
        #expect(try await XMLSecCommand.verify(xml: xml, certificatePEM: otherCertificate) == false)
        // The signature covers the assertion: another user, audience or lifetime breaks it.
        #expect(
            try await XMLSecCommand.verify(xml: xml.replacingOccurrences(of: ">sfadmin<", with: ">sfadmin2<"), certificatePEM: certificate) == false)
        let notAfter = try #require(xml.firstRange(of: /NotOnOrAfter="[^"]+"/)).lowerBound
        let longer = xml.replacingCharacters(in: notAfter..<xml.index(notAfter, offsetBy: 19), with: "NotOnOrAfter=\"2099-")
        #expect(try await XMLSecCommand.verify(xml: longer, certificatePEM: certificate) == false)
    }

    @Test func valuesWithMarkupCharactersAreEscapedAndStillVerify() async throws {
        let keys = await OpenSSLCommand.warmTestKeys()
        let certificate = try await OpenSSLCommand.selfSignedCertificate(privateKeyPEM: keys.registered.privateKey)
        let xml = try Self.assertion(subject: "a&b <c> \"d\"", recipient: "https://h/oauth/token?x=1&y=\"2\"")
            .signed(with: try RSAPrivateKey(pem: keys.registered.privateKey))
        #expect(try await XMLSecCommand.verify(xml: xml, certificatePEM: certificate))
        let document = try XMLDocument(xmlString: xml)
        let root = try #require(document.rootElement())
        #expect(Self.first("NameID", in: root)?.stringValue == "a&b <c> \"d\"")
        let confirmation = try #require(Self.first("SubjectConfirmationData", in: root))
        #expect(confirmation.attribute(forName: "Recipient")?.stringValue == "https://h/oauth/token?x=1&y=\"2\"")
    }

    @Test func theAssertionCarriesWhatTheBearerGrantRequires() async throws {
        let key = try RSAPrivateKey(pem: await OpenSSLCommand.warmTestKeys().registered.privateKey)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let xml = try Self.assertion().signed(with: key, at: now, id: "_0123abcd")
        let root = try #require(try XMLDocument(xmlString: xml).rootElement())

        #expect(root.localName == "Assertion" && root.uri == Self.assertionNS)
        #expect(root.attribute(forName: "ID")?.stringValue == "_0123abcd")
        #expect(root.attribute(forName: "Version")?.stringValue == "2.0")
        #expect(root.attribute(forName: "IssueInstant")?.stringValue == "2027-01-15T08:00:00.000Z")
        #expect(Self.first("Issuer", in: root)?.stringValue == "www.successfactors.com")
        #expect(Self.first("NameID", in: root)?.stringValue == "sfadmin")
        let method = Self.first("SubjectConfirmation", in: root)?.attribute(forName: "Method")?.stringValue
        #expect(method == "urn:oasis:names:tc:SAML:2.0:cm:bearer")
        let data = try #require(Self.first("SubjectConfirmationData", in: root))
        #expect(data.attribute(forName: "Recipient")?.stringValue == "https://api4.successfactors.com/oauth/token")
        #expect(data.attribute(forName: "NotOnOrAfter")?.stringValue == "2027-01-15T08:10:00.000Z")
        let conditions = try #require(Self.first("Conditions", in: root))
        #expect(conditions.attribute(forName: "NotBefore")?.stringValue == "2027-01-15T07:55:00.000Z")
        #expect(conditions.attribute(forName: "NotOnOrAfter")?.stringValue == "2027-01-15T08:10:00.000Z")
        #expect(Self.first("Audience", in: root)?.stringValue == "www.successfactors.com")
        let attributes =
            root.elements(forLocalName: "AttributeStatement", uri: Self.assertionNS).first?
            .elements(forLocalName: "Attribute", uri: Self.assertionNS) ?? []
        let named = Dictionary(
            attributes.map { ($0.attribute(forName: "Name")?.stringValue ?? "", $0.children?.first?.stringValue ?? "") }
        ) { first, _ in first }
        #expect(named == ["api_key": "NzRiYTQ5", "use_username": "false"])
        // The signature sits right after the issuer (SAML 2.0 Core §2.3.3) and names this assertion.
        let children = root.children?.compactMap { $0 as? XMLElement }.map { $0.localName ?? "" } ?? []
        #expect(Array(children.prefix(3)) == ["Issuer", "Signature", "Subject"])
        #expect(xml.contains("<ds:Reference URI=\"#_0123abcd\">"))
        #expect(!xml.contains("KeyInfo") && !xml.contains("PRIVATE"))
    }

    @Test func twoAssertionsHaveTheirOwnIDs() async throws {
        let key = try RSAPrivateKey(pem: await OpenSSLCommand.warmTestKeys().registered.privateKey)
        let first = try Self.assertion().signed(with: key), second = try Self.assertion().signed(with: key)
        let ids = [first, second].compactMap { $0.firstMatch(of: /ID="(_[0-9a-f]{32})"/)?.1 }
        #expect(ids.count == 2 && ids[0] != ids[1])
    }

    @Test func tabsNewlinesAndNonASCIIVerifyAndCharactersXMLCannotCarryAreRefused() async throws {
        let keys = await OpenSSLCommand.warmTestKeys()
        let certificate = try await OpenSSLCommand.selfSignedCertificate(privateKeyPEM: keys.registered.privateKey)
        var saml = Self.assertion(subject: "Zoë\tO'Brien ]]> 東京\r\nline", recipient: "https://h/oauth/token?a=\t&b=\n")
        saml.attributes.append((name: "note", value: "ü\r\n\tend"))
        let xml = try saml.signed(with: try RSAPrivateKey(pem: keys.registered.privateKey))
        #expect(try await XMLSecCommand.verify(xml: xml, certificatePEM: certificate))
        #expect(SAMLBearerAssertion.isXMLText("Zoë\t\r\n東京"))
        #expect(!SAMLBearerAssertion.isXMLText("a\u{1}b") && !SAMLBearerAssertion.isXMLText("a\u{FFFE}"))

        // The sign-in refuses such a value instead of signing something else.
        let definition = try #require(try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)["successfactors"]?.definition)
        let template = try #require(definition.auth.signIn?.assertion)
        let renderer = TemplateRenderer(scope: [
            "credentials": .object(["userId": .string("sf\u{7}admin"), "clientId": .string("key")]),
            "vars": .object(["apiHost": .string("api4.successfactors.com")]),
        ])
        #expect(throws: ConnectorError.self) {
            _ = try OAuthTokenClient.signedAssertion(template, renderer: renderer, credentials: ["privateKey": keys.registered.privateKey])
        }
    }
}
