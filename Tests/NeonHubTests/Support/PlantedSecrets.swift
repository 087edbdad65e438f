import Foundation
import Postgres
import Testing

/// Where planted secrets show up in plaintext: every base table of the public schema is read
/// row by row as text, looking for each secret as it is and as `bytea` prints it (hex). The
/// answer names each find as "table holds secret-prefix…"; empty means every secret lives only
/// sealed in the vault. A search that found no `encrypted_secrets` table to read is a find too,
/// so a wrong database cannot pass for a clean one.
func plaintextFindings(of secrets: [String], in pool: PostgresPool) async throws -> [String] {
    let tables = try await pool.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    .map { try $0.decode("table_name", as: String.self) }
    var findings = tables.contains("encrypted_secrets") ? [] : ["no encrypted_secrets table was searched"]
    for table in tables {
        for secret in secrets where !secret.isEmpty {
            let hex = secret.utf8.map { String(format: "%02x", $0) }.joined()
            let found = try await pool.query(
                PostgresQuery(
                    unsafeSQL: "SELECT count(*)::int AS n FROM \(table) t WHERE t::text LIKE $1 OR t::text LIKE $2",
                    binds: [.text("%\(secret)%", type: .text), .text("%\(hex)%", type: .text)]))
            if try found.first?.decode("n", as: Int.self) != 0 { findings.append("\(table) holds \(secret.prefix(6))…") }
        }
    }
    return findings
}

/// Expects each of `secrets` nowhere in plaintext: in no table (`plaintextFindings`), in no
/// captured log line, and in none of `replies` (response bodies or envelopes as text).
func expectNowhere(
    _ secrets: [String], pool: PostgresPool, logs: LogCapture, replies: [String], sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    #expect(try await plaintextFindings(of: secrets, in: pool) == [], sourceLocation: sourceLocation)
    #expect(logs.count > 0, "the logs were captured", sourceLocation: sourceLocation)
    for secret in secrets where !secret.isEmpty {
        #expect(!logs.text.contains(secret), "a log line holds \(secret.prefix(6))…", sourceLocation: sourceLocation)
        for reply in replies { #expect(!reply.contains(secret), "a reply holds \(secret.prefix(6))…", sourceLocation: sourceLocation) }
    }
}
