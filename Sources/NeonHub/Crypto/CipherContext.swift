import COpenSSL

/// Owns one `EVP_CIPHER_CTX` configured for AES-256-GCM; freed when the value goes away.
///
/// Used only inside `AESGCM`; the pointer never leaves this type.
final class CipherContext {
    private let context: OpaquePointer
    private var encrypting = true

    /// Allocates the context.
    init() throws(CryptoError) {
        guard let context = EVP_CIPHER_CTX_new() else { throw .libcryptoFailure("EVP_CIPHER_CTX_new") }
        self.context = context
    }

    deinit { EVP_CIPHER_CTX_free(context) }

    /// Selects AES-256-GCM with a 12-byte IV, then sets key and nonce.
    func initialize(encrypt: Bool, key: [UInt8], nonce: [UInt8]) throws(CryptoError) {
        encrypting = encrypt
        let flag: Int32 = encrypt ? 1 : 0
        guard EVP_CipherInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil, flag) > 0 else {
            throw .libcryptoFailure("EVP_CipherInit_ex")
        }
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonce.count), nil) > 0 else {
            throw .libcryptoFailure("EVP_CTRL_GCM_SET_IVLEN")
        }
        let keyed = ByteBuffers.withPointer(to: key) { keyPointer, _ in
            ByteBuffers.withPointer(to: nonce) { noncePointer, _ in
                EVP_CipherInit_ex(context, nil, nil, keyPointer, noncePointer, flag) > 0
            }
        }
        guard keyed else { throw .libcryptoFailure("EVP_CipherInit_ex") }
    }

    /// Feeds additional authenticated data (skipped when empty).
    func addAAD(_ aad: [UInt8]) throws(CryptoError) {
        guard !aad.isEmpty else { return }
        var written: Int32 = 0
        let added = ByteBuffers.withPointer(to: aad) { pointer, count in
            EVP_CipherUpdate(context, nil, &written, pointer, Int32(count)) > 0
        }
        guard added else { throw .libcryptoFailure("EVP_CipherUpdate(aad)") }
    }

    /// Encrypts or decrypts `input`; GCM is a stream mode, so the output has the input's length.
    func update(_ input: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard !input.isEmpty else { return [] }
        guard input.count <= Int(Int32.max) - AESGCM.tagSize else { throw .libcryptoFailure("input too large") }
        var output = [UInt8](repeating: 0, count: input.count + AESGCM.tagSize)
        var written: Int32 = 0
        let done = ByteBuffers.withPointer(to: input) { pointer, count in
            output.withUnsafeMutableBufferPointer { out in
                EVP_CipherUpdate(context, out.baseAddress, &written, pointer, Int32(count)) > 0
            }
        }
        guard done, Int(written) == input.count else { throw .libcryptoFailure("EVP_CipherUpdate") }
        output.removeLast(output.count - Int(written))
        return output
    }

    /// Sets the tag a decryption must match; call before `finish()`.
    func setExpectedTag(_ tag: [UInt8]) throws(CryptoError) {
        var copy = tag
        let set = copy.withUnsafeMutableBytes { raw in
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(raw.count), raw.baseAddress) > 0
        }
        guard set else { throw .libcryptoFailure("EVP_CTRL_GCM_SET_TAG") }
    }

    /// Finalises; for decryption, fails when the tag does not verify.
    func finish() throws(CryptoError) {
        var trailing = [UInt8](repeating: 0, count: AESGCM.tagSize)
        var written: Int32 = 0
        let finished = trailing.withUnsafeMutableBufferPointer { out in
            EVP_CipherFinal_ex(context, out.baseAddress, &written) > 0
        }
        guard finished, written == 0 else {
            throw encrypting ? .libcryptoFailure("EVP_CipherFinal_ex") : .authenticationFailed
        }
    }

    /// Reads the tag after an encryption's `finish()`.
    func tag() throws(CryptoError) -> [UInt8] {
        var tag = [UInt8](repeating: 0, count: AESGCM.tagSize)
        let got = tag.withUnsafeMutableBytes { raw in
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(raw.count), raw.baseAddress) > 0
        }
        guard got else { throw .libcryptoFailure("EVP_CTRL_GCM_GET_TAG") }
        return tag
    }
}
