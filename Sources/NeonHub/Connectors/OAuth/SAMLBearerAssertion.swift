import Foundation

/// A SAML 2.0 assertion for the OAuth 2.0 SAML bearer grant (RFC 7522 §2.1, §3), signed with
/// the connection's RSA key — SAP SuccessFactors' `/oauth/token`, whose client registers the
/// X.509 certificate of that key.
///
/// The assertion (SAML 2.0 Core §2.3.3) names `issuer`, the `subject` as its `NameID` with a
/// bearer `SubjectConfirmation` for `recipient`, one `AudienceRestriction` for `audience`,
/// `Conditions` from five minutes ago (clock skew) to `lifetime` from now, an `AuthnStatement`
/// and the `attributes` (SuccessFactors: `api_key`, the client id).
///
/// The signature is an enveloped XML-DSig signature (XML Signature 1.1 §6.6.4, SAML 2.0 Core
/// §5.4) placed after `Issuer`: `rsa-sha256` over `SignedInfo`, whose one `Reference` names the
/// assertion's `ID` with the enveloped-signature and exclusive canonicalization transforms and
/// a SHA-256 digest. The XML is written already in exclusive canonical form (Exclusive XML
/// Canonicalization 1.0: no declaration, attributes sorted, each namespace declared where it is
/// first used, empty elements as start–end pairs, c14n escaping), so the bytes digested and
/// signed are the bytes sent and a verifier's canonicalization reproduces them. No `KeyInfo` is
/// sent: the provider verifies with the certificate registered for the client.
struct SAMLBearerAssertion: Sendable {
    var issuer: String
    var subject: String
    var audience: String
    var recipient: String
    /// Attribute name and value pairs, written in this order.
    var attributes: [(name: String, value: String)]
    /// Seconds the assertion may be presented.
    var lifetime: Int

    static let assertionNamespace = "urn:oasis:names:tc:SAML:2.0:assertion"
    static let signatureNamespace = "http://www.w3.org/2000/09/xmldsig#"
    static let exclusiveC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"

    /// The signed assertion's XML, issued at `now` with the assertion id `id` (an XML NCName:
    /// `_` and hex digits by default).
    func signed(with key: RSAPrivateKey, at now: Date = Date(), id: String = Self.newID()) throws -> String {
        let unsigned = body(id: id, now: now, signature: "")
        let digest = Data(SHA256Digest.digest(Array(unsigned.utf8))).base64EncodedString()
        let signedInfo = Self.signedInfo(reference: id, digest: digest, declaresNamespace: true)
        let signature = Data(try key.signRS256(Array(signedInfo.utf8))).base64EncodedString()
        let element =
            "<ds:Signature xmlns:ds=\"\(Self.signatureNamespace)\">"
            + Self.signedInfo(reference: id, digest: digest, declaresNamespace: false)
            + "<ds:SignatureValue>\(signature)</ds:SignatureValue></ds:Signature>"
        return body(id: id, now: now, signature: element)
    }

    /// A new assertion id: `_` and 32 random hex digits (an NCName, as `ID` must be).
    static func newID() -> String { "_" + SecureRandom.bytes(16).map { String(format: "%02x", $0) }.joined() }

    /// `SignedInfo` in exclusive canonical form. Canonicalized on its own (as a verifier does
    /// before checking the signature) it declares the `ds` namespace it uses; inside
    /// `Signature`, which declares it, it does not.
    static func signedInfo(reference: String, digest: String, declaresNamespace: Bool) -> String {
        let declaration = declaresNamespace ? " xmlns:ds=\"\(signatureNamespace)\"" : ""
        return "<ds:SignedInfo\(declaration)>"
            + "<ds:CanonicalizationMethod Algorithm=\"\(exclusiveC14N)\"></ds:CanonicalizationMethod>"
            + "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"></ds:SignatureMethod>"
            + "<ds:Reference URI=\"#\(attribute(reference))\"><ds:Transforms>"
            + "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"></ds:Transform>"
            + "<ds:Transform Algorithm=\"\(exclusiveC14N)\"></ds:Transform></ds:Transforms>"
            + "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"></ds:DigestMethod>"
            + "<ds:DigestValue>\(digest)</ds:DigestValue></ds:Reference></ds:SignedInfo>"
    }

