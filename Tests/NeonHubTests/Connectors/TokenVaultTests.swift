import Foundation
import Testing

@testable import NeonHub

/// The token vault: AES-256-GCM with a fresh IV per secret, bound to its connection and
/// kind, under a keyring whose previous keys still decrypt.
@Suite struct TokenVaultTests {
    static let keyA = try! VaultKeyring.Key([UInt8](repeating: 0xA1, count: 32))
    static let keyB = try! VaultKeyring.Key([UInt8](repeating: 0xB2, count: 32))
    let connection = UUID()

    @Test func roundTripsWithAFreshIVEachTime() throws {
        let vault = TokenVault(keyring: VaultKeyring(current: Self.keyA))
        let first = try vault.seal("EAAB-access-token-é", connection: connection, kind: "access_token")
        let second = try vault.seal("EAAB-access-token-é", connection: connection, kind: "access_token")
        #expect(first.iv.count == 12 && first.tag.count == 16)
        #expect(first.iv != second.iv)
        #expect(first.ciphertext != second.ciphertext)
        #expect(first.keyID == Self.keyA.id && Self.keyA.id.hasPrefix("k") && Self.keyA.id.count == 9)
        #expect(!String(decoding: first.ciphertext, as: UTF8.self).contains("EAAB"))
        #expect(try vault.open(first, connection: connection, kind: "access_token") == "EAAB-access-token-é")
    }

    @Test func everyTamperedPartIsAnErrorOfTheConnection() throws {
        let vault = TokenVault(keyring: VaultKeyring(current: Self.keyA, previous: [Self.keyB]))
        let sealed = try vault.seal("refresh-secret", connection: connection, kind: "refresh_token")
        var tampered: [(String, TokenVault.Sealed)] = []
        var c = sealed; c.ciphertext[0] ^= 1; tampered.append(("ciphertext", c))
        var i = sealed; i.iv[5] ^= 0x80; tampered.append(("iv", i))
        var t = sealed; t.tag[15] ^= 1; tampered.append(("tag", t))
        var k = sealed; k.keyID = Self.keyB.id; tampered.append(("key id of another key", k))
        var s = sealed; s.tag = Array(s.tag.prefix(8)); tampered.append(("short tag", s))
        var n = sealed; n.iv = []; tampered.append(("empty iv", n))
        for (what, value) in tampered {
            let error = #expect(throws: ConnectorError.self, "\(what)") { try vault.open(value, connection: connection, kind: "refresh_token") }
            #expect(error?.code == .vaultUnreadable, "\(what)")
            #expect(error?.message.contains("refresh-secret") == false)
        }
        // A row moved to another connection or kind does not open either.
        #expect(throws: ConnectorError.self) { try vault.open(sealed, connection: UUID(), kind: "refresh_token") }
        #expect(throws: ConnectorError.self) { try vault.open(sealed, connection: connection, kind: "access_token") }
    }

    @Test func previousKeysStillDecryptAndRotationMovesToTheCurrentKey() throws {
        let old = TokenVault(keyring: VaultKeyring(current: Self.keyA))
        let sealedUnderA = try old.seal("page-token", connection: connection, kind: "access_token")
        let rotated = TokenVault(keyring: VaultKeyring(current: Self.keyB, previous: [Self.keyA]))
        #expect(try rotated.open(sealedUnderA, connection: connection, kind: "access_token") == "page-token")
        #expect(try rotated.seal("page-token", connection: connection, kind: "access_token").keyID == Self.keyB.id)
        let withoutA = TokenVault(keyring: VaultKeyring(current: Self.keyB))
        let error = #expect(throws: ConnectorError.self) { try withoutA.open(sealedUnderA, connection: connection, kind: "access_token") }
        #expect(error?.message.contains("TOKEN_VAULT_PREVIOUS_KEYS") == true)
        // The server lacks a key (a rotation rolling out), the connection is fine: not `vaultUnreadable`.
        #expect(error?.code == .vaultKeyMissing)
        var unknown = sealedUnderA
        unknown.keyID = "k00000000"
        #expect(throws: ConnectorError.self) { try rotated.open(unknown, connection: connection, kind: "access_token") }
    }

    @Test func previousKeysParseAndAMismatchedIDIsRefused() throws {
        let a = Data(repeating: 0xA1, count: 32).base64EncodedString()
        let b = Data(repeating: 0xB2, count: 32).base64EncodedString()
        let parsed = try VaultKeyring.parsePrevious("\(Self.keyA.id):\(a), \(b)")
        #expect(parsed.map(\.id) == [Self.keyA.id, Self.keyB.id])
        #expect(throws: ConnectorError.self) { try VaultKeyring.parsePrevious("k12345678:\(a)") }
        #expect(throws: ConnectorError.self) { try VaultKeyring.parsePrevious("kabc:not-base64") }
        let config = try AppConfig.load(from: ["TOKEN_VAULT_PREVIOUS_KEYS": "\(Self.keyA.id):\(a)"])
        #expect(config.tokenVaultPreviousKeys == [[UInt8](repeating: 0xA1, count: 32)])
        #expect(throws: (any Error).self) { try AppConfig.load(from: ["TOKEN_VAULT_PREVIOUS_KEYS": "k00000000:\(a)"]) }
    }
}
