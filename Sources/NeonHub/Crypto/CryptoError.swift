/// A failure from one of the libcrypto wrappers in `Crypto/`.
///
/// The cases never carry key material, plaintext or ciphertext.
public enum CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key is not the size the algorithm requires.
    case invalidKeySize
    /// The nonce (IV) is not the size the algorithm requires.
    case invalidNonceSize
    /// The authentication tag is not the size the algorithm requires.
    case invalidTagSize
    /// The authentication tag did not match: the data, AAD, key or nonce is wrong.
    case authenticationFailed
    /// libcrypto reported an internal failure (allocation, provider) in the named call.
    case libcryptoFailure(String)

    /// A short, secret-free explanation.
    public var description: String {
        switch self {
        case .invalidKeySize: "invalid key size"
        case .invalidNonceSize: "invalid nonce size"
        case .invalidTagSize: "invalid tag size"
        case .authenticationFailed: "authentication failed"
        case .libcryptoFailure(let call): "libcrypto failure in \(call)"
        }
    }
}
