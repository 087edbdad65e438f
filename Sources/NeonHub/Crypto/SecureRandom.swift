import COpenSSL

/// Cryptographically secure random bytes from libcrypto's DRBG (`RAND_bytes`).
public enum SecureRandom {
    /// Returns `count` random bytes (an empty array for `count <= 0`).
    ///
    /// A failing system RNG leaves no safe fallback, so that stops the process (as swift-crypto does).
    public static func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        precondition(count <= Int(Int32.max), "SecureRandom.bytes: count too large")
        var output = [UInt8](repeating: 0, count: count)
        let status = output.withUnsafeMutableBufferPointer { buffer in
            RAND_bytes(buffer.baseAddress, Int32(buffer.count))
        }
        guard status == 1 else { fatalError("RAND_bytes failed: the system random generator is unavailable") }
        return output
    }
}
