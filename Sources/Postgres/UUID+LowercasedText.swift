public import Foundation

extension UUID {
    /// The canonical lowercase text (`8-4-4-4-12` hex digits), as Postgres prints a `uuid`.
    /// Written digit by digit: Foundation's `uuidString` goes through `snprintf` on Linux
    /// (about 1 % of a queue worker's time, for the ids of the outcomes it writes), and then
    /// needs `lowercased()`.
    public var lowercasedText: String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                var position = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[position] = 0x2D
                        position += 1
                    }
                    out[position] = Self.hexDigit(bytes[index] >> 4)
                    out[position + 1] = Self.hexDigit(bytes[index] & 0x0F)
                    position += 2
                }
                return position
            }
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10
    }
}
