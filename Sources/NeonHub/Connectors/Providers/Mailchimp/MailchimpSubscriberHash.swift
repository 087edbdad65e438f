import COpenSSL
import Foundation

/// Mailchimp's subscriber hash: the MD5 of the lower-cased email address, in lower-case hex
/// (https://mailchimp.com/developer/marketing/docs/methods-parameters/#path-parameters). It
/// names a member in `/lists/{list_id}/members/{subscriber_hash}`. MD5 here is an identifier
/// Mailchimp chose, not a security measure.
public enum MailchimpSubscriberHash {
    /// The hash of `email` (surrounding whitespace dropped, lower-cased first).
    public static func of(_ email: String) -> String {
        let normalized = Array(email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().utf8)
        var output = [UInt8](repeating: 0, count: 16)  // MD5 digests are 16 bytes
        let succeeded = ByteBuffers.withPointer(to: normalized) { pointer, count in
            output.withUnsafeMutableBufferPointer { out in
                EVP_Digest(pointer, count, out.baseAddress, nil, EVP_md5(), nil) == 1
            }
        }
        // EVP_Digest fails only when libcrypto cannot allocate; there is no safe answer to return.
        guard succeeded else { fatalError("libcrypto MD5 failed") }
        return output.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
    }
}
