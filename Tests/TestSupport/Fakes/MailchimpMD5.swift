import COpenSSL
import Foundation

/// MD5 in lower-case hex through libcrypto, for the Mailchimp fake's subscriber hashes (the
/// fake checks the connector's hashing with its own call, not the connector's code).
enum MailchimpMD5 {
    static func hex(_ bytes: [UInt8]) -> String {
        var output = [UInt8](repeating: 0, count: 16)  // MD5 digests are 16 bytes
        let succeeded = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                EVP_Digest(input.baseAddress, input.count, out.baseAddress, nil, EVP_md5(), nil) == 1
            }
        }
        precondition(succeeded, "libcrypto MD5 failed")
        return output.map { String(format: "%02x", $0) }.joined()
    }
}
