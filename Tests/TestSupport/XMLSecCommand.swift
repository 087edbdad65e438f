import Foundation
import Postgres

/// The `xmlsec1` command-line tool (Debian package `xmlsec1`, https://www.aleksey.com/xmlsec/),
/// for tests that must check XML signatures independently of the code under test: whether an
/// enveloped XML-DSig signature (https://www.w3.org/TR/xmldsig-core1/) of a SAML 2.0 Assertion
/// (https://docs.oasis-open.org/security/saml/v2.0/saml-core-2.0-os.pdf, §5) verifies under a
/// given X.509 certificate, and signing a template (empty `DigestValue` and `SignatureValue`)
/// with a private key, as `xmlsec1 --sign` does.
///
/// Verification loads only the given certificate's key and enables no other key data
/// (`--enabled-key-data key-name`): without that, xmlsec1 1.2.x also accepts a key the signed
/// document carries in its own `KeyInfo/KeyValue`, so anyone could sign with a key of their
/// choosing. The `ID` attribute of `saml2:Assertion` is declared an XML ID (`--id-attr:ID`) so
/// that a `Reference URI="#…"` resolves. Files go to a private temporary folder, removed after.
/// Runs through `ProcessRunner` (posix_spawn), never Foundation's `Process`.
public enum XMLSecCommand {
    /// A failure of the tool (not a failed verification), with its standard error.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Whether the tool is installed.
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }

    static let path =
        ["/usr/bin/xmlsec1", "/usr/local/bin/xmlsec1", "/opt/homebrew/bin/xmlsec1"]
        .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/xmlsec1"

    /// The SAML 2.0 Assertion element, `namespace:name`, whose `ID` attribute is an XML ID.
    public static let assertionNode = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"

    /// Whether the enveloped signature of `xml` verifies with the public key of
    /// `certificatePEM` (an X.509 certificate, PEM; a bare Base64 body as SuccessFactors' admin
    /// page takes it is wrapped first). False for a missing, tampered or differently keyed
    /// signature and for a document xmlsec1 cannot parse; throws only when the tool cannot run.
    public static func verify(xml: String, certificatePEM: String) throws -> Bool {
        try withScratch { folder in
            let certificate = folder.appendingPathComponent("cert.pem")
            let document = folder.appendingPathComponent("assertion.xml")
            try Data(pem(certificatePEM, label: "CERTIFICATE").utf8).write(to: certificate)
            try Data(xml.utf8).write(to: document)
            let output = try ProcessRunner.run(
                URL(fileURLWithPath: path),
                [
                    "--verify", "--pubkey-cert-pem", certificate.path, "--enabled-key-data", "key-name",
                    "--id-attr:ID", assertionNode, document.path,
                ])
            return output.status == 0
        }
    }

    /// `template` signed with `privateKeyPEM` (PKCS#1 or PKCS#8 PEM): xmlsec1 fills in every
    /// `DigestValue` and the `SignatureValue` (and `X509Data` from `certificatePEM` when the
    /// template asks for it).
    public static func sign(template: String, privateKeyPEM: String, certificatePEM: String? = nil) throws -> String {
        try withScratch { folder in
            let key = folder.appendingPathComponent("key.pem")
            let input = folder.appendingPathComponent("template.xml")
            let signed = folder.appendingPathComponent("signed.xml")
            try Data(privateKeyPEM.utf8).write(to: key)
            try Data(template.utf8).write(to: input)
            var keyArgument = key.path
            if let certificatePEM {
                let certificate = folder.appendingPathComponent("cert.pem")
                try Data(pem(certificatePEM, label: "CERTIFICATE").utf8).write(to: certificate)
                keyArgument += "," + certificate.path
            }
            let output = try ProcessRunner.run(
                URL(fileURLWithPath: path),
                ["--sign", "--privkey-pem", keyArgument, "--id-attr:ID", assertionNode, "--output", signed.path, input.path])
            guard output.status == 0 else { throw Failure(description: "xmlsec1 --sign: " + output.standardError) }
            return String(decoding: try Data(contentsOf: signed), as: UTF8.self)
        }
    }

    /// Like `sign`, on a thread of its own: the process is waited for without blocking the
    /// cooperative pool.
    public static func sign(template: String, privateKeyPEM: String, certificatePEM: String? = nil) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try sign(template: template, privateKeyPEM: privateKeyPEM, certificatePEM: certificatePEM) })
            }
        }
    }

    /// Like `verify`, on a thread of its own.
    public static func verify(xml: String, certificatePEM: String) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try verify(xml: xml, certificatePEM: certificatePEM) })
            }
        }
    }

    /// `text` as PEM with `label`: unchanged when it already has a `-----BEGIN` line, else its
    /// Base64 body wrapped at 64 characters between the guard lines.
    static func pem(_ text: String, label: String) -> String {
        if text.contains("-----BEGIN") { return text }
        let body = text.filter { !$0.isWhitespace }
        var lines: [String] = []
        var rest = Substring(body)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(64)))
            rest = rest.dropFirst(64)
        }
        return "-----BEGIN \(label)-----\n" + lines.joined(separator: "\n") + "\n-----END \(label)-----\n"
    }

    static func withScratch<T>(_ body: (URL) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xmlsec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: folder) }
        return try body(folder)
    }
}

extension OpenSSLCommand {
    /// A self-signed X.509 certificate (PEM) for `privateKeyPEM`, valid from now for `days`,
    /// by `openssl req -new -x509`: what an OAuth2 client application registered in
    /// SuccessFactors' Admin Center holds.
    public static func selfSignedCertificate(privateKeyPEM: String, commonName: String = "neonhub-test", days: Int = 2) async throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("openssl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = folder.appendingPathComponent("key.pem")
        try Data(privateKeyPEM.utf8).write(to: key)
        let pem: Data = try await run(["req", "-new", "-x509", "-key", key.path, "-subj", "/CN=\(commonName)", "-days", String(days)])
        return String(decoding: pem, as: UTF8.self)
    }
}
