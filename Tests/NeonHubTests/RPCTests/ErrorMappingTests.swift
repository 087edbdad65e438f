import Foundation
import HTTPCore
import Logging
import Postgres
import Testing

@testable import NeonHub

/// The one error mapper, as a table: every code of every room's error → its tRPC code and
/// HTTP status. A code added to a room without a row here fails `everyCodeHasARow`.
@Suite struct ErrorMappingTests {
    static let agentTable: [AgentError.Code: (RPCErrorCode, Int)] = [
        .unknownAgent: (.notFound, 404), .unknownIntent: (.notFound, 404), .runNotFound: (.notFound, 404),
        .intentNotHandled: (.badRequest, 400), .agentOrIntentRequired: (.badRequest, 400),
        .circuitOpen: (.serviceUnavailable, 503), .idempotencyKeyInUse: (.conflict, 409),
    ]
    static let draftTable: [DraftError.Code: (RPCErrorCode, Int)] = [
        .notFound: (.notFound, 404), .versionConflict: (.conflict, 409),
        .invalidTransition: (.preconditionFailed, 412), .notStored: (.internalServerError, 500),
    ]
    static let runTable: [RunFailure.Code: (RPCErrorCode, Int)] = [
        .badInput: (.badRequest, 400), .budgetExceeded: (.tooManyRequests, 429),
        .toolTimeout: (.badGateway, 502), .maxIterations: (.badGateway, 502), .agentError: (.badGateway, 502),
        .connectorError: (.badGateway, 502),
    ]
    static let connectorTable: [ConnectorError.Code: (RPCErrorCode, Int)] = [
        .unknownConnector: (.notFound, 404), .unknownAction: (.notFound, 404), .connectionNotFound: (.notFound, 404),
        .invalidInput: (.badRequest, 400), .connectorDisabled: (.preconditionFailed, 412),
        .connectionNeedsAttention: (.preconditionFailed, 412), .connectionRevoked: (.preconditionFailed, 412),
        .missingAppCredentials: (.preconditionFailed, 412), .providerAuth: (.preconditionFailed, 412),
        .vaultUnreadable: (.preconditionFailed, 412), .vaultNotConfigured: (.preconditionFailed, 412),
        .providerRateLimited: (.tooManyRequests, 429), .providerRejected: (.unprocessableContent, 422),
        .providerUnavailable: (.badGateway, 502), .providerTimeout: (.gatewayTimeout, 504), .providerPending: (.gatewayTimeout, 504),
        .invalidDefinition: (.internalServerError, 500), .vaultKeyMissing: (.serviceUnavailable, 503),
    ]
    static let databaseTable: [DatabaseError.Code: (RPCErrorCode, Int)] = [.invalidCursor: (.badRequest, 400)]
    static let webhookTable: [WebhookError.Code: (RPCErrorCode, Int)] = [
        .unknownConnector: (.notFound, 404), .eventNotFound: (.notFound, 404), .notConfigured: (.serviceUnavailable, 503),
        .missingSignature: (.unauthorized, 401), .invalidSignature: (.unauthorized, 401), .staleTimestamp: (.unauthorized, 401),
        .malformedPayload: (.badRequest, 400), .invalidTriggers: (.internalServerError, 500),
        .agentRunFailed: (.serviceUnavailable, 503),
    ]

    @Test func everyCodeHasARow() {
        #expect(Set(Self.agentTable.keys) == Set(AgentError.Code.allCases))
        #expect(Set(Self.draftTable.keys) == Set(DraftError.Code.allCases))
        #expect(Set(Self.runTable.keys) == Set(RunFailure.Code.allCases))
        #expect(Set(Self.databaseTable.keys) == Set(DatabaseError.Code.allCases))
        #expect(Set(Self.connectorTable.keys) == Set(ConnectorError.Code.allCases))
        #expect(Set(Self.webhookTable.keys) == Set(WebhookError.Code.allCases))
    }

    @Test func webhookErrors() {
        for (code, expected) in Self.webhookTable { expectMapped(WebhookError(code, "m"), expected) }
        // A broken trigger file is the server's problem: its path and field stay in the log.
        let invalid = RPCErrorMapper.map(
            WebhookError(.invalidTriggers, "configs/triggers.json: triggers[0].agent"), logger: Logger(label: "t"), procedure: "p")
        #expect(invalid.message == "Internal server error")
    }

    private func expectMapped(_ error: any Error, _ expected: (RPCErrorCode, Int), sourceLocation: SourceLocation = #_sourceLocation) {
        let mapped = RPCErrorMapper.map(error, logger: Logger(label: "test"), procedure: "test.table")
        #expect(mapped.code == expected.0, "\(error)", sourceLocation: sourceLocation)
        #expect(mapped.code.httpStatus == expected.1, "\(error)", sourceLocation: sourceLocation)
    }

    @Test func agentErrors() {
        for (code, expected) in Self.agentTable { expectMapped(AgentError(code, "m"), expected) }
        let open = RPCErrorMapper.map(AgentError(.circuitOpen, "paused", retryAfterSeconds: 30), logger: Logger(label: "t"), procedure: "p")
        #expect(open.retryAfter == 30)
    }

    @Test func draftErrors() {
        for (code, expected) in Self.draftTable { expectMapped(DraftError(code, "m"), expected) }
        // A row the database did not return is ours to explain in the log, not to the client.
        let lost = RPCErrorMapper.map(DraftError(.notStored, "INSERT returned nothing"), logger: Logger(label: "t"), procedure: "p")
        #expect(lost.message == "Internal server error")
    }

