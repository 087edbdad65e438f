import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// The Snowflake definition and its `snowflake.executeStatement` flow run by the real runtime,
/// signing with the real key-pair signer, against the Snowflake fake (which verifies every JWT
/// and follows the SQL API reference): what the catalog sends must be what Snowflake accepts,
/// field by field, and Snowflake's answers must come back as the documented outcomes.
@Suite(.enabled(if: OpenSSLCommand.isAvailable, "needs the openssl tool")) struct SnowflakeRuntimeTests {
    /// Throwaway keys, made once per test process by the openssl tool.
    static var keys: (registered: (privateKey: String, publicKey: String), other: (privateKey: String, publicKey: String)) { OpenSSLCommand.testKeys }

    static let variables = ["accountIdentifier": "myorg-marketing", "user": "neonhub_svc", "warehouse": "REPORTING_WH", "role": "ANALYST_RO"]

    /// A runtime pointed at `fake`, with the flow's pauses shortened for tests.
    static func runtime(_ fake: SnowflakeFake, maxWait: Duration = .seconds(120)) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let flows = ConnectorFlowRegistry([
            SnowflakeStatementFlow(
                firstPause: .milliseconds(10), maxPause: .milliseconds(40), maxWait: maxWait,
                grace: .milliseconds(10))
        ])
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "snowflake"),
            baseURLOverrides: ["snowflake": fake.baseURL], flows: flows)
    }

    static func credential(_ key: String = keys.registered.privateKey) throws -> ConnectorCredentialsValue {
        .keyPair(try KeyPairJWT(account: variables["accountIdentifier"]!, user: variables["user"]!, privateKeyPEM: key))
    }

    func withSnowflake(maxWait: Duration = .seconds(120), _ body: (SnowflakeFake, ConnectorRuntime) async throws -> Void) async throws {
        await OpenSSLCommand.warmTestKeys()
        // Issue times are the fake's own tests' subject; here a JWT signed just before a request
        // that a loaded machine schedules a minute later must not fail the test.
        let fake = SnowflakeFake(
            account: "MYORG-MARKETING", users: ["NEONHUB_SVC": Self.keys.registered.publicKey], issueTimeTolerance: 900)
        try fake.start()
        try await fake.server.serving {
            do {
                try await body(fake, try Self.runtime(fake, maxWait: maxWait))
            } catch {
                // Snowflake tells the client only "JWT token is invalid"; the fake knows why.
                Issue.record("the fake refused JWTs for: \(fake.authFailures)")
                throw error
            }
        }
    }

    static func execute(
        _ runtime: ConnectorRuntime, _ input: JSONValue, action: String = "statements.execute",
        idempotencyKey: String? = nil, key: String = keys.registered.privateKey
    ) async throws -> ConnectorResult {
        let credential = try credential(key)
        return try await runtime.execute(
            ConnectorCall(
                connector: "snowflake", action: action, input: input, variables: variables,
                idempotencyKey: idempotencyKey)
        ) { _ in credential }
    }

    static let columns = [SnowflakeFake.Column("CHANNEL", "text"), SnowflakeFake.Column("SESSIONS", "fixed")]

    @Test func aStatementIsSubmittedAsTheReferenceSaysAndItsRowsComeBack() async throws {
        try await withSnowflake { fake, runtime in
            let sql = "SELECT channel, sessions FROM sessions WHERE day = ?"
            fake.script(sql, .rows(Self.columns, partitions: [[["email", "18234"], ["paid_social", nil]]]))
            let key = "6f1c1d0e-3b8a-4c55-9e2f-0a1b2c3d4e5f"
            let result = try await Self.execute(
                runtime,
                .object([
                    "statement": .string(sql), "database": .string("MKT"), "schema": .string("PUBLIC"),
                    "bindings": .object(["1": .object(["type": .string("TEXT"), "value": .string("2026-11-30")])]),
                ]), idempotencyKey: key)
            #expect(result.output["rows"] == .array([.array([.string("email"), .string("18234")]), .array([.string("paid_social"), .null])]))
            #expect(JSONPath.value(at: "rowType.0.name", in: result.output) == .string("CHANNEL"))
            #expect(result.output["numRows"] == .number(2))
            #expect(result.output["truncated"] == .bool(false))
            #expect(result.output["code"] == .string("090001"))
            #expect(result.output["requestId"] == .string(key), "the call's idempotency key is Snowflake's request id")

            let submit = try #require(fake.requests.first)
            #expect(fake.requests.count == 1)
            #expect(submit.method == "POST")
            #expect(submit.path == "/api/v2/statements")
            #expect(submit.queryItems == ["requestId": [key]])
            let body = try #require(submit.json as? [String: Any])
            #expect(Set(body.keys) == ["statement", "timeout", "database", "schema", "warehouse", "role", "bindings"])
            #expect(body["statement"] as? String == sql)
            #expect(body["timeout"] as? Int == 60)
            #expect(body["database"] as? String == "MKT" && body["schema"] as? String == "PUBLIC")
            #expect(body["warehouse"] as? String == "REPORTING_WH" && body["role"] as? String == "ANALYST_RO", "the connection's defaults")
            #expect((body["bindings"] as? [String: [String: String]]) == ["1": ["type": "TEXT", "value": "2026-11-30"]])
            #expect(submit.header("X-Snowflake-Authorization-Token-Type") == "KEYPAIR_JWT")
            #expect(submit.header("Content-Type") == "application/json")
            #expect(submit.header("Accept") == "application/json")
            #expect(submit.header("User-Agent")?.hasPrefix("NeonHub/") == true)
            #expect(submit.header("Authorization") == "Bearer \(fake.acceptedTokens.first ?? "-")")
            #expect(fake.jwtLifetimes.allSatisfy { $0 > 0 && $0 <= 3600 })

            // A statement's own warehouse and role win over the connection's.
            _ = try await Self.execute(runtime, .object(["statement": .string(sql), "warehouse": .string("ADHOC_WH"), "role": .string("SYSADMIN")]))
            let second = try #require(fake.requests.last?.json as? [String: Any])
            #expect(second["warehouse"] as? String == "ADHOC_WH" && second["role"] as? String == "SYSADMIN")
            #expect(second["bindings"] == nil && second["database"] == nil)
            let requestIDs = fake.requests.compactMap { $0.queryItems["requestId"]?.first }
            #expect(requestIDs.count == 2 && requestIDs[1] != key && UUID(uuidString: requestIDs[1]) != nil, "a fresh UUID without a key")
        }
    }

    @Test func aSlowStatementIsPolledWithGrowingPausesUntilItAnswers() async throws {
        try await withSnowflake { fake, runtime in
            fake.script("CALL refresh_marts()", .running(reads: 3, then: .rows([.init("STATUS", "text")], partitions: [[["done"]]])))
            let result = try await Self.execute(runtime, .object(["statement": .string("CALL refresh_marts()")]))
            #expect(result.output["rows"] == .array([.array([.string("done")])]))
            let handle = try #require(JSONPath.text(result.output["statementHandle"]))
            let reads = fake.requests.filter { $0.method == "GET" }
            #expect(reads.count == 4, "three 202 answers, then the ResultSet")
            #expect(reads.allSatisfy { $0.path == "/api/v2/statements/\(handle)" && $0.header("Content-Type") == "application/json" })
            #expect(result.attempts == 5)
            let times = fake.requests.map(\.receivedAt)
            let gaps = zip(times.dropFirst(), times).map { $0.timeIntervalSince($1) }
            // 10 ms, then 20, 40 and 40 (the cap): every pause is at least what it should be.
            for (gap, least) in zip(gaps, [0.010, 0.020, 0.040, 0.040]) { #expect(gap >= least * 0.9, "gaps \(gaps)") }
            #expect(fake.executions["CALL refresh_marts()"] == 1)
        }
    }

    @Test func aStatementStillRunningAtTheWaitLimitNamesItsHandle() async throws {
        try await withSnowflake(maxWait: .seconds(2)) { fake, runtime in
            fake.script("CALL forever()", .running(reads: 10_000, then: .rows([], partitions: [[]])))
            let error = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, .object(["statement": .string("CALL forever()")]))
            }
            #expect(error?.code == .providerTimeout)
            #expect(error?.providerCode == "333334")
            let handle = try #require(fake.handles(of: "CALL forever()").first)
            #expect(fake.handles(of: "CALL forever()").count == 1)
            #expect(error?.message.contains(handle) == true)
            #expect(error?.message.contains("statements.cancel") == true)
            // Any poll (a loaded machine may spend the whole wait on the submit) read that statement.
            #expect(fake.requests.filter { $0.method == "GET" }.allSatisfy { $0.path == "/api/v2/statements/\(handle)" })
        }
    }

    @Test func aStatementWhoseCallerGivesUpIsCancelled() async throws {
        try await withSnowflake { fake, runtime in
            fake.script("CALL rebuild_marts()", .running(reads: 100_000, then: .rows([], partitions: [[]])))
            let call = Task { try await Self.execute(runtime, .object(["statement": .string("CALL rebuild_marts()"), "timeout": .number(600)])) }
            // Once the flow polls the running statement, its caller gives up.
            for _ in 0..<1_000 where !fake.requests.contains(where: { $0.method == "GET" }) { try await Task.sleep(for: .milliseconds(10)) }
            call.cancel()
            if case .success = await call.result { Issue.record("a cancelled call answered") }
            let handle = try #require(fake.handles(of: "CALL rebuild_marts()").first)
            let cancelPath = "/api/v2/statements/\(handle)/cancel"
            for _ in 0..<1_000 where !fake.requests.contains(where: { $0.path == cancelPath }) { try await Task.sleep(for: .milliseconds(10)) }
            #expect(fake.requests.filter { $0.method == "POST" && $0.path == cancelPath }.count == 1, "nobody will read it: it is stopped")
        }
    }

    @Test func furtherPartitionsAreReadUntilMaxRows() async throws {
        try await withSnowflake { fake, runtime in
            let partitions: [[[String?]]] = [[["1"], ["2"]], [["3"], ["4"]], [["5"], ["6"]]]
            fake.script("SELECT n FROM big", .rows([.init("N", "fixed")], partitions: partitions))
            let all = try await Self.execute(runtime, .object(["statement": .string("SELECT n FROM big")]))
            #expect(all.output["rows"] == .array((1...6).map { .array([.string("\($0)")]) }))
            #expect(all.output["partitionsRead"] == .number(3))
            #expect(all.output["numRows"] == .number(6))
            #expect(all.output["truncated"] == .bool(false))
            let handle = try #require(JSONPath.text(all.output["statementHandle"]))
            let reads = fake.requests.filter { $0.method == "GET" }
            #expect(reads.map(\.path) == ["/api/v2/statements/\(handle)", "/api/v2/statements/\(handle)"])
            #expect(reads.map { $0.queryItems["partition"] ?? [] } == [["1"], ["2"]])

            let some = try await Self.execute(runtime, .object(["statement": .string("SELECT n FROM big"), "maxRows": .number(3)]))
            #expect(some.output["rows"] == .array((1...3).map { .array([.string("\($0)")]) }))
            #expect(some.output["truncated"] == .bool(true))
            #expect(some.output["returnedRows"] == .number(3))
            #expect(fake.requests.filter { $0.method == "GET" }.count == 3, "partition 2 was never read")
        }
    }

    @Test func aFailedStatementIsAPermanentErrorWithSnowflakesCodeAndMessage() async throws {
        try await withSnowflake { fake, runtime in
            fake.script(
                "SELECT afaf",
                .fails(code: "000904", message: "SQL compilation error: error line 1 at position 7\ninvalid identifier 'AFAF'", sqlState: "42000"))
            let error = await #expect(throws: ConnectorError.self) { try await Self.execute(runtime, .object(["statement": .string("SELECT afaf")])) }
            #expect(error?.code == .providerRejected)
            #expect(error?.providerCode == "000904")
            #expect(error?.message.contains("invalid identifier 'AFAF'") == true)
            #expect(fake.requests.count == 1, "a 422 is not retried")

            fake.script(
                "CALL breaks_later()",
                .running(reads: 1, then: .fails(code: "100038", message: "Numeric value 'abc' is not recognized", sqlState: "22018")))
            let later = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, .object(["statement": .string("CALL breaks_later()")]))
            }
            #expect(later?.code == .providerRejected)
            #expect(later?.providerCode == "100038")
            #expect(later?.message.contains("Numeric value 'abc' is not recognized") == true)
        }
    }

    @Test func aLostAnswerIsResubmittedWithTheSameRequestIDAndRunsOnce() async throws {
        try await withSnowflake { fake, runtime in
            fake.script("INSERT INTO audit VALUES (1)", .rows([.init("number of rows inserted", "fixed")], partitions: [[["1"]]]))
            fake.failNextSubmits(1)
            let result = try await Self.execute(runtime, .object(["statement": .string("INSERT INTO audit VALUES (1)")]))
            #expect(result.output["rows"] == .array([.array([.string("1")])]))
            let posts = fake.requests.filter { $0.method == "POST" }
            #expect(posts.count == 2)
            #expect(posts[0].queryItems["requestId"] == posts[1].queryItems["requestId"])
            #expect(posts[0].queryItems["retry"] == nil && posts[1].queryItems["retry"] == ["true"])
            #expect(fake.executions["INSERT INTO audit VALUES (1)"] == 1)
        }
    }

    @Test func authAndRateLimitAnswersAreClassified() async throws {
        try await withSnowflake { fake, runtime in
            let refused = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, .object(["statement": .string("SELECT CURRENT_VERSION()")]), key: Self.keys.other.privateKey)
            }
            #expect(refused?.code == .providerAuth)
            #expect(refused?.providerCode == "390144")
            #expect(fake.authFailures == ["JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH"])
            #expect(fake.requests.count == 1, "nothing to refresh: the next JWT would be signed by the same key")

            fake.rateLimitNext(1)
            let limited = await #expect(throws: ConnectorError.self) {
                try await Self.execute(runtime, .object(["statement": .string("SELECT CURRENT_VERSION()")]))
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "390505")
            #expect(fake.executions["SELECT CURRENT_VERSION()"] == nil)
        }
    }

    @Test func statusPartitionAndCancelAreActionsOfTheirOwn() async throws {
        try await withSnowflake { fake, runtime in
            fake.script("SELECT n FROM two", .rows([.init("N", "fixed")], partitions: [[["1"]], [["2"]]]))
            fake.script("CALL slow()", .running(reads: 50, then: .rows([], partitions: [[]])))
            let requestID = UUID().uuidString.lowercased()
            let submitted = try await Self.execute(
                runtime, .object(["statement": .string("SELECT n FROM two"), "requestId": .string(requestID)]), action: "statements.submit")
            let handle = try #require(JSONPath.text(submitted.output["statementHandle"]))
            #expect(fake.requests.last?.queryItems == ["requestId": [requestID]])
            #expect(fake.requests.last?.json as? [String: Any] != nil)

            let second = try await Self.execute(
                runtime, .object(["statementHandle": .string(handle), "partition": .number(1)]), action: "statements.get")
            #expect(second.output["rows"] == .array([.array([.string("2")])]))
            #expect(second.output["code"] == .string("090001"))
            #expect(JSONPath.value(at: "partitions.1.rowCount", in: second.output) == .number(1))
            #expect(fake.requests.last?.method == "GET" && fake.requests.last?.path == "/api/v2/statements/\(handle)")

            let running = try await Self.execute(
                runtime, .object(["statement": .string("CALL slow()"), "requestId": .string(UUID().uuidString)]), action: "statements.submit")
            #expect(running.output["code"] == .string("333334"))
            let slow = try #require(JSONPath.text(running.output["statementHandle"]))
            let canceled = try await Self.execute(runtime, .object(["statementHandle": .string(slow)]), action: "statements.cancel")
            #expect(
                canceled.output
                    == .object([
                        "code": .string("000604"), "sqlState": .string("57014"), "message": .string("SQL execution canceled"),
                        "statementHandle": .string(slow),
                    ]))
            let cancel = try #require(fake.requests.last)
            #expect(cancel.method == "POST" && cancel.path == "/api/v2/statements/\(slow)/cancel" && cancel.body.isEmpty)
            #expect(cancel.header("Content-Type") == "application/json")

            let unknown = await #expect(throws: ConnectorError.self) {
                try await Self.execute(
                    runtime, .object(["statementHandle": .string("019c07bc-0000-df4f-0000-001000067c3e")]), action: "statements.get")
            }
            #expect(unknown?.code == .providerRejected)
            #expect(unknown?.providerCode == "000709")
        }
    }
}
