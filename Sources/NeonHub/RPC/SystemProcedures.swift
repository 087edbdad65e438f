import Foundation

/// Procedures about the service itself: `system.ping` (public), `system.whoami` (user),
/// `system.echo` (public mutation; exercises input validation).
public enum SystemProcedures {
    /// `system.ping` output.
    public struct Pong: RPCOutput {
        public static let schema = JSONSchema.object([("ok", .boolean), ("version", .string()), ("time", .dateTime)], required: ["ok", "version", "time"])
        let ok: Bool
        let version: String
        let time: Date
    }

    /// `system.whoami` output.
    public struct WhoAmI: RPCOutput {
        public static let schema = JSONSchema.object([("subject", .string()), ("tenantId", .string()), ("role", .string(enumValues: ["user", "admin"]))],
                                                     required: ["subject", "tenantId", "role"])
        let subject: String
        let tenantId: String
        let role: String
    }

    /// `system.echo` input.
    public struct EchoInput: RPCInput {
        public static let schema = JSONSchema.object([("message", .string(minLength: 1, maxLength: 1000)), ("times", .integer(minimum: 1, maximum: 5))],
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
        registry.query("system.ping", auth: .public, summary: "Liveness of the RPC layer", input: NoInput.self) { _, _ in
            Pong(ok: true, version: NeonHubVersion.current, time: Date())
        }
        registry.query("system.whoami", auth: .user, summary: "The authenticated caller", input: NoInput.self) { _, context in
            let identity = try context.requireIdentity()
            return WhoAmI(subject: identity.subject, tenantId: identity.tenantID, role: identity.role.rawValue)
        }
        registry.mutation("system.echo", auth: .public, summary: "Echoes a message (validation example)") { (input: EchoInput, _) in
            EchoOutput(message: Array(repeating: input.message, count: input.times ?? 1).joined(separator: " "))
        }
    }
}
