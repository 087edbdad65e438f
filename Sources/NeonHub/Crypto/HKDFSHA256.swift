import COpenSSL

/// HKDF-SHA256 (RFC 5869, extract-then-expand) over libcrypto's `EVP_PKEY_HKDF`.
public enum HKDFSHA256 {
    /// The largest output HKDF-SHA256 can produce: 255 blocks of 32 bytes.
    public static let maximumOutputLength = 255 * 32
    /// The largest `info` libcrypto 3.0 accepts.
    public static let maximumInfoLength = 1024

    /// Derives `outputLength` bytes from `inputKeyMaterial`, `salt` (empty means RFC 5869's
    /// all-zero salt) and `info`.
    ///
    /// - Precondition: `1 ... maximumOutputLength` bytes are asked for and `info` is at most
    ///   `maximumInfoLength` bytes; violating that is a programming error.
    public static func derive(inputKeyMaterial: [UInt8], salt: [UInt8], info: [UInt8], outputLength: Int) -> [UInt8] {
        precondition((1...maximumOutputLength).contains(outputLength), "HKDF-SHA256 output length out of range")
        precondition(info.count <= maximumInfoLength, "HKDF info longer than libcrypto accepts")
        switch deriveOrFail(ikm: inputKeyMaterial, salt: salt, info: info, outputLength: outputLength) {
        case .success(let key): return key
        case .failure(let error): fatalError("\(error)")
        }
    }

    /// Runs the derivation; every libcrypto failure becomes a `CryptoError` and the context is always freed.
    private static func deriveOrFail(
        ikm: [UInt8], salt: [UInt8], info: [UInt8], outputLength: Int
    ) -> Result<[UInt8], CryptoError> {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nil) else {
            return .failure(.libcryptoFailure("EVP_PKEY_CTX_new_id"))
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_derive_init(context) > 0 else { return .failure(.libcryptoFailure("EVP_PKEY_derive_init")) }
        guard EVP_PKEY_CTX_set_hkdf_md(context, EVP_sha256()) > 0 else {
            return .failure(.libcryptoFailure("EVP_PKEY_CTX_set_hkdf_md"))
        }
        let configured = ByteBuffers.withPointer(to: ikm) { pointer, count in
            EVP_PKEY_CTX_set1_hkdf_key(context, pointer, Int32(count)) > 0
        }
        guard configured else { return .failure(.libcryptoFailure("EVP_PKEY_CTX_set1_hkdf_key")) }
        if !salt.isEmpty {
            let saltSet = ByteBuffers.withPointer(to: salt) { pointer, count in
                EVP_PKEY_CTX_set1_hkdf_salt(context, pointer, Int32(count)) > 0
            }
            guard saltSet else { return .failure(.libcryptoFailure("EVP_PKEY_CTX_set1_hkdf_salt")) }
        }
        if !info.isEmpty {
            let infoSet = ByteBuffers.withPointer(to: info) { pointer, count in
                EVP_PKEY_CTX_add1_hkdf_info(context, pointer, Int32(count)) > 0
            }
            guard infoSet else { return .failure(.libcryptoFailure("EVP_PKEY_CTX_add1_hkdf_info")) }
        }
        var output = [UInt8](repeating: 0, count: outputLength)
        var length = outputLength
        let derived = output.withUnsafeMutableBufferPointer { out in
            EVP_PKEY_derive(context, out.baseAddress, &length) > 0
        }
        guard derived, length == outputLength else { return .failure(.libcryptoFailure("EVP_PKEY_derive")) }
        return .success(output)
    }
}
