import COpenSSL

/// An RSA private key read from PEM through libcrypto, for RS256 signatures (RSASSA-PKCS1-v1_5
/// with SHA-256, RFC 7518 §3.3) such as Snowflake's key-pair JWTs.
///
/// Only unencrypted keys are read (PKCS#8 `BEGIN PRIVATE KEY`, or PKCS#1 `BEGIN RSA PRIVATE
/// KEY`), of at least 2048 bits. Errors never carry key material. The key lives in libcrypto's
/// memory for the value's lifetime and is freed with it; it is immutable after reading, so
/// concurrent signatures (each with its own digest context) are safe.
public final class RSAPrivateKey: @unchecked Sendable {
    /// Why a PEM text could not be used as a signing key (no key material in any case).
    public enum ReadError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Not PEM, or PEM that libcrypto cannot read as a private key.
        case notAPrivateKey
        /// An encrypted private key: a passphrase would be needed.
        case encrypted
        /// A private key of another algorithm (EC, Ed25519…).
        case notRSA
        /// An RSA key shorter than 2048 bits.
        case tooShort(bits: Int)

        public var description: String {
            switch self {
            case .notAPrivateKey: "not a PEM private key (expected an unencrypted PKCS#8 PEM, as openssl pkcs8 -topk8 -nocrypt writes it)"
            case .encrypted: "an encrypted private key; decrypt it first (openssl pkcs8 -topk8 -nocrypt)"
            case .notRSA: "not an RSA key"
            case .tooShort(let bits): "an RSA key of \(bits) bits; at least 2048 are needed"
            }
        }
    }

    /// The smallest modulus accepted, in bits.
    public static let minimumBits = 2048

    private let key: OpaquePointer

    /// Reads `pem`. Never prompts for a passphrase.
    public init(pem: String) throws(ReadError) {
        if pem.contains("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED") { throw .encrypted }
        guard pem.contains("PRIVATE KEY-----") else { throw .notAPrivateKey }
        let bytes = Array(pem.utf8)
        // A callback that gives no passphrase: libcrypto's default would read the terminal.
        let noPassphrase: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = { _, _, _, _ in 0 }
        let read: OpaquePointer? = ByteBuffers.withPointer(to: bytes) { pointer, count in
            guard let bio = BIO_new_mem_buf(pointer, Int32(count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, noPassphrase, nil)
        }
        ERR_clear_error()
        guard let read else { throw .notAPrivateKey }
        guard EVP_PKEY_get_base_id(read) == NID_rsaEncryption else {
            EVP_PKEY_free(read)
            throw .notRSA
        }
        let bits = Int(EVP_PKEY_get_bits(read))
        guard bits >= Self.minimumBits else {
            EVP_PKEY_free(read)
            throw .tooShort(bits: bits)
        }
        key = read
    }

    deinit { EVP_PKEY_free(key) }

    /// The public half as DER `SubjectPublicKeyInfo` (what `openssl pkey -pubout -outform DER` writes).
    public var publicKeyDER: [UInt8] {
        let length = i2d_PUBKEY(key, nil)
        guard length > 0 else { fatalError("libcrypto i2d_PUBKEY failed") }
        var output = [UInt8](repeating: 0, count: Int(length))
        let written = output.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_PUBKEY(key, &cursor)
        }
        // Encoding a key libcrypto already holds fails only when it cannot allocate.
        guard written == length else { fatalError("libcrypto i2d_PUBKEY failed") }
        return output
    }

    /// The RS256 signature (RSASSA-PKCS1-v1_5, SHA-256) of `message`.
    public func signRS256(_ message: [UInt8]) throws -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw CryptoError.libcryptoFailure("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else {
            ERR_clear_error()
            throw CryptoError.libcryptoFailure("EVP_DigestSignInit")
        }
        var length = 0
        let sized = ByteBuffers.withPointer(to: message) { pointer, count in
            EVP_DigestSign(context, nil, &length, pointer, count) == 1
        }
        guard sized, length > 0 else {
            ERR_clear_error()
            throw CryptoError.libcryptoFailure("EVP_DigestSign")
        }
        var signature = [UInt8](repeating: 0, count: length)
        let signed = ByteBuffers.withPointer(to: message) { pointer, count in
            signature.withUnsafeMutableBufferPointer { out in
                EVP_DigestSign(context, out.baseAddress, &length, pointer, count) == 1
            }
        }
        guard signed else {
            ERR_clear_error()
            throw CryptoError.libcryptoFailure("EVP_DigestSign")
        }
        return Array(signature.prefix(length))
    }
}
