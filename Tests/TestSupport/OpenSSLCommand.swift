public import Foundation
import Postgres

/// The `openssl` command-line tool, for tests that must check cryptography independently of
/// the code under test: throwaway RSA keys, Snowflake's public-key fingerprint computed the
/// way its documentation instructs (https://docs.snowflake.com/en/user-guide/key-pair-auth:
/// `openssl rsa -pubin -in rsa_key.pub -outform DER | openssl dgst -sha256 -binary | openssl enc -base64`),
/// and RS256 signatures verified with `openssl dgst -sha256 -verify`.
public enum OpenSSLCommand {
    /// A failure of the tool, with its standard error.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Whether the tool is installed.
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }

    static let path =
        ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"]
        .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/openssl"

    /// Runs `openssl arguments` with `input` on standard input; its standard output. Through
    /// `ProcessRunner` (posix_spawn), not Foundation's `Process`, whose `run` crashed when
    /// several tests launched commands at once.
    @discardableResult
    public static func run(_ arguments: [String], input: Data = Data()) throws -> Data {
        let output = try ProcessRunner.run(URL(fileURLWithPath: path), arguments, input: input)
        guard output.status == 0 else {
            throw Failure(description: "openssl \(arguments.first ?? ""): " + output.standardError)
        }
        return output.standardOutputData
    }

    /// Like `run`, on a thread of its own: the process is waited for without blocking the
    /// cooperative pool (two threads on a two-core machine).
    public static func run(_ arguments: [String], input: Data = Data()) async throws -> Data {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try run(arguments, input: input) as Data })
            }
        }
    }

    /// Two throwaway RSA key pairs (a registered one and another), made once per test process.
    public static let testKeys: (registered: (privateKey: String, publicKey: String), other: (privateKey: String, publicKey: String)) = {
        // Test set-up: a failure here is a broken machine, not a finding.
        (try! rsaKeyPair(), try! rsaKeyPair())
    }()

    /// `testKeys`, made (the first time) on a thread of its own rather than the cooperative pool.
    @discardableResult
    public static func warmTestKeys() async -> (registered: (privateKey: String, publicKey: String), other: (privateKey: String, publicKey: String)) {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: testKeys) }
        }
    }

    /// A fresh RSA key pair: the private key as unencrypted PKCS#8 PEM, the public key as PEM.
    public static func rsaKeyPair(bits: Int = 2048) throws -> (privateKey: String, publicKey: String) {
        let privateKey = try run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:\(bits)"])
        let publicKey = try run(["pkey", "-pubout"], input: privateKey)
        return (String(decoding: privateKey, as: UTF8.self), String(decoding: publicKey, as: UTF8.self))
    }

    /// A fresh EC (P-256) private key as PKCS#8 PEM: a key of the wrong algorithm.
    public static func ecPrivateKey() async throws -> String {
        let pem: Data = try await run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        return String(decoding: pem, as: UTF8.self)
    }

    /// `SHA256:` + base64 of the SHA-256 of the public key's DER, as Snowflake's docs compute it.
    public static func snowflakeFingerprint(publicKey: String) async throws -> String {
        let der: Data = try await run(["pkey", "-pubin", "-outform", "DER"], input: Data(publicKey.utf8))
        let digest: Data = try await run(["dgst", "-sha256", "-binary"], input: der)
        let base64: Data = try await run(["enc", "-base64", "-A"], input: digest)
        return "SHA256:" + String(decoding: base64, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The RS256 signature of `message` with `privateKey` (PEM), by `openssl dgst -sha256 -sign`.
    public static func signRS256(message: Data, privateKey: String) async throws -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("openssl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = folder.appendingPathComponent("key.pem")
        try Data(privateKey.utf8).write(to: key)
        return try await run(["dgst", "-sha256", "-sign", key.path], input: message)
    }

    /// A JWT with `claims` signed RS256 by the openssl tool (not by the code under test).
    public static func jwt(claims: [String: Any], privateKey: String, header: [String: Any] = ["alg": "RS256", "typ": "JWT"]) async throws -> String {
        func encode(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let input =
            encode(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
            + "." + encode(try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys]))
        return input + "." + encode(try await signRS256(message: Data(input.utf8), privateKey: privateKey))
    }

    /// Whether `signature` is a valid RS256 signature of `message` under `publicKey` (PEM).
    public static func verifyRS256(message: Data, signature: Data, publicKey: String) async throws -> Bool {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("openssl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = folder.appendingPathComponent("pub.pem"), sig = folder.appendingPathComponent("sig.bin")
        let data = folder.appendingPathComponent("data.bin")
        try Data(publicKey.utf8).write(to: key)
        try signature.write(to: sig)
        try message.write(to: data)
        do {
            let output: Data = try await run(["dgst", "-sha256", "-verify", key.path, "-signature", sig.path, data.path])
            return String(decoding: output, as: UTF8.self).contains("Verified OK")
        } catch is Failure {
            return false
        }
    }
}
