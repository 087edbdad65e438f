/// An error a procedure reports to the client: a tRPC code, a safe message and, for
/// validation failures, the failing field paths (`data.issues`).
public struct RPCError: Error, Sendable, CustomStringConvertible {
    /// The tRPC code (decides the HTTP status).
    public var code: RPCErrorCode
    /// Shown to the client: never SQL, stack traces or secrets.
    public var message: String
    /// Validation issues, if any.
    public var issues: [ValidationIssue]
    /// Seconds after which a retry makes sense (429, 503).
    public var retryAfter: Int?

    /// Creates an error.
    public init(_ code: RPCErrorCode, _ message: String, issues: [ValidationIssue] = [], retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.issues = issues
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// A NOT_FOUND for an id the caller may not see (other tenants' rows look the same).
    public static func notFound(_ what: String) -> RPCError { RPCError(.notFound, "\(what) not found") }
}
