import COpenSSL
import Foundation

/// Checks a TLS client certificate and its private key (PEM) through libcrypto before they are
/// stored or presented (ADP's mutual TLS): the first certificate reads, the key reads
/// (unencrypted, never prompting), the key is the certificate's, and the certificate is in its
/// validity period. What went wrong never carries key material.
public enum ClientCertificateCheck {
    /// Why a certificate and key cannot be presented.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// The certificate is not a PEM X.509 certificate.
        case notACertificate
        /// The key is not an unencrypted PEM private key.
        case notAPrivateKey
        /// The key does not belong to the certificate.
        case keyDoesNotMatch
        /// The certificate is not valid yet.
        case notYetValid
        /// The certificate expired.
        case expired

        public var description: String {
            switch self {
            case .notACertificate: "not a PEM X.509 certificate (-----BEGIN CERTIFICATE-----)"
            case .notAPrivateKey: "not an unencrypted PEM private key"
            case .keyDoesNotMatch: "the private key does not belong to the certificate"
            case .notYetValid: "the certificate is not valid yet"
            case .expired: "the certificate has expired"
            }
        }
    }

    /// Throws the first problem of `certificatePEM` (its first certificate) and `privateKeyPEM`.
    public static func check(certificatePEM: String, privateKeyPEM: String) throws(Problem) {
        guard let certificate = read(certificatePEM, { PEM_read_bio_X509($0, nil, noPassphrase, nil) }) else { throw .notACertificate }
        defer { X509_free(certificate) }
        guard !privateKeyPEM.contains("ENCRYPTED"), let key = read(privateKeyPEM, { PEM_read_bio_PrivateKey($0, nil, noPassphrase, nil) }) else {
            throw .notAPrivateKey
        }
        defer { EVP_PKEY_free(key) }
        let matches = X509_check_private_key(certificate, key) == 1
        ERR_clear_error()
        guard matches else { throw .keyDoesNotMatch }
        if X509_cmp_current_time(X509_get0_notBefore(certificate)) > 0 { throw .notYetValid }
        if X509_cmp_current_time(X509_get0_notAfter(certificate)) < 0 { throw .expired }
    }

    /// A passphrase callback that gives none: libcrypto's default would read the terminal.
    private static let noPassphrase: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = {
        _, _, _, _ in 0
    }

    /// What `reader` reads from a memory BIO over `pem`.
    private static func read(_ pem: String, _ reader: (OpaquePointer) -> OpaquePointer?) -> OpaquePointer? {
        let bytes = Array(pem.utf8)
        let value: OpaquePointer? = ByteBuffers.withPointer(to: bytes) { pointer, count in
            guard let bio = BIO_new_mem_buf(pointer, Int32(count)) else { return nil }
            defer { BIO_free(bio) }
            return reader(bio)
        }
        ERR_clear_error()
        return value
    }
}
