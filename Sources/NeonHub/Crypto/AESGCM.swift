import COpenSSL

/// AES-256-GCM authenticated encryption (96-bit nonce, 128-bit tag) over libcrypto's EVP cipher API.
public enum AESGCM {
    /// Key size in bytes (AES-256).
    public static let keySize = 32
    /// Nonce size in bytes (the GCM default of 96 bits).
    public static let nonceSize = 12
    /// Authentication tag size in bytes.
    public static let tagSize = 16

    /// Encrypts `plaintext` under `key` and `nonce`, authenticating `aad` too.
    ///
    /// A nonce must never be reused with the same key; `SecureRandom.bytes(AESGCM.nonceSize)` is the usual source.
    /// - Throws: `CryptoError.invalidKeySize` / `.invalidNonceSize`, or `.libcryptoFailure`.
    public static func seal(
        plaintext: [UInt8], key: [UInt8], nonce: [UInt8], aad: [UInt8] = []
    ) throws(CryptoError) -> (ciphertext: [UInt8], tag: [UInt8]) {
        try checkSizes(key: key, nonce: nonce)
        let context = try CipherContext()
        try context.initialize(encrypt: true, key: key, nonce: nonce)
        try context.addAAD(aad)
        let ciphertext = try context.update(plaintext)
        try context.finish()
        let tag = try context.tag()
        return (ciphertext, tag)
    }

    /// Decrypts and authenticates `ciphertext`; returns the plaintext only when `tag` matches.
    ///
    /// - Throws: `CryptoError.authenticationFailed` when the tag does not match (nothing is returned);
    ///   size errors or `.libcryptoFailure` otherwise.
    public static func open(
        ciphertext: [UInt8], key: [UInt8], nonce: [UInt8], aad: [UInt8] = [], tag: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        try checkSizes(key: key, nonce: nonce)
        guard tag.count == tagSize else { throw .invalidTagSize }
        let context = try CipherContext()
        try context.initialize(encrypt: false, key: key, nonce: nonce)
        try context.addAAD(aad)
        let plaintext = try context.update(ciphertext)
        try context.setExpectedTag(tag)
        do {
            try context.finish()
        } catch {
            throw .authenticationFailed
        }
        return plaintext
    }

    /// Rejects keys and nonces of the wrong size before libcrypto sees them.
    private static func checkSizes(key: [UInt8], nonce: [UInt8]) throws(CryptoError) {
        guard key.count == keySize else { throw .invalidKeySize }
        guard nonce.count == nonceSize else { throw .invalidNonceSize }
    }
}
