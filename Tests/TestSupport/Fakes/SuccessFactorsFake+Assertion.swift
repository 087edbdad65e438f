// The SAML 2.0 assertion as SuccessFactors' token server reads it and as SAP's generator writes
// it (sources in SuccessFactorsFake.swift's header: piejanssens/sf-oauth src/gen.js, SAP KBA
// 3031657's tool as moveworks/developer-docs describes it, mtr-design's template,
// edersouza38/insomnia-plugin-sfsf-samlassertion). Elements per SAML 2.0 core
// (https://docs.oasis-open.org/security/saml/v2.0/saml-core-2.0-os.pdf), the signature per
// XML-DSig (https://www.w3.org/TR/xmldsig-core1/), parsed with FoundationXML's XMLDocument.

public import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

extension SuccessFactorsFake {
    /// The SAML 2.0 assertion namespace.
    static let samlNamespace = "urn:oasis:names:tc:SAML:2.0:assertion"
    /// The XML-DSig namespace.
    static let dsigNamespace = "http://www.w3.org/2000/09/xmldsig#"

    /// What the fake reads from an assertion.
    struct ParsedAssertion {
        var id: String?
        var issuer: String?
        var nameID: String?
        var nameIDFormat: String?
        var recipient: String?
        var confirmationNotOnOrAfter: Date?
        var notBefore: Date?
        var notOnOrAfter: Date?
        var audiences: [String] = []
        var attributes: [String: String] = [:]
        /// The `URI` of each `ds:Reference` of the signature that is a child of the Assertion.
        var references: [String] = []
        var signatureCount = 0
    }

    /// The assertion in `xml`, or nil when it is not XML whose root is a SAML 2.0 Assertion.
    static func parseAssertion(_ xml: String) -> ParsedAssertion? {
        guard let document = try? XMLDocument(xmlString: xml, options: []), let root = document.rootElement(),
            root.localName == "Assertion", root.uri == samlNamespace
        else { return nil }
        var parsed = ParsedAssertion()
        parsed.id = root.attribute(forName: "ID")?.stringValue
        func children(_ element: XMLElement, _ name: String, _ namespace: String = samlNamespace) -> [XMLElement] {
            (element.children ?? []).compactMap { $0 as? XMLElement }.filter { $0.localName == name && $0.uri == namespace }
        }
        func date(_ element: XMLElement?, _ attribute: String) -> Date? {
            element?.attribute(forName: attribute)?.stringValue.flatMap(parseInstant)
        }
        parsed.issuer = children(root, "Issuer").first?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let subject = children(root, "Subject").first {
            let nameID = children(subject, "NameID").first
            parsed.nameID = nameID?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
            parsed.nameIDFormat = nameID?.attribute(forName: "Format")?.stringValue
            let data = children(subject, "SubjectConfirmation").first.flatMap { children($0, "SubjectConfirmationData").first }
            parsed.recipient = data?.attribute(forName: "Recipient")?.stringValue
            parsed.confirmationNotOnOrAfter = date(data, "NotOnOrAfter")
        }
        if let conditions = children(root, "Conditions").first {
            parsed.notBefore = date(conditions, "NotBefore")
            parsed.notOnOrAfter = date(conditions, "NotOnOrAfter")
            parsed.audiences = children(conditions, "AudienceRestriction").flatMap { children($0, "Audience") }
                .compactMap { $0.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        for statement in children(root, "AttributeStatement") {
            for attribute in children(statement, "Attribute") {
                guard let name = attribute.attribute(forName: "Name")?.stringValue else { continue }
                let value = children(attribute, "AttributeValue").first?.stringValue ?? ""
                parsed.attributes[name] = value.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        let signatures = children(root, "Signature", dsigNamespace)
        parsed.signatureCount = signatures.count
        parsed.references = signatures.flatMap { children($0, "SignedInfo", dsigNamespace) }.flatMap { children($0, "Reference", dsigNamespace) }
            .map { $0.attribute(forName: "URI")?.stringValue ?? "" }
        return parsed
    }

    /// An `xs:dateTime` in UTC, with or without fractional seconds.
    static func parseInstant(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// An `xs:dateTime` in UTC with seconds, as SAML writes instants.
    public static func instant(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// An unsigned assertion template as SAP's generator lays it out (enveloped `ds:Signature`
    /// after the Issuer, exclusive C14N, RSA-SHA256, `Reference URI="#<ID>"`, empty
    /// `DigestValue`/`SignatureValue` for `XMLSecCommand.sign` to fill). Each argument can be
    /// bent to make the assertions SAP refuses; `attributes` are written in order.
    public static func assertionTemplate(
        nameID: String, apiKey: String, recipient: String, issuer: String = "www.successfactors.com",
        audience: String = SuccessFactorsFake.audience, issuedAt: Date = Date(), lifetime: TimeInterval = 600,
        notBefore: Date? = nil, extraAttributes: [(String, String)] = [], keyInfo: String = "", id: String = "_" + UUID().uuidString.lowercased()
    ) -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let now = instant(issuedAt)
        let until = instant(issuedAt.addingTimeInterval(lifetime))
        let from = instant(notBefore ?? issuedAt)
        let attributes = ([("api_key", apiKey)] + extraAttributes).map { name, value in
            "<saml2:Attribute Name=\"\(escape(name))\"><saml2:AttributeValue xsi:type=\"xs:string\">\(escape(value))</saml2:AttributeValue></saml2:Attribute>"
        }.joined()
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="\(id)" IssueInstant="\(now)" Version="2.0">\
            <saml2:Issuer>\(escape(issuer))</saml2:Issuer>\
            <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>\
            <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\
            <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>\
            <ds:Reference URI="#\(id)"><ds:Transforms>\
            <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>\
            <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>\
            <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue></ds:DigestValue></ds:Reference>\
            </ds:SignedInfo><ds:SignatureValue></ds:SignatureValue>\(keyInfo)</ds:Signature>\
            <saml2:Subject><saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">\(escape(nameID))</saml2:NameID>\
            <saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">\
            <saml2:SubjectConfirmationData NotOnOrAfter="\(until)" Recipient="\(escape(recipient))"/></saml2:SubjectConfirmation>\
            </saml2:Subject>\
            <saml2:Conditions NotBefore="\(from)" NotOnOrAfter="\(until)"><saml2:AudienceRestriction>\
            <saml2:Audience>\(escape(audience))</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>\
            <saml2:AuthnStatement AuthnInstant="\(now)" SessionIndex="\(UUID().uuidString)"><saml2:AuthnContext>\
            <saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml2:AuthnContextClassRef>\
            </saml2:AuthnContext></saml2:AuthnStatement>\
            <saml2:AttributeStatement>\(attributes)</saml2:AttributeStatement>\
            </saml2:Assertion>
            """
    }
}
