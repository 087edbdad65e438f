import Logging
import Postgres

/// The one place where errors meet the wire: every room's error type maps to a tRPC code
/// here, and nowhere else. Anything unknown is INTERNAL_SERVER_ERROR with a generic message;
/// its detail goes to the log with the request id, never to the client.
enum RPCErrorMapper {
    /// The error the client sees for `error`, logging what the client must not see.
    static func map(_ error: any Error, logger: Logger, procedure: String) -> RPCError {
        if let known = wire(error) {
            if case let e as PostgresError = error {
                if e.isCommitOutcomeUnknown {
                    logger.warning(
                        "database connection lost during commit; outcome unknown",
                        metadata: ["procedure": "\(procedure)", "error": "\(e)", "outcome": "unknown"])
                } else {
                    logger.warning("database error", metadata: ["procedure": "\(procedure)", "error": "\(e)"])
                }
            }
            return known
        }
        logger.error("procedure failed", metadata: ["procedure": "\(procedure)", "error": "\(String(describing: error).prefix(500))"])
        return RPCError(.internalServerError, "Internal server error")
    }

    /// The wire form of every error a room declares, or nil for an unknown one. Pure: tested
    /// as a table over every code of every room.
    static func wire(_ error: any Error) -> RPCError? {
        switch error {
        case let e as RPCError:
            return e
        case let e as AuthError:
            return RPCError(.unauthorized, "Invalid token: \(e.reason)")
        case let e as AgentError:
            return RPCError(code(for: e.code), e.message, retryAfter: e.retryAfterSeconds)
        case let e as RunFailure:
            return runFailure(e)
        case let e as DraftError:
            return RPCError(code(for: e.code), e.code == .notStored ? "Internal server error" : e.message)
        case let e as ConnectorError:
            return RPCError(
                code(for: e.code), e.code == .invalidDefinition ? "Internal server error" : e.message,
                retryAfter: e.retryAfterSeconds)
        case let e as WebhookError:
            return RPCError(code(for: e.code), e.code == .invalidTriggers ? "Internal server error" : e.message)
        case let e as QueueError:
            return RPCError(code(for: e.code), e.message)
        case let e as DatabaseError:
            switch e.code {
            case .invalidCursor: return RPCError(.badRequest, e.message)
            }
        case let e as PostgresError where e.isCommitOutcomeUnknown:
            // The database went away while committing: the change may have been saved.
            return RPCError(
                .serviceUnavailable,
                "Database connection lost while saving; the change may or may not have been saved. "
                    + "Retry with the same idempotency key to get the original result",
                retryAfter: 2)
        case let e as PostgresError where e.kind == .unavailable || e.kind == .connectionLost:
            return RPCError(.serviceUnavailable, "Database unavailable; try again shortly", retryAfter: 2)
        case let e as PostgresError where e.isDataException:
            // Class 22: a value the database cannot store (bad encoding, out of range…). The
            // message has quoted values redacted already.
            return RPCError(.badRequest, "Input contains a value the database cannot store")
        case is CancellationError:
            return RPCError(.clientClosedRequest, "Request cancelled")
        default:
            return nil
        }
    }

    static func code(for code: AgentError.Code) -> RPCErrorCode {
        switch code {
        case .unknownAgent, .unknownIntent, .runNotFound: .notFound
        case .intentNotHandled, .agentOrIntentRequired: .badRequest
        case .circuitOpen: .serviceUnavailable
        case .idempotencyKeyInUse: .conflict
        }
    }

    static func code(for code: WebhookError.Code) -> RPCErrorCode {
        switch code {
        case .unknownConnector, .eventNotFound: .notFound
        // A missing secret is the server's setup: 503 makes providers retry until it is set.
        case .notConfigured: .serviceUnavailable
        case .missingSignature, .invalidSignature, .staleTimestamp: .unauthorized
        case .malformedPayload: .badRequest
        case .invalidTriggers: .internalServerError
        // Raised only inside a queue job (never on the wire): the job is retried.
        case .agentRunFailed: .serviceUnavailable
        }
    }

    static func code(for code: ConnectorError.Code) -> RPCErrorCode {
        switch code {
        case .unknownConnector, .unknownAction, .connectionNotFound: .notFound
        case .invalidInput: .badRequest
        // The connection or the server's setup needs a person: reconnect, configure, restore a key.
        case .connectorDisabled, .connectionNeedsAttention, .connectionRevoked, .missingAppCredentials, .providerAuth,
            .vaultUnreadable, .vaultNotConfigured:
            .preconditionFailed
        case .providerRateLimited: .tooManyRequests
        case .providerRejected: .unprocessableContent
        case .providerUnavailable: .badGateway
        case .providerTimeout, .providerPending: .gatewayTimeout
        case .invalidDefinition: .internalServerError
        // A key rotation not yet rolled out to this process: another may answer, or this one soon.
        case .vaultKeyMissing: .serviceUnavailable
        }
    }

    static func code(for code: QueueError.Code) -> RPCErrorCode {
        switch code {
        case .jobNotFound, .referenceNotFound: .notFound
        case .invalidSchedule, .invalidJob: .badRequest
        case .invalidState: .preconditionFailed
        case .idempotencyConflict: .conflict
        }
    }

    static func code(for code: DraftError.Code) -> RPCErrorCode {
        switch code {
        case .notFound: .notFound
        case .versionConflict: .conflict
        case .invalidTransition: .preconditionFailed
        case .notStored: .internalServerError
        }
    }

    /// A run the caller asked for failed: their input, their budget, or the agent (a bad gateway:
    /// the agent stands between the caller and what it calls). A failure that may pass by itself
    /// (the model rate limiting or timing out) is 503 with `Retry-After` — the model's own, or
    /// 30 s — so that clients wait and try again instead of giving up or hammering.
    static func runFailure(_ failure: RunFailure) -> RPCError {
        let activity = failure.activity ?? "The run"
        switch failure.code {
        case .badInput: return RPCError(.badRequest, failure.message)
        case .budgetExceeded: return RPCError(.tooManyRequests, "\(failure.message) (run \(failure.runID))", retryAfter: 3600)
        case .toolTimeout, .maxIterations, .agentError, .connectorError:
            if failure.transient {
                return RPCError(
                    .serviceUnavailable, "\(activity) failed for now (run \(failure.runID)): \(failure.message); try again later",
                    retryAfter: min(max(failure.retryAfterSeconds ?? 30, 1), 3600))
            }
            return RPCError(.badGateway, "\(activity) failed (run \(failure.runID)): \(failure.message)")
        }
    }

    /// The code for a protocol-level error of the server core (its real status stays in
    /// `data.httpStatus`: 414, 431, 505… have no tRPC code of their own).
    static func code(forHTTPStatus status: Int) -> RPCErrorCode {
        switch status {
        case 401: .unauthorized
        case 403: .forbidden
        case 404: .notFound
        case 405: .methodNotSupported
        case 408: .timeout
        case 409: .conflict
        case 412: .preconditionFailed
        case 413: .payloadTooLarge
        case 415: .unsupportedMediaType
        case 422: .unprocessableContent
        case 429: .tooManyRequests
        case 501: .notImplemented
        case 502: .badGateway
        case 503: .serviceUnavailable
        case 504: .gatewayTimeout
        case 400..<500: .badRequest
        default: .internalServerError
        }
    }
}
