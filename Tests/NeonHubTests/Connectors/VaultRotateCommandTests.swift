import ArgumentParser
import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub
@testable import NeonHubCLI

/// `neonhub vault rotate` as the operator runs it: the built binary against a real database,
/// its progress and problems on stderr, its exit status, and its options.
@Suite struct VaultRotateCommandTests {
    /// Runs the `neonhub` binary to completion; standard output and error are collected.
    static func neonhub(_ arguments: [String], environment env: [String: String]) async throws -> (status: Int32, out: String, err: String) {
        try await blocking {
            var environment = ProcessInfo.processInfo.environment
            for name in ["DATABASE_URL", "TOKEN_VAULT_KEY", "TOKEN_VAULT_PREVIOUS_KEYS"] { environment.removeValue(forKey: name) }
            for (k, v) in env { environment[k] = v }
            let result = try ProcessRunner.run(ServeProcessTests.binary, arguments, environment: environment)
            return (result.status, result.standardOutput, result.standardError)
        }
    }

    static func base64(_ byte: UInt8) -> String { Data(repeating: byte, count: 32).base64EncodedString() }

    @Test func rotatesThroughTheBinaryReportsAnUnknownKeyAndExitsNonZeroUntilNothingIsLeft() async throws {
        let fixture = try await VaultRotatorTests.Fixture(connections: 3)
        defer { fixture.close() }
        let connections = fixture.secrets.keys.sorted { $0.uuidString < $1.uuidString }
        let unknown = try VaultKeyring.Key([UInt8](repeating: 0xD4, count: 32))
        let stray = try TokenVault(keyring: VaultKeyring(current: unknown)).seal("PLANTED-under-unknown", connection: connections[0], kind: "api_key")
        _ = try await fixture.pool.execute(SecretStore.upsert(stray, kind: "api_key", connection: connections[0]))
        let environment = [
            "DATABASE_URL": fixture.url, "TOKEN_VAULT_KEY": Self.base64(0xB2),
            "TOKEN_VAULT_PREVIOUS_KEYS": "\(VaultRotatorTests.keyA.id):\(Self.base64(0xA1))",
        ]
        let planted = fixture.secrets.values.flatMap(\.values) + [fixture.verifier, "PLANTED-under-unknown"]

        let dry = try await Self.neonhub(["vault", "rotate", "--dry-run"], environment: environment)
        #expect(dry.status == 0, "\(dry.err)")
        let lines = dry.out.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines.contains([VaultRotatorTests.keyA.id, "previous", "6", "1"]), "\(dry.out)")
        #expect(lines.contains([unknown.id, "unknown", "1", "0"]), "\(dry.out)")
        #expect(dry.out.contains("would re-encrypt 7; 1 under keys that are not configured"))
        #expect(try await fixture.keyIDs()[VaultRotatorTests.keyA.id] == 7, "a dry run changes nothing")

        let run = try await Self.neonhub(["vault", "rotate", "--batch-size", "2"], environment: environment)
        #expect(run.status == 1)
        #expect(run.err.contains("rotated 2/8\n") && run.err.contains("rotated 8/8\n"), "\(run.err)")
        #expect(
            run.err.contains(
                "cannot rotate connection \(connections[0].uuidString.lowercased()) api_key (key \(unknown.id)): key \(unknown.id) is not configured")
        )
        #expect(run.err.contains("1 left under old keys: 1 unreadable"))
        #expect(run.out.contains("re-encrypted 7 under key \(VaultRotatorTests.keyB.id); 1 left under old keys"))
        for secret in planted { #expect(!run.out.contains(secret) && !run.err.contains(secret)) }
        try await fixture.expectAllOpen()

        // The operator deletes (or reconnects) the stray secret; the next run finishes with 0.
        _ = try await fixture.pool.execute("DELETE FROM encrypted_secrets WHERE key_id = \(unknown.id)")
        let done = try await Self.neonhub(["vault", "rotate"], environment: environment)
        #expect(done.status == 0, "\(done.err)")
        #expect(done.out.contains("re-encrypted 0 under key \(VaultRotatorTests.keyB.id); 0 left under old keys"))
        #expect(try await fixture.keyIDs() == [VaultRotatorTests.keyB.id: 7])
    }

    @Test func withoutAVaultKeyItIsAConfigurationError() async throws {
        let run = try await Self.neonhub(["vault", "rotate"], environment: ["DATABASE_URL": "host=/nonexistent"])
        #expect(run.status == 78)
        #expect(run.err.contains("TOKEN_VAULT_KEY is not set"))
    }

    @Test func optionsParseAndNonsenseIsRefused() throws {
        let defaults = try VaultRotateCommand.parse([])
        #expect(defaults.batchSize == 200 && defaults.limit == nil && !defaults.dryRun)
        let given = try VaultRotateCommand.parse(["--dry-run", "--batch-size", "50", "--limit", "1000"])
        #expect(given.dryRun && given.batchSize == 50 && given.limit == 1000)
        #expect(throws: (any Error).self) { try VaultRotateCommand.parse(["--batch-size", "0"]) }
        #expect(throws: (any Error).self) { try VaultRotateCommand.parse(["--limit", "-1"]) }
        #expect(grouped(1234) == "1,234" && grouped(400) == "400" && grouped(1_234_567) == "1,234,567")
    }
}
