import Foundation

/// The `connectors.*` procedures over a tenant's connections and actions (DESIGN §4). Every
/// output is free of secrets: credentials live only sealed in the vault.
enum ConnectionProcedures {
    struct HealthOutput: Encodable, Sendable {
        let status: String
        let latencyMs: Int?
        let at: Date
        let error: String?
    }

    struct ConnectionOutput: RPCOutput {
        static let schema = JSONSchema.object(
            [
                ("id", .uuid), ("connector", .string()), ("name", .string()), ("status", .string(enumValues: ["active", "attention", "revoked"])),
                ("accounts", .array(.object([("id", .string()), ("name", .string()), ("kind", .string())], required: ["id"]))),
                ("scopes", .array(.string())), ("tokenExpiresAt", .nullable(.dateTime)), ("lastError", .nullable(.string())),
                (
                    "lastHealthCheck",
                    .nullable(
                        .object(
                            [
                                ("status", .string()), ("latencyMs", .nullable(.integer())), ("at", .dateTime),
                                ("error", .nullable(.string())),
                            ], required: ["status", "at"]))
                ),
                ("createdAt", .dateTime),
            ], required: ["id", "connector", "name", "status", "accounts", "scopes", "createdAt"])
        let id: UUID
        let connector: String
        let name: String
        let status: String
        let accounts: JSONValue
        let scopes: [String]
        let tokenExpiresAt: Date?
        let lastError: String?
        let lastHealthCheck: HealthOutput?
        let createdAt: Date

        init(_ c: ConnectionStore.Connection) {
            id = c.id; connector = c.connector; name = c.name; status = c.status; accounts = c.accounts; scopes = c.scopes
            tokenExpiresAt = c.tokenExpiresAt; lastError = c.lastError; createdAt = c.createdAt
            lastHealthCheck = c.lastHealthCheck.map {
                HealthOutput(status: c.healthStatus ?? "unknown", latencyMs: c.lastHealthLatencyMs, at: $0, error: c.lastHealthError)
            }
        }
    }

    struct ListInput: RPCInput {
        static let schema = JSONSchema.object(
            [
                ("connector", .string(maxLength: 64)), ("status", .string(enumValues: ["active", "attention", "revoked"])),
            ] + PageInput.fields, required: [])
        let connector: String?
        let status: String?
        let limit: Int?
        let cursor: String?
    }

    struct ConnectionIDInput: RPCInput {
        static let schema = JSONSchema.object([("connectionId", .uuid)], required: ["connectionId"])
        let connectionId: UUID
    }