    /// The assertion with `signature` (empty, or the `Signature` element) after its issuer.
    private func body(id: String, now: Date, signature: String) -> String {
        let issued = Self.instant(now)
        let notBefore = Self.instant(now.addingTimeInterval(-300))
        let notAfter = Self.instant(now.addingTimeInterval(TimeInterval(lifetime)))
        var xml =
            "<saml2:Assertion xmlns:saml2=\"\(Self.assertionNamespace)\" ID=\"\(Self.attribute(id))\" IssueInstant=\"\(issued)\" Version=\"2.0\">"
        xml += "<saml2:Issuer>\(Self.text(issuer))</saml2:Issuer>" + signature
        xml += "<saml2:Subject><saml2:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified\">\(Self.text(subject))</saml2:NameID>"
        xml += "<saml2:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">"
        xml +=
            "<saml2:SubjectConfirmationData NotOnOrAfter=\"\(notAfter)\" Recipient=\"\(Self.attribute(recipient))\"></saml2:SubjectConfirmationData>"
        xml += "</saml2:SubjectConfirmation></saml2:Subject>"
        xml += "<saml2:Conditions NotBefore=\"\(notBefore)\" NotOnOrAfter=\"\(notAfter)\"><saml2:AudienceRestriction>"
        xml += "<saml2:Audience>\(Self.text(audience))</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>"
        xml += "<saml2:AuthnStatement AuthnInstant=\"\(issued)\" SessionIndex=\"\(Self.attribute(id))\"><saml2:AuthnContext>"
        xml += "<saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml2:AuthnContextClassRef>"
        xml += "</saml2:AuthnContext></saml2:AuthnStatement>"
        if !attributes.isEmpty {
            xml += "<saml2:AttributeStatement>"
            for (name, value) in attributes {
                xml +=
                    "<saml2:Attribute Name=\"\(Self.attribute(name))\"><saml2:AttributeValue>\(Self.text(value))</saml2:AttributeValue></saml2:Attribute>"
            }
            xml += "</saml2:AttributeStatement>"
        }
        return xml + "</saml2:Assertion>"
    }

    /// A SAML `dateTime` in UTC with milliseconds (`2026-12-04T20:15:00.000Z`).
    static func instant(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }

    /// Character data as canonical XML writes it (C14N 1.0 §2.3: `&`, `<`, `>`, and CR).
    static func text(_ value: String) -> String { escaped(value, inAttribute: false) }

    /// An attribute value as canonical XML writes it (`&`, `<`, `"`, tab, LF, CR).
    static func attribute(_ value: String) -> String { escaped(value, inAttribute: true) }

    /// Whether XML 1.0 can carry `value` (its `Char` production: no control character but
    /// tab, LF and CR; no U+FFFE or U+FFFF).
    static func isXMLText(_ value: String) -> Bool {
        value.unicodeScalars.allSatisfy { scalar in
            (scalar.value >= 0x20 || scalar == "\t" || scalar == "\n" || scalar == "\r") && scalar.value != 0xFFFE && scalar.value != 0xFFFF
        }
    }

    /// `value` escaped as C14N writes text or an attribute value; other control characters,
    /// which XML 1.0 does not allow (`isXMLText`; the sign-in refuses them), are left out.
    private static func escaped(_ value: String, inAttribute: Bool) -> String {
        var output = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case "\r": output += "&#xD;"
            case ">" where !inAttribute: output += "&gt;"
            case "\"" where inAttribute: output += "&quot;"
            case "\t" where inAttribute: output += "&#x9;"
            case "\n" where inAttribute: output += "&#xA;"
            case _ where scalar.value < 0x20 && scalar != "\t" && scalar != "\n": continue
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
