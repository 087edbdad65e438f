import Foundation
import Synchronization

/// Request ids: the client's `X-Request-Id` when sane (1–128 of `A–Z a–z 0–9 - _ . :`),
/// otherwise a process-unique id (random prefix + counter).
public enum RequestID {
    private static let prefix: String = {
        var generator = SystemRandomNumberGenerator()
        let value: UInt64 = generator.next() & 0xFFFF_FFFF_FFFF
        return String(value, radix: 16)
    }()
    private static let counter = Atomic<UInt64>(0)

    /// The id to use for a request that sent `header` (may be nil).
    public static func resolve(_ header: String?) -> String {
        if let header, isSane(header) { return header }
        let n = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return "\(prefix)-\(String(n, radix: 16))"
    }

    /// Whether a client-supplied id may be echoed and logged.
    public static func isSane(_ id: String) -> Bool {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        return bytes.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95 || c == 46 || c == 58
        }
    }
}
