import COpenSSL

/// HMAC (RFC 2104) over libcrypto with any digest: the one implementation behind `HMACSHA256`
/// and `HMACSHA1`.
enum LibcryptoHMAC {
    /// The `outputSize`-byte HMAC of `message` under `key` with `digest` (`EVP_sha256()`…).
    static func authenticate(_ digest: OpaquePointer?, outputSize: Int, name: String, message: [UInt8], key: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var outputLength: UInt32 = 0
        let succeeded = ByteBuffers.withPointer(to: key) { keyPointer, keyCount in
            ByteBuffers.withPointer(to: message) { messagePointer, messageCount in
                output.withUnsafeMutableBufferPointer { out in
                    HMAC(digest, keyPointer, Int32(keyCount), messagePointer, messageCount, out.baseAddress, &outputLength) != nil
                }
            }
        }
        // HMAC() fails only when libcrypto cannot allocate; there is no safe answer to return.
        guard succeeded, Int(outputLength) == outputSize else { fatalError("libcrypto \(name) failed") }
        return Array(output.prefix(outputSize))
    }
}
