import Logging
import Postgres

/// Turns any error thrown by a procedure into the error the client sees. Internal details
/// (SQL, stack, secrets) are logged with the request id, never returned.
enum RPCErrorMapper {
    static func map(_ error: any Error, logger: Logger, procedure: String) -> RPCError {
        switch error {
        case let e as RPCError:
            return e
        case let e as AuthError:
            return RPCError(.unauthorized, "Invalid token: \(e.reason)")
        case let e as PostgresError where e.isCommitOutcomeUnknown:
            // The database went away while committing: the change may have been saved.
            logger.warning(
                "database connection lost during commit; outcome unknown",
                metadata: ["procedure": "\(procedure)", "error": "\(e)", "outcome": "unknown"])
            return RPCError(
                .serviceUnavailable,
                "Database connection lost while saving; the change may or may not have been saved. "
                    + "Retry with the same idempotency key to get the original result",
                retryAfter: 2)
        case let e as PostgresError where e.kind == .unavailable || e.kind == .connectionLost:
            logger.warning("database unavailable", metadata: ["procedure": "\(procedure)", "error": "\(e)"])
            return RPCError(.serviceUnavailable, "Database unavailable; try again shortly", retryAfter: 2)
        case let e as PostgresError where e.isDataException:
            // Class 22: a value the database cannot store (bad encoding, out of range…). The
            // message has quoted values redacted already.
            logger.info("data exception", metadata: ["procedure": "\(procedure)", "error": "\(e)"])
            return RPCError(.badRequest, "Input contains a value the database cannot store")
        case is CancellationError:
            return RPCError(.clientClosedRequest, "Request cancelled")
        default:
            logger.error("procedure failed", metadata: ["procedure": "\(procedure)", "error": "\(String(describing: error).prefix(500))"])
            return RPCError(.internalServerError, "Internal server error")
        }
    }
}
