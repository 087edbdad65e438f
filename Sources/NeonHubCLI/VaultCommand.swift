import ArgumentParser
import Foundation
import Logging
import NeonHub

/// `neonhub vault …`: the token vault's maintenance.
struct VaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault", abstract: "Maintain the token vault.", subcommands: [VaultRotateCommand.self])
}

/// `neonhub vault rotate [--dry-run] [--batch-size N] [--limit N]`: reseals every secret under
/// `TOKEN_VAULT_KEY`. Exits 0 when nothing is left under an old key, 1 when rows remain
/// (each unreadable one is named on stderr), 78 when the vault is not configured.
struct VaultRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Re-encrypt every secret under TOKEN_VAULT_KEY (old keys from TOKEN_VAULT_PREVIOUS_KEYS).",
        discussion: "Resumable: run it again after an interruption. Safe while the server runs.")

    @Flag(help: "Count the sealed values per key id and change nothing.")
    var dryRun = false

    @Option(help: "Rows per transaction.")
    var batchSize = 200

    @Option(help: "Stop after re-encrypting this many rows (the rest stays for the next run).")
    var limit: Int?

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let config = try loadConfigOrExit()
        LoggingSetup.bootstrap(format: config.logFormat, level: .notice)
        let vault = try Self.vault(config)
        let database = try await CommandDatabase.open(config: config, logger: Logger(label: "neonhub.vault"))
        let rotator = VaultRotator(pool: database.pool, vault: vault, batchSize: batchSize)
        let status: Int32
        do {
            status = dryRun ? try await census(rotator, vault: vault) : try await rotate(rotator, vault: vault)
        } catch {
            await database.close()
            FileHandle.standardError.write(Data("vault rotate failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
        await database.close()
        if status != 0 { throw ExitCode(status) }
    }

    /// The vault of the configuration, or exit 78 without `TOKEN_VAULT_KEY`.
    static func vault(_ config: AppConfig) throws -> TokenVault {
        guard let key = config.tokenVaultKey else {
            FileHandle.standardError.write(Data("TOKEN_VAULT_KEY is not set: it is the key every secret is re-encrypted under\n".utf8))
            throw ExitCode(78)
        }
        do {
            return TokenVault(
                keyring: VaultKeyring(
                    current: try VaultKeyring.Key(key), previous: try config.tokenVaultPreviousKeys.map { try VaultKeyring.Key($0) }))
        } catch {
            FileHandle.standardError.write(Data("config error: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }

    private func rotate(_ rotator: VaultRotator, vault: TokenVault) async throws -> Int32 {
        let outcome = try await rotator.rotate(limit: limit) { done, total in
            FileHandle.standardError.write(Data("rotated \(grouped(done))/\(grouped(total))\n".utf8))
        }
        for problem in outcome.problems {
            FileHandle.standardError.write(Data("cannot rotate \(problem)\n".utf8))
        }
        print("re-encrypted \(grouped(outcome.rotated)) under key \(vault.keyring.current.id); \(grouped(outcome.remaining)) left under old keys")
        guard outcome.isComplete else {
            let unreached = max(0, outcome.remaining - outcome.problems.count)
            var parts = ["\(grouped(outcome.problems.count)) unreadable (listed above)"]
            if unreached > 0 { parts.append("\(grouped(unreached)) not reached (--limit, or locked by another transaction: run again)") }
            FileHandle.standardError.write(Data("\(grouped(outcome.remaining)) left under old keys: \(parts.joined(separator: ", "))\n".utf8))
            return 1
        }
        return 0
    }

    private func census(_ rotator: VaultRotator, vault: TokenVault) async throws -> Int32 {
        let counts = try await rotator.census()
        print("key id      role      secrets  oauth verifiers")
        var toRotate = 0, unknown = 0
        for entry in counts {
            let role = entry.keyID == vault.keyring.current.id ? "current" : vault.keyring.key(id: entry.keyID) == nil ? "unknown" : "previous"
            if role == "previous" { toRotate += entry.secrets + entry.verifiers }
            if role == "unknown" { unknown += entry.secrets + entry.verifiers }
            print(
                entry.keyID.padding(toLength: 11, withPad: " ", startingAt: 0) + " " + role.padding(toLength: 9, withPad: " ", startingAt: 0)
                    + " " + grouped(entry.secrets).leftPadded(7) + "  " + grouped(entry.verifiers).leftPadded(15))
        }
        print("would re-encrypt \(grouped(toRotate)); \(grouped(unknown)) under keys that are not configured cannot be")
        return 0
    }
}

/// `1234567` → `1,234,567`.
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, digit) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return value < 0 ? "-" + out : out
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
