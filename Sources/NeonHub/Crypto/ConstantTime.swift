import COpenSSL

/// Compares two byte strings without data-dependent timing on their contents (`CRYPTO_memcmp`).
///
/// Only the lengths are compared in variable time; for MACs of a fixed size that leaks nothing.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    guard !a.isEmpty else { return true }
    return a.withUnsafeBytes { left in
        b.withUnsafeBytes { right in
            CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count) == 0
        }
    }
}
