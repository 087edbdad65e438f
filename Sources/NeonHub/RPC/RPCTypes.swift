import Foundation
public import Logging

/// A procedure's input: decodable, with the JSON Schema that validates it.
public protocol RPCInput: Decodable, Sendable {
    /// Validates the raw JSON before decoding and documents the input in OpenAPI.
    static var schema: JSONSchema { get }
}

/// A procedure's output: encodable, with the JSON Schema that documents it.
public protocol RPCOutput: Encodable, Sendable {
    /// Documents the output in OpenAPI.
    static var schema: JSONSchema { get }
}

/// The input of a procedure that takes none (any absent or empty object).
public struct NoInput: RPCInput {
    public static let schema = JSONSchema.empty
    public init() {}
    public init(from decoder: any Decoder) throws {}
}

/// The output of a procedure that returns nothing: answered as `{"result":{}}`.
public struct NoOutput: RPCOutput {
    public static let schema = JSONSchema.empty
    public init() {}
}

/// Query, mutation or subscription (decides the HTTP method: GET, POST, GET + SSE).
public enum ProcedureKind: String, Sendable, Codable {
    case query, mutation, subscription
}

/// Who may call a procedure.
public enum AuthLevel: String, Sendable, Codable {
    /// Anyone (rate-limited per client address).
    case `public`
    /// Any authenticated user, scoped to their tenant.
    case user
    /// Authenticated users with the admin role.
    case admin
}

/// What a procedure knows about its call: the caller, the request id, a logger.
public struct ProcedureContext: Sendable {
    /// The authenticated caller (nil for anonymous calls to public procedures).
    public let identity: AuthIdentity?
    /// The request id (also in `X-Request-Id`).
    public let requestID: String
    private let baseLogger: Logger
    /// A logger carrying the request id (built on first use: most calls never log).
    public var logger: Logger {
        var l = baseLogger
        l[metadataKey: "requestId"] = "\(requestID)"
        return l
    }
    /// The client's address.
    public let remoteAddress: String

    /// Creates a context.
    public init(identity: AuthIdentity?, requestID: String, logger: Logger, remoteAddress: String) {
        self.identity = identity
        self.requestID = requestID
        self.baseLogger = logger
        self.remoteAddress = remoteAddress
    }

    /// The caller, or UNAUTHORIZED.
    public func requireIdentity() throws -> AuthIdentity {
        guard let identity else { throw RPCError(.unauthorized, "Authentication required") }
        return identity
    }

    /// The caller's tenant (every row they see is scoped by it).
    public func tenantID() throws -> String { try requireIdentity().tenantID }
}
