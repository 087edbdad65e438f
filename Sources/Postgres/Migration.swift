import Foundation

/// One migration file, `NNNN_name.sql`: its version, name, SQL text and SHA-256 checksum.
public struct Migration: Sendable, Hashable {
    /// The numeric prefix, e.g. 1 for `0001_agent_runs.sql`.
    public var version: Int
    /// The name part, e.g. `agent_runs`.
    public var name: String
    /// The SQL text.
    public var sql: String
    /// SHA-256 of the file's bytes, 64 lowercase hex characters.
    public var checksum: String

    /// Creates a migration from SQL text (computes the checksum).
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hexDigest(sql.utf8)
    }

    /// Creates a migration from a file's bytes (the checksum covers the exact bytes).
    init(version: Int, name: String, fileContents: Data) {
        self.version = version
        self.name = name
        self.sql = String(decoding: fileContents, as: UTF8.self)
        self.checksum = SHA256.hexDigest(fileContents)
    }

    /// The file name, `NNNN_name.sql`.
    public var fileName: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_\(name).sql"
    }

    /// Parses `NNNN_name.sql` (exactly four digits, then `[a-z0-9_]+`); nil otherwise.
    static func parseFileName(_ fileName: String) -> (version: Int, name: String)? {
        let bytes = Array(fileName.utf8)
        guard bytes.count > 9, fileName.hasSuffix(".sql"), bytes[4] == UInt8(ascii: "_") else { return nil }
        guard bytes[0..<4].allSatisfy({ (48...57).contains($0) }), let version = Int(String(decoding: bytes[0..<4], as: UTF8.self))
        else { return nil }
        let nameBytes = bytes[5..<(bytes.count - 4)]
        guard !nameBytes.isEmpty, nameBytes.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 95 })
        else { return nil }
        return (version, String(decoding: nameBytes, as: UTF8.self))
    }
}
