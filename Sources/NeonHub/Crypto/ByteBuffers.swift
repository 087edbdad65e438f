/// Helpers that hand C functions a valid pointer even for empty arrays.
///
/// `Array.withUnsafeBufferPointer` may yield a nil base address for an empty array;
/// libcrypto treats some `(NULL, 0)` pairs as "parameter absent" rather than "empty",
/// so the wrappers always pass a real address with the length.
enum ByteBuffers {
    /// Calls `body` with a non-null pointer to `bytes` (or to a dummy byte when empty) and the count.
    static func withPointer<R, E: Error>(
        to bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) throws(E) -> R
    ) throws(E) -> R {
        if bytes.isEmpty {
            var dummy: UInt8 = 0
            return try withUnsafePointer(to: &dummy) { (pointer) throws(E) -> R in try body(pointer, 0) }
        }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(E) -> R in
            guard let base = buffer.baseAddress else {
                var dummy: UInt8 = 0
                return try withUnsafePointer(to: &dummy) { (pointer) throws(E) -> R in try body(pointer, 0) }
            }
            return try body(base, buffer.count)
        }
    }
}
