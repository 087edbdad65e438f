import ArgumentParser
import Foundation
import NeonHub

/// `neonhub token`: prints an HS256 bearer token signed with `JWT_SECRET`, for local use.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print a bearer token signed with JWT_SECRET (for local use).")

    /// The roles a minted token may carry.
    enum RoleArgument: String, ExpressibleByArgument, CaseIterable {
        case user, admin
    }

    /// Printed (to stderr) when `JWT_SECRET` is missing or too short.
    static let missingSecretMessage = "JWT_SECRET must be set (at least 32 bytes) to mint tokens"
    /// Exit status for configuration errors (EX_CONFIG), as `serve` uses.
    static let configErrorExitCode: Int32 = 78

    @Option(help: "The tenant id to put in the tenantId claim.")
    var tenant: String

    @Option(help: "The role claim.")
    var role: RoleArgument = .user

    @Option(help: "The sub claim (user id).")
    var subject: String = "dev-user"

    @Option(help: "Lifetime in seconds.")
    var ttl: Int = 3600

    func validate() throws {
        guard !tenant.isEmpty else { throw ValidationError("--tenant must not be empty") }
        guard !tenant.hasPrefix(AuthIdentity.reservedTenantPrefix) else {
            throw ValidationError("--tenant must not start with \"\(AuthIdentity.reservedTenantPrefix)\": such tenants are the server's own")
        }
        guard !subject.isEmpty else { throw ValidationError("--subject must not be empty") }
        guard ttl > 0 else { throw ValidationError("--ttl must be a positive number of seconds") }
    }

    func run() throws {
        guard let token = mint(environment: ProcessInfo.processInfo.environment) else {
            FileHandle.standardError.write(Data((Self.missingSecretMessage + "\n").utf8))
            throw ExitCode(Self.configErrorExitCode)
        }
        print(token)
    }

    /// The token for these options, or nil when `JWT_SECRET` is missing or shorter than 32 bytes.
    func mint(environment: [String: String], now: Date = Date()) -> String? {
        // Trimmed as the server reads it (AppConfig), or a stray space in an env file would
        // sign tokens the server refuses.
        guard let secret = environment["JWT_SECRET"]?.trimmingCharacters(in: .whitespaces),
            secret.utf8.count >= TokenVerifier.minimumSecretLength
        else { return nil }
        return JWTSigner.hs256(
            subject: subject, tenantID: tenant, role: role == .admin ? .admin : .user,
            ttl: TimeInterval(ttl), secret: secret, now: now)
    }
}
