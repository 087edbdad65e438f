import Logging
import Postgres
import Testing

@testable import NeonHub

/// How database errors reach the wire: a database that is away is 503 with `Retry-After`,
/// never 500; a lost COMMIT says its outcome is unknown.
@Suite struct RPCErrorMapperTests {
    private let logger = Logger(label: "mapper-tests")

    @Test func lostOrUnavailableDatabaseIsServiceUnavailable() {
        for kind in [PostgresError.Kind.connectionLost, .unavailable] {
            let mapped = RPCErrorMapper.map(
                PostgresError(kind: kind, message: "server closed the connection unexpectedly"),
                logger: logger, procedure: "agents.run")
            #expect(mapped.code == .serviceUnavailable)
            #expect(mapped.retryAfter == 2)
            #expect(!mapped.message.contains("may or may not"))
        }
    }

    @Test func lostCommitSaysTheOutcomeIsUnknown() {
        let error = PostgresError(kind: .connectionLost, message: "server closed the connection unexpectedly", isCommitOutcomeUnknown: true)
        let mapped = RPCErrorMapper.map(error, logger: logger, procedure: "agents.run")
        #expect(mapped.code == .serviceUnavailable)
        #expect(mapped.retryAfter == 2)
        #expect(mapped.message.contains("may or may not have been saved"))
        #expect(mapped.message.contains("idempotency key"))
    }

    @Test func realProtocolErrorsStayInternal() {
        let mapped = RPCErrorMapper.map(PostgresError(kind: .protocol, message: "unexpected result status"), logger: logger, procedure: "agents.run")
        #expect(mapped.code == .internalServerError)
        #expect(mapped.retryAfter == nil)
    }
}
