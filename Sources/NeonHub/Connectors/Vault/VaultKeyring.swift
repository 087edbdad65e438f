import Foundation

/// The token vault's keys: the current one, which encrypts, and previous ones that still
/// decrypt (`TOKEN_VAULT_PREVIOUS_KEYS`) until `neonhub vault rotate` has re-encrypted every
/// secret. Each key has an id stored beside every ciphertext; the id is a fingerprint
/// (HMAC-SHA256 of a fixed label under the key), which names the key without revealing it.
public struct VaultKeyring: Sendable {
    /// A 32-byte AES-256 key and its id.
    public struct Key: Sendable {
        /// `k` followed by 8 hex digits.
        public let id: String
        let bytes: [UInt8]

        /// A key with the id derived from its bytes.
        public init(_ bytes: [UInt8]) throws(ConnectorError) {
            guard bytes.count == AESGCM.keySize else {
                throw ConnectorError(.vaultNotConfigured, "a vault key must be 32 bytes")
            }
            self.bytes = bytes
            self.id = Self.fingerprint(bytes)
        }

        static func fingerprint(_ bytes: [UInt8]) -> String {
            let digest = HMACSHA256.authenticate(message: Array("neonhub token vault key id".utf8), key: bytes)
            return "k" + digest.prefix(4).map { String(format: "%02x", $0) }.joined()
        }
    }

    /// The key that encrypts.
    public let current: Key
    private let byID: [String: Key]

    /// A keyring with `current` and the keys that still decrypt.
    public init(current: Key, previous: [Key] = []) {
        self.current = current
        var keys: [String: Key] = [:]
        for key in previous { keys[key.id] = key }
        keys[current.id] = current
        byID = keys
    }

    /// The key with `id`, if the keyring has it.
    public func key(id: String) -> Key? { byID[id] }

    /// Parses `TOKEN_VAULT_PREVIOUS_KEYS`: comma-separated `keyId:base64` pairs (a bare
    /// base64 key is accepted too). A pair whose id does not match its key's fingerprint is
    /// an error: it would never decrypt what it claims to.
    public static func parsePrevious(_ text: String) throws(ConnectorError) -> [Key] {
        var keys: [Key] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            let encoded = parts.count == 2 ? parts[1] : parts[0]
            guard let data = Data(base64Encoded: encoded), data.count == AESGCM.keySize else {
                throw ConnectorError(.vaultNotConfigured, "TOKEN_VAULT_PREVIOUS_KEYS: each key must be base64 of exactly 32 bytes")
            }
            let key = try Key([UInt8](data))
            if parts.count == 2, parts[0] != key.id {
                throw ConnectorError(.vaultNotConfigured, "TOKEN_VAULT_PREVIOUS_KEYS: key id \(parts[0]) does not match its key (expected \(key.id))")
            }
            keys.append(key)
        }
        return keys
    }
}
