import COpenSSL

/// HMAC-SHA1 (RFC 2104) over libcrypto. Only for verifying providers that still sign with it
/// (Twilio's `X-Twilio-Signature`); never for anything NeonHub signs itself.
public enum HMACSHA1 {
    /// The size of an HMAC-SHA1 output, in bytes.
    public static let outputSize = 20

    /// Returns the 20-byte HMAC-SHA1 of `message` under `key` (any key length, including empty).
    public static func authenticate(message: [UInt8], key: [UInt8]) -> [UInt8] {
        LibcryptoHMAC.authenticate(EVP_sha1(), outputSize: outputSize, name: "HMAC-SHA1", message: message, key: key)
    }
}
