import ArgumentParser
import Foundation
import Testing

@testable import NeonHub
@testable import NeonHubCLI

extension AuthTests {
    /// `neonhub token`: option parsing and minting (the process-level exit code is covered once the
    /// command is registered in `NeonHubCommand`).
    @Suite struct TokenCommandTests {
        let environment = ["JWT_SECRET": AuthFixtures.jwtSecret]

        @Test func mintsATokenTheVerifierAccepts() throws {
            let command = try TokenCommand.parse(["--tenant", "tenant-5", "--role", "admin", "--subject", "ops", "--ttl", "120"])
            let token = try #require(command.mint(environment: environment, now: AuthFixtures.now))
            #expect(try AuthFixtures.verifier().verify(token) == AuthIdentity(subject: "ops", tenantID: "tenant-5", role: .admin))
            // ttl 120: valid 149 s later (leeway 30), refused at 151 s.
            #expect(authError { try AuthFixtures.verifier(at: AuthFixtures.nowSeconds + 151).verify(token) } == .expired)
            #expect(try AuthFixtures.verifier(at: AuthFixtures.nowSeconds + 149).verify(token).subject == "ops")
        }

        @Test func defaultsAreUserDevUserAndOneHour() throws {
            let command = try TokenCommand.parse(["--tenant", "t"])
            #expect(command.role == .user)
            #expect(command.subject == "dev-user")
            #expect(command.ttl == 3600)
            let token = try #require(command.mint(environment: environment, now: AuthFixtures.now))
            #expect(try AuthFixtures.verifier().verify(token) == AuthIdentity(subject: "dev-user", tenantID: "t", role: .user))
            #expect(TokenCommand.configuration.commandName == "token")
        }

        @Test func missingOrShortSecretMintsNothing() throws {
            let command = try TokenCommand.parse(["--tenant", "t"])
            #expect(command.mint(environment: [:]) == nil)
            #expect(command.mint(environment: ["JWT_SECRET": String(repeating: "s", count: 31)]) == nil)
            #expect(command.mint(environment: ["JWT_SECRET": String(repeating: "s", count: 32)]) != nil)
            // Padded to 32 bytes with spaces, as the server trims it: still too short.
            #expect(command.mint(environment: ["JWT_SECRET": String(repeating: "s", count: 31) + " "]) == nil)
        }

        /// Found by a review: the server trims `JWT_SECRET` (a quoted `.env` line's stray space),
        /// and the command signed with the untrimmed value: every token it minted was refused.
        @Test func aSecretWithStraySpacesSignsWhatTheServerVerifies() throws {
            let command = try TokenCommand.parse(["--tenant", "tenant-5"])
            let token = try #require(command.mint(environment: ["JWT_SECRET": " \(AuthFixtures.jwtSecret)\t"], now: AuthFixtures.now))
            #expect(try AuthFixtures.verifier().verify(token).tenantID == "tenant-5")
            #expect(TokenCommand.missingSecretMessage == "JWT_SECRET must be set (at least 32 bytes) to mint tokens")
            #expect(TokenCommand.configErrorExitCode == 78)
        }

        @Test(arguments: [
            [String](), ["--tenant", "t", "--role", "root"], ["--tenant", "t", "--ttl", "0"], ["--tenant", ""], ["--tenant", "_system"],
        ])
        func invalidArgumentsAreRejected(arguments: [String]) {
            #expect(throws: (any Error).self) { try TokenCommand.parse(arguments) }
        }
    }
}
