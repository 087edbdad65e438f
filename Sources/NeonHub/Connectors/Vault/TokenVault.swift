public import Foundation

/// Encrypts and decrypts connection secrets with AES-256-GCM: a random 96-bit IV per
/// secret, the key id beside every ciphertext, and the connection id and secret kind bound
/// in as additional data, so a ciphertext moved to another row or kind fails to open.
/// Plaintext exists only in memory, on its way to a provider.
public struct TokenVault: Sendable {
    /// A secret as stored: no part of it reveals the plaintext.
    public struct Sealed: Sendable, Equatable {
        /// Which key encrypted it.
        public var keyID: String
        /// 12 random bytes.
        public var iv: [UInt8]
        /// As long as the plaintext.
        public var ciphertext: [UInt8]
        /// 16 bytes.
        public var tag: [UInt8]

        /// Creates a sealed value (as read from a row).
        public init(keyID: String, iv: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
            self.keyID = keyID
            self.iv = iv
            self.ciphertext = ciphertext
            self.tag = tag
        }
    }

    /// The keys in use.
    public let keyring: VaultKeyring

    /// A vault over `keyring`.
    public init(keyring: VaultKeyring) { self.keyring = keyring }

    /// Encrypts `plaintext` under the current key for `kind` of `connection`.
    public func seal(_ plaintext: String, connection: UUID, kind: String) throws(ConnectorError) -> Sealed {
        try seal(plaintext, boundTo: Self.additionalData(connection: connection, kind: kind))
    }

    /// Encrypts `plaintext` under the current key, bound to `context` (e.g. an OAuth state).
    public func seal(_ plaintext: String, boundTo context: [UInt8]) throws(ConnectorError) -> Sealed {
        let key = keyring.current
        let iv = SecureRandom.bytes(AESGCM.nonceSize)
        do {
            let (ciphertext, tag) = try AESGCM.seal(plaintext: Array(plaintext.utf8), key: key.bytes, nonce: iv, aad: context)
            return Sealed(keyID: key.id, iv: iv, ciphertext: ciphertext, tag: tag)
        } catch {
            throw ConnectorError(.vaultUnreadable, "the secret could not be encrypted (\(error))")
        }
    }

    /// Decrypts a sealed secret of `kind` of `connection`. A tampered ciphertext, IV, tag or
    /// key id, or a row moved to another connection is a `vaultUnreadable` error of that
    /// connection, never a crash and never partial plaintext; a key id this process has no key
    /// for is `vaultKeyMissing`, an error of the server's setup.
    public func open(_ sealed: Sealed, connection: UUID, kind: String) throws(ConnectorError) -> String {
        try open(sealed, boundTo: Self.additionalData(connection: connection, kind: kind), kind: kind)
    }

    /// Decrypts a secret sealed with `seal(_:boundTo:)` for the same `context`.
    public func open(_ sealed: Sealed, boundTo context: [UInt8], kind: String) throws(ConnectorError) -> String {
        guard let key = keyring.key(id: sealed.keyID) else {
            throw ConnectorError(
                .vaultKeyMissing,
                "the \(kind) of this connection was encrypted with key \(sealed.keyID.prefix(16)), which is not configured (add it to TOKEN_VAULT_PREVIOUS_KEYS)"
            )
        }
        do {
            let plaintext = try AESGCM.open(ciphertext: sealed.ciphertext, key: key.bytes, nonce: sealed.iv, aad: context, tag: sealed.tag)
            guard let text = String(validating: plaintext, as: UTF8.self) else {
                throw ConnectorError(.vaultUnreadable, "the \(kind) of this connection is not text")
            }
            return text
        } catch let error as ConnectorError {
            throw error
        } catch {
            throw ConnectorError(.vaultUnreadable, "the \(kind) of this connection failed its integrity check (\(error))")
        }
    }

    /// `connection-id|kind`: what a ciphertext is bound to.
    static func additionalData(connection: UUID, kind: String) -> [UInt8] {
        Array("\(connection.uuidString.lowercased())|\(kind)".utf8)
    }
}
