import COpenSSL
import Foundation

/// SHA-256 (FIPS 180-4) over libcrypto.
public enum SHA256Digest {
    /// The 32-byte digest of `message`.
    public static func digest(_ message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let succeeded = ByteBuffers.withPointer(to: message) { pointer, count in
            output.withUnsafeMutableBufferPointer { out in
                EVP_Digest(pointer, count, out.baseAddress, nil, EVP_sha256(), nil) == 1
            }
        }
        // EVP_Digest fails only when libcrypto cannot allocate; there is no safe answer to return.
        guard succeeded else { fatalError("libcrypto SHA-256 failed") }
        return output
    }

    /// The digest as lower-case hex.
    public static func hex(_ message: [UInt8]) -> String {
        digest(message).map { String(format: "%02x", $0) }.joined()
    }
}
