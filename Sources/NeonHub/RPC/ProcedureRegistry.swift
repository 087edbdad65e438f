/// All procedures by name. Filled at start-up, read-only while serving.
public final class ProcedureRegistry: @unchecked Sendable {
    // Written only during start-up (before the server accepts), then only read.
    private var procedures: [String: Procedure] = [:]

    /// Creates an empty registry.
    public init() {}

    /// Adds a procedure; a duplicate name is a programming error.
    public func register(_ procedure: Procedure) {
        precondition(procedures[procedure.name] == nil, "procedure \(procedure.name) declared twice")
        procedures[procedure.name] = procedure
    }

    /// Declares a query (GET).
    public func query<I: RPCInput, O: RPCOutput>(
        _ name: String, auth: AuthLevel, summary: String, input: I.Type = I.self, output: O.Type = O.self,
        _ body: @escaping @Sendable (I, ProcedureContext) async throws -> O
    ) {
        register(.make(name, kind: .query, auth: auth, summary: summary, input: input, output: output, body))
    }

    /// Declares a mutation (POST).
    public func mutation<I: RPCInput, O: RPCOutput>(
        _ name: String, auth: AuthLevel, summary: String, input: I.Type = I.self, output: O.Type = O.self,
        _ body: @escaping @Sendable (I, ProcedureContext) async throws -> O
    ) {
        register(.make(name, kind: .mutation, auth: auth, summary: summary, input: input, output: output, body))
    }

    /// Declares a query whose body never suspends: it runs inline on the connection's event
    /// loop, without a `Task` (for cheap, pure computations such as `system.ping`).
    /// `answerWithoutInput`, when given, is what `body` answers a call without input (absent,
    /// or `{}`): it is encoded once, here, and such calls get its bytes without running `body`
    /// (a large constant answer, such as the whole connector catalog, is not encoded on the
    /// event loop at every call).
    public func inlineQuery<I: RPCInput, O: RPCOutput>(
        _ name: String, auth: AuthLevel, summary: String, input: I.Type = I.self, output: O.Type = O.self,
        answerWithoutInput: O? = nil, _ body: @escaping @Sendable (I, ProcedureContext) throws -> O
    ) {
        register(
            .makeInline(name, kind: .query, auth: auth, summary: summary, input: input, output: output, answerWithoutInput: answerWithoutInput, body))
    }

    /// Declares a mutation whose body never suspends (see `inlineQuery`).
    public func inlineMutation<I: RPCInput, O: RPCOutput>(
        _ name: String, auth: AuthLevel, summary: String, input: I.Type = I.self, output: O.Type = O.self,
        _ body: @escaping @Sendable (I, ProcedureContext) throws -> O
    ) {
        register(.makeInline(name, kind: .mutation, auth: auth, summary: summary, input: input, output: output, body))
    }

    /// Declares a subscription (GET as Server-Sent Events, tRPC v11 `httpSubscriptionLink`).
    public func subscription<I: RPCInput, E: RPCOutput>(
        _ name: String, auth: AuthLevel, summary: String, input: I.Type = I.self, event: E.Type = E.self,
        _ body: @escaping @Sendable (I, ProcedureContext, String?) async throws -> AsyncThrowingStream<(id: String?, event: E), any Error>
    ) {
        register(.makeSubscription(name, auth: auth, summary: summary, input: input, event: event, body))
    }

    /// The procedure of that name.
    public subscript(name: String) -> Procedure? { procedures[name] }

    /// Every procedure, sorted by name.
    public var all: [Procedure] { procedures.values.sorted { $0.name < $1.name } }
}
