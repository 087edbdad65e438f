import COpenSSL

/// HMAC-SHA256 (RFC 2104) over libcrypto.
public enum HMACSHA256 {
    /// The size of an HMAC-SHA256 output, in bytes.
    public static let outputSize = 32

    /// Returns the 32-byte HMAC-SHA256 of `message` under `key` (any key length, including empty).
    public static func authenticate(message: [UInt8], key: [UInt8]) -> [UInt8] {
        LibcryptoHMAC.authenticate(EVP_sha256(), outputSize: outputSize, name: "HMAC-SHA256", message: message, key: key)
    }
}
