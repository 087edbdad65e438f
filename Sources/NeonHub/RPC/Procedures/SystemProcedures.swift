import Foundation
import Synchronization

/// Procedures about the service itself: `system.ping` (public), `system.whoami` (user),
/// `system.echo` (public mutation; exercises input validation).
public enum SystemProcedures {
    /// `system.ping` output.
    public struct Pong: RPCOutput {
        public static let schema = JSONSchema.object(
            [("ok", .boolean), ("version", .string()), ("time", .dateTime)], required: ["ok", "version", "time"])
        let ok: Bool
        let version: String
        /// ISO 8601, to the second (rendered once a second: ping is the cheapest call there is).
        let time: String
    }

    /// The current second as ISO 8601, cached per second.
    static let clock = SecondClock()

    /// `system.whoami` output.
    public struct WhoAmI: RPCOutput {
        public static let schema = JSONSchema.object(
            [("subject", .string()), ("tenantId", .string()), ("role", .string(enumValues: ["user", "admin"]))],
            required: ["subject", "tenantId", "role"])
        let subject: String
        let tenantId: String
        let role: String
    }

    /// `system.echo` input.
    public struct EchoInput: RPCInput {
        public static let schema = JSONSchema.object(
            [("message", .string(minLength: 1, maxLength: 1000)), ("times", .integer(minimum: 1, maximum: 5))],
            required: ["message"])
        let message: String
        let times: Int?
    }

    /// `system.echo` output.
    public struct EchoOutput: RPCOutput {
        public static let schema = JSONSchema.object([("message", .string())], required: ["message"])
        let message: String
    }

    /// Registers the system procedures.
    public static func register(in registry: ProcedureRegistry) {
        registry.inlineQuery("system.ping", auth: .public, summary: "Liveness of the RPC layer", input: NoInput.self) { _, _ in
            Pong(ok: true, version: NeonHubVersion.current, time: clock.now())
        }
        registry.inlineQuery("system.whoami", auth: .user, summary: "The authenticated caller", input: NoInput.self) { _, context in
            let identity = try context.requireIdentity()
            return WhoAmI(subject: identity.subject, tenantId: identity.tenantID, role: identity.role.rawValue)
        }
        registry.inlineMutation("system.echo", auth: .public, summary: "Echoes a message (validation example)") { (input: EchoInput, _) in
            EchoOutput(message: Array(repeating: input.message, count: input.times ?? 1).joined(separator: " "))
        }
    }
}

/// The current wall-clock second in ISO 8601 (UTC), formatted at most once a second.
final class SecondClock: Sendable {
    private let cached = Mutex<(second: Int, text: String)>((-1, ""))

    /// `2026-11-22T12:00:00Z` for the current second.
    func now() -> String {
        let date = Date()
        let second = Int(date.timeIntervalSince1970)
        return cached.withLock { c in
            if c.second != second {
                c = (second, date.formatted(Date.ISO8601FormatStyle()))
            }
            return c.text
        }
    }
}