    @Test func connectorErrors() {
        for (code, expected) in Self.connectorTable { expectMapped(ConnectorError(code, "m"), expected) }
        let limited = RPCErrorMapper.map(
            ConnectorError(.providerRateLimited, "slow down", retryAfterSeconds: 42), logger: Logger(label: "t"), procedure: "p")
        #expect(limited.retryAfter == 42)
        let invalid = RPCErrorMapper.map(
            ConnectorError(.invalidDefinition, "configs/connectors/x.json: $.id"), logger: Logger(label: "t"), procedure: "p")
        #expect(invalid.message == "Internal server error")
    }

    @Test func runFailures() {
        let run = UUID()
        for (code, expected) in Self.runTable { expectMapped(RunFailure(code, message: "m", runID: run), expected) }
        let budget = RPCErrorMapper.map(RunFailure(.budgetExceeded, message: "spent", runID: run), logger: Logger(label: "t"), procedure: "p")
        #expect(budget.retryAfter == 3600)
        #expect(budget.message.contains(run.uuidString))
        let failed = RunFailure(
            runID: run, error: .object(["code": .string("TOOL_TIMEOUT"), "message": .string("slow")]), activity: "Article generation")
        #expect(failed.code == .toolTimeout)
        #expect(RPCErrorMapper.map(failed, logger: Logger(label: "t"), procedure: "p").message == "Article generation failed (run \(run)): slow")
        #expect(RunFailure(runID: run, error: .object(["code": .string("SOMETHING_NEW")])).code == .agentError)
        // The model rate limiting or timing out may pass: 503 with its Retry-After (or 30 s),
        // not a 502 that tells the client to give up. Through the stored form, as a run keeps it.
        let limited = RunFailure(
            runID: run, error: RunFailure.stored(LLMError.rateLimited(retryAfter: .milliseconds(12_500))), activity: "Article generation")
        #expect(limited.transient && limited.retryAfterSeconds == 13)
        let limitedError = RPCErrorMapper.map(limited, logger: Logger(label: "t"), procedure: "p")
        #expect(limitedError.code == .serviceUnavailable && limitedError.retryAfter == 13)
        #expect(limitedError.message.hasPrefix("Article generation failed for now (run \(run))"))
        let timedOut = RPCErrorMapper.map(
            RunFailure(runID: run, error: RunFailure.stored(LLMError.timeout)), logger: Logger(label: "t"), procedure: "p")
        #expect(timedOut.code == .serviceUnavailable && timedOut.retryAfter == 30)
        let refused = RPCErrorMapper.map(
            RunFailure(runID: run, error: RunFailure.stored(LLMError.http(status: 400, message: "bad"))), logger: Logger(label: "t"), procedure: "p")
        #expect(refused.code == .badGateway && refused.retryAfter == nil)
        // A database's own words (host, user, pool) stay out of the run a user reads.
        let database = PostgresError(
            kind: .unavailable,
            message: "could not connect to Postgres: connection to server at \"10.0.3.7\", port 5432 failed: FATAL: role \"neonhub_prod\"")
        let stored = RunFailure.stored(database)
        #expect(stored["message"] == .string("a database error interrupted the run"))
        #expect(RunFailure.stored(DatabaseError(.invalidCursor, "pool size 10"))["message"] == .string("a database error interrupted the run"))
    }

    @Test func databaseAuthAndCancellation() {
        for (code, expected) in Self.databaseTable { expectMapped(DatabaseError(code, "m"), expected) }
        expectMapped(PostgresError(kind: .unavailable, message: "no connection"), (.serviceUnavailable, 503))
        expectMapped(PostgresError(kind: .connectionLost, message: "server closed the connection"), (.serviceUnavailable, 503))
        expectMapped(PostgresError(kind: .server, code: "22021", message: "invalid byte sequence"), (.badRequest, 400))
        expectMapped(PostgresError(kind: .server, code: "42601", message: "syntax error at SELECT"), (.internalServerError, 500))
        expectMapped(AuthError.expired, (.unauthorized, 401))
        expectMapped(CancellationError(), (.clientClosedRequest, 499))
    }

    @Test func unknownErrorsAreInternalAndSayNothing() {
        struct Leaky: Error, CustomStringConvertible { var description: String { "SELECT password FROM users; sk-live-123" } }
        let mapped = RPCErrorMapper.map(Leaky(), logger: Logger(label: "t"), procedure: "p")
        #expect(mapped.code == .internalServerError)
        #expect(mapped.message == "Internal server error")
        #expect(RPCErrorMapper.wire(Leaky()) == nil)
    }

    @Test func protocolStatusesKeepTheirStatusAndGetTheNearestCode() {
        let table: [Int: RPCErrorCode] = [
            400: .badRequest, 408: .timeout, 413: .payloadTooLarge, 414: .badRequest, 431: .badRequest,
            501: .notImplemented, 505: .internalServerError,
        ]
        for (status, code) in table {
            #expect(RPCErrorMapper.code(forHTTPStatus: status) == code, "\(status)")
            let response = ErrorEnvelope.protocolError(status: status, reason: "r")
            #expect(response.status == status)
            let body = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
            let data = (body?["error"] as? [String: Any])?["data"] as? [String: Any]
            #expect(data?["code"] as? String == code.rawValue)
            #expect(data?["httpStatus"] as? Int == status)
        }
    }
}