    struct AccountsOutput: RPCOutput {
        static var schema: JSONSchema { .array(.object([("id", .string()), ("name", .string()), ("kind", .string())], required: ["id"])) }
        let accounts: JSONValue
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(accounts)
        }
    }

    struct TestOutput: RPCOutput {
        static let schema = JSONSchema.object(
            [("status", .string(enumValues: ["ok", "error"])), ("latencyMs", .integer()), ("error", .nullable(.string()))],
            required: ["status", "latencyMs"])
        let status: String
        let latencyMs: Int
        let error: String?
    }

    struct ConnectInput: RPCInput {
        static let schema = JSONSchema.object(
            [
                ("connector", .string(minLength: 1, maxLength: 64)), ("credentials", .anyObject), ("variables", .anyObject),
                ("name", .string(minLength: 1, maxLength: 200)),
            ], required: ["connector", "credentials"])
        let connector: String
        let credentials: JSONValue
        let variables: JSONValue?
        let name: String?
    }

    struct ExecuteInput: RPCInput {
        static let schema = JSONSchema.object(
            [
                ("connectionId", .uuid), ("action", .string(minLength: 1, maxLength: 64)), ("input", .anyObject),
                ("accountId", .string(minLength: 1, maxLength: 256)), ("idempotencyKey", .string(minLength: 1, maxLength: 200)),
            ], required: ["connectionId", "action"])
        let connectionId: UUID
        let action: String
        let input: JSONValue?
        let accountId: String?
        let idempotencyKey: String?
    }

    struct ExecuteOutput: RPCOutput {
        static let schema = JSONSchema.object([("runId", .uuid), ("output", .any)], required: ["runId"])
        let runId: UUID
        let output: JSONValue?
    }

    static func strings(_ value: JSONValue?) -> [String: String] {
        guard case .object(let members)? = value else { return [:] }
        return members.compactMapValues { JSONPath.text($0) }
    }

    static func register(in registry: ProcedureRegistry, service: ConnectorService, orchestrator: Orchestrator) {
        registry.query("connectors.listConnections", auth: .user, summary: "The tenant's connections, newest first (never a secret)") {
            (input: ListInput, context) in
            let page = try await service.connections.list(
                tenant: try context.tenantID(), connector: input.connector, status: input.status,
                limit: input.limit ?? PageInput.defaultLimit, cursor: input.cursor)
            return PageOutput(page, ConnectionOutput.init)
        }
        registry.query("connectors.getConnection", auth: .user, summary: "One connection (never a secret)") { (input: IDInput, context) in
            ConnectionOutput(try await service.connection(tenant: try context.tenantID(), id: input.id))
        }
        registry.query("connectors.listAccounts", auth: .user, summary: "The publishable accounts behind a connection") {
            (input: ConnectionIDInput, context) in
            AccountsOutput(accounts: try await service.connection(tenant: try context.tenantID(), id: input.connectionId).accounts)
        }
        registry.mutation("connectors.testConnection", auth: .user, summary: "Runs the connector's test action; recorded in connection_health_log") {
            (input: ConnectionIDInput, context) in
            let result = try await service.test(tenant: try context.tenantID(), id: input.connectionId)
            return TestOutput(status: result.ok ? "ok" : "error", latencyMs: result.latencyMs, error: result.error)
        }
        registry.mutation(
            "connectors.connect", auth: .admin, summary: "Connects an API-key, basic or token connector; credentials are tested, then stored sealed"
        ) { (input: ConnectInput, context) in
            ConnectionOutput(
                try await service.connect(
                    tenant: try context.tenantID(), connector: input.connector, credentials: strings(input.credentials),
                    variables: strings(input.variables), name: input.name))
        }
        registry.mutation("connectors.disconnect", auth: .admin, summary: "Revokes a connection and deletes its secrets; its history stays") {
            (input: ConnectionIDInput, context) in
            try await service.disconnect(tenant: try context.tenantID(), id: input.connectionId)
            return NoOutput()
        }
        registry.mutation("connectors.executeAction", auth: .user, summary: "Performs one action on a connection as a recorded run") {
            (input: ExecuteInput, context) in
            let tenant = try context.tenantID()
            var request: [String: JSONValue] = [
                "action": .string(input.action), "input": input.input ?? .object([:]), "connectionId": .string(input.connectionId.uuidString),
            ]
            if let account = input.accountId { request["accountId"] = .string(account) }
            let run: Orchestrator.Result
            if let key = input.idempotencyKey {
                // The run's row comes first here (it is what a retry with the same key finds);
                // the connection and its secrets are read once, before it, for its action.
                request["idempotencyKey"] = .string(key)
                run = try await service.withConnectionRead(tenant: tenant, id: input.connectionId) { connection in
                    request["connector"] = .string(connection.connector)
                    return try await orchestrator.run(
                        tenant: tenant, agent: "connector", intent: "execute_action", input: .object(request),
                        idempotencyKey: "connector-action:\(key)")
                }
            } else {
                // One round trip reads the connection with its secrets and writes the run's
                // `running` row (only if the connection exists); the action takes the read. An
                // action that only reads writes no `running` row unless it is slow (a crash
                // during it loses nothing but its record): its run is one transaction at its end.
                let prefetched = PrefetchedConnection()
                let unstarted = request
                let writingRow = !service.catalog.onlyReads(action: input.action)
                run = try await PrefetchedConnection.$current.withValue(prefetched) {
                    try await orchestrator.run(
                        tenant: tenant, agent: "connector", intent: "execute_action", input: .object(unstarted), idempotencyKey: nil
                    ) { row in
                        let connection = try await service.startRun(row, connection: input.connectionId, writingRow: writingRow, into: prefetched)
                        var started = unstarted
                        started["connector"] = .string(connection.connector)
                        return Orchestrator.Started(input: .object(started), wroteRunningRow: writingRow)
                    }
                }
            }
            // A retry under the key of a run still ending (its first request is writing it, or
            // its end is being stored again after a database failure): not a failure.
            if run.status == "running" || run.status == "queued" {
                throw AgentError(
                    .idempotencyKeyInUse, "The action for this idempotency key is still running (run \(run.runID)); ask again shortly",
                    retryAfterSeconds: 5)
            }
            if run.status != "succeeded" {
                throw RunFailure.connectorError(in: run.error) ?? RunFailure(runID: run.runID, error: run.error, activity: "The action")
            }
            return ExecuteOutput(runId: run.runID, output: run.output)
        }
    }
}
