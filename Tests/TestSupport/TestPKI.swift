// Not a provider fake: a throwaway X.509 hierarchy made with the `openssl` command-line tool
// (https://docs.openssl.org/3.0/man1/openssl-req/, https://docs.openssl.org/3.0/man1/openssl-x509/),
// for providers that authenticate callers by mutual TLS (RFC 8446 §4.3.2 CertificateRequest,
// https://www.rfc-editor.org/rfc/rfc8446#section-4.3.2). It stands for what such a provider's
// CA does — ADP signs the client certificate from the CSR a partner submits in its developer
// portal (https://prismatic.io/docs/components/adp-workforce-now, "Certificate Signing Request
// Guide") — and for the provider's own server certificate, which a client trusts through `caPEM`.

public import Foundation

/// A test certificate authority and what it signed, as PEM files in a private folder: the CA
/// (`CA:TRUE`), a server certificate for `localhost` and `127.0.0.1` (SAN DNS and IP,
/// `serverAuth`), a client certificate (`clientAuth`, what the provider's CA issues from the
/// CSR) and a self-signed "stranger" client certificate no CA vouches for. RSA 2048 keys,
/// unencrypted PKCS#8, valid for two days. Made by `OpenSSLCommand` (posix_spawn).
public final class TestPKI: Sendable {
    /// A certificate and its private key, as files and as PEM text.
    public struct Identity: Sendable {
        /// The certificate file (PEM).
        public let certificateFile: URL
        /// The private key file (PEM, PKCS#8, unencrypted).
        public let keyFile: URL
        /// The certificate, PEM.
        public var certificatePEM: String { (try? String(contentsOf: certificateFile, encoding: .utf8)) ?? "" }
        /// The private key, PEM.
        public var keyPEM: String { (try? String(contentsOf: keyFile, encoding: .utf8)) ?? "" }
    }

    /// The folder holding every file.
    public let folder: URL
    /// The CA: what a server trusts client certificates by, and what a client trusts the server by.
    public let ca: Identity
    /// The server certificate (CN and SAN `localhost`, SAN IP `127.0.0.1`), signed by the CA.
    public let server: Identity
    /// A client certificate signed by the CA.
    public let client: Identity
    /// A self-signed client certificate: a TLS front must refuse it.
    public let stranger: Identity

    /// The CA certificate, PEM.
    public var caPEM: String { ca.certificatePEM }

    /// A fresh hierarchy; `clientName` is the client certificate's CN.
    public init(clientName: String = "neonhub-adp-client") throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("neonhub-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func identity(_ name: String) -> Identity {
            Identity(certificateFile: directory.appendingPathComponent("\(name).pem"), keyFile: directory.appendingPathComponent("\(name)-key.pem"))
        }
        folder = directory
        (ca, server, client, stranger) = (identity("ca"), identity("server"), identity("client"), identity("stranger"))
        try Self.selfSigned(
            ca, subject: "/CN=NeonHub Test CA", extensions: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"])
        try issue(
            server, subject: "/CN=localhost",
            extensions: [
                "basicConstraints=CA:FALSE", "subjectAltName=DNS:localhost,IP:127.0.0.1", "extendedKeyUsage=serverAuth",
                "keyUsage=critical,digitalSignature,keyEncipherment",
            ])
        try issue(
            client, subject: "/CN=\(clientName)",
            extensions: ["basicConstraints=CA:FALSE", "extendedKeyUsage=clientAuth", "keyUsage=critical,digitalSignature,keyEncipherment"])
        try Self.selfSigned(stranger, subject: "/CN=\(clientName)", extensions: ["basicConstraints=CA:FALSE", "extendedKeyUsage=clientAuth"])
    }

    /// Another client certificate signed by the CA (a second partner, a re-issued certificate).
    public func issueClient(name: String) throws -> Identity {
        let identity = Identity(
            certificateFile: folder.appendingPathComponent("\(name).pem"), keyFile: folder.appendingPathComponent("\(name)-key.pem"))
        try issue(identity, subject: "/CN=\(name)", extensions: ["basicConstraints=CA:FALSE", "extendedKeyUsage=clientAuth"])
        return identity
    }

    /// Another server certificate signed by the CA, naming only `dnsName` (a provider's
    /// certificate issued for another host).
    public func issueServer(name: String, dnsName: String) throws -> Identity {
        let identity = Identity(
            certificateFile: folder.appendingPathComponent("\(name).pem"), keyFile: folder.appendingPathComponent("\(name)-key.pem"))
        try issue(
            identity, subject: "/CN=\(dnsName)",
            extensions: [
                "basicConstraints=CA:FALSE", "subjectAltName=DNS:\(dnsName)", "extendedKeyUsage=serverAuth",
                "keyUsage=critical,digitalSignature,keyEncipherment",
            ])
        return identity
    }

    /// Removes the folder.
    public func remove() { try? FileManager.default.removeItem(at: folder) }

    /// One hierarchy per test process, made on first use (on a thread of its own, off the
    /// cooperative pool).
    public static func shared() async throws -> TestPKI {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try sharedResult.get() }) }
        }
    }

    private static let sharedResult: Result<TestPKI, any Error> = Result { try TestPKI() }

    private static func selfSigned(_ identity: Identity, subject: String, extensions: [String]) throws {
        try OpenSSLCommand.run(
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", identity.keyFile.path, "-out", identity.certificateFile.path,
                "-days", "2", "-subj", subject,
            ] + extensions.flatMap { ["-addext", $0] })
    }

    private func issue(_ identity: Identity, subject: String, extensions: [String]) throws {
        let request = folder.appendingPathComponent("\(UUID().uuidString).csr")
        let extensionFile = folder.appendingPathComponent("\(UUID().uuidString).ext")
        defer {
            try? FileManager.default.removeItem(at: request)
            try? FileManager.default.removeItem(at: extensionFile)
        }
        try OpenSSLCommand.run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", identity.keyFile.path, "-out", request.path, "-subj", subject])
        try Data((extensions.joined(separator: "\n") + "\n").utf8).write(to: extensionFile)
        try OpenSSLCommand.run(
            [
                "x509", "-req", "-in", request.path, "-CA", ca.certificateFile.path, "-CAkey", ca.keyFile.path, "-set_serial",
                String(UInt32.random(in: 1...UInt32.max)), "-out", identity.certificateFile.path, "-days", "2", "-extfile", extensionFile.path,
            ])
    }
}
