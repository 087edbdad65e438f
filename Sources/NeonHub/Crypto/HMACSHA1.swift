import COpenSSL

/// HMAC-SHA1 (RFC 2104) over libcrypto. Only for verifying providers that still sign with it
/// (Twilio's `X-Twilio-Signature`); never for anything NeonHub signs itself.
public enum HMACSHA1 {
    /// The size of an HMAC-SHA1 output, in bytes.
    public static let outputSize = 20

    /// Returns the 20-byte HMAC-SHA1 of `message` under `key` (any key length, including empty).
    public static func authenticate(message: [UInt8], key: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var outputLength: UInt32 = 0
        let succeeded = ByteBuffers.withPointer(to: key) { keyPointer, keyCount in
            ByteBuffers.withPointer(to: message) { messagePointer, messageCount in
                output.withUnsafeMutableBufferPointer { out in
                    HMAC(EVP_sha1(), keyPointer, Int32(keyCount), messagePointer, messageCount,
                         out.baseAddress, &outputLength) != nil
                }
            }
        }
        // HMAC() fails only when libcrypto cannot allocate; there is no safe answer to return.
        guard succeeded, Int(outputLength) == outputSize else { fatalError("libcrypto HMAC-SHA1 failed") }
        return Array(output.prefix(outputSize))
    }
}
