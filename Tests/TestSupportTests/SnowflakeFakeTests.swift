import Foundation
import TestSupport
import Testing

/// The Snowflake fake, driven with plain HTTP and JWTs signed by the openssl tool, as the SQL
/// API documentation shows each call:
/// https://docs.snowflake.com/en/developer-guide/sql-api/reference,
/// https://docs.snowflake.com/en/developer-guide/sql-api/authenticating,
/// https://docs.snowflake.com/en/developer-guide/sql-api/submitting-requests.
@Suite(.enabled(if: OpenSSLCommand.isAvailable, "needs the openssl tool")) struct SnowflakeFakeTests {
    /// Throwaway keys, made once per test process.
    static var keys: (registered: (privateKey: String, publicKey: String), other: (privateKey: String, publicKey: String)) { OpenSSLCommand.testKeys }

    private func withFake<T>(_ body: (SnowflakeFake, HTTPTestClient) async throws -> T) async throws -> T {
        await OpenSSLCommand.warmTestKeys()
        let fake = SnowflakeFake(account: "myorg-marketing", users: ["neonhub_svc": Self.keys.registered.publicKey])
        try fake.start()
        do {
            let result = try await body(fake, HTTPTestClient(baseURL: fake.server.baseURL))
            await fake.server.stopWithoutBlocking()
            return result
        } catch {
            await fake.server.stopWithoutBlocking()
            throw error
        }
    }

    /// A JWT as the docs describe it, signed by openssl with `key`.
    static func jwt(
        key: String = keys.registered.privateKey, publicKey: String = keys.registered.publicKey, user: String = "NEONHUB_SVC",
        account: String = "MYORG-MARKETING", issuedAt: Date = Date(), lifetime: Int = 3000
    ) async throws -> String {
        let now = Int(issuedAt.timeIntervalSince1970)
        let sub = "\(account).\(user)"
        let fingerprint = try await OpenSSLCommand.snowflakeFingerprint(publicKey: publicKey)
        return try await OpenSSLCommand.jwt(claims: ["iss": "\(sub).\(fingerprint)", "sub": sub, "iat": now, "exp": now + lifetime], privateKey: key)
    }

    static func headers(_ token: String) -> [String: String] {
        [
            "Authorization": "Bearer \(token)", "X-Snowflake-Authorization-Token-Type": "KEYPAIR_JWT", "Content-Type": "application/json",
            "Accept": "application/json", "User-Agent": "NeonHubTests/1.0",
        ]
    }

    static func statement(_ text: String, extra: [String: Any] = [:]) throws -> Data {
        try JSONSerialization.data(withJSONObject: ["statement": text, "timeout": 60].merging(extra) { $1 })
    }

    @Test func aDocumentedJWTRunsAStatementAndAnswersAResultSet() async throws {
        try await withFake { fake, client in
            fake.script("SELECT 1", .rows([.init("1", "fixed")], partitions: [[["1"]]]))
            let reply = try await client.request(
                "POST", "/api/v2/statements?requestId=\(UUID().uuidString.lowercased())",
                headers: Self.headers(try await Self.jwt()), body: try Self.statement("SELECT 1"))
            #expect(reply.status == 200)
            let body = try reply.json()
            #expect(body["code"] as? String == "090001")
            #expect(body["data"] as? [[String]] == [["1"]])
            #expect(((body["resultSetMetaData"] as? [String: Any])?["rowType"] as? [[String: Any]])?.first?["name"] as? String == "1")
            #expect(reply.header("Link")?.contains("rel=\"first\"") == true)
            #expect(fake.executions["SELECT 1"] == 1)
            #expect(fake.authFailures.isEmpty)
        }
    }

    @Test func aJWTThatDoesNotVerifyIsRefusedAsSnowflakeDocumentsIt() async throws {
        try await withFake { fake, client in
            let cases: [(String, String)] = [
                (
                    try await Self.jwt(key: Self.keys.other.privateKey, publicKey: Self.keys.other.publicKey),
                    "JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH"
                ),
                (try await Self.jwt(key: Self.keys.other.privateKey), "JWT_TOKEN_INVALID_SIGNATURE"),
                (try await Self.jwt(account: "OTHERORG-ACCOUNT"), "JWT_TOKEN_ACCOUNT_MISMATCH"),
                (try await Self.jwt(user: "SOMEONE"), "JWT_TOKEN_INVALID_USER_IN_ISSUER"),
                (try await Self.jwt(issuedAt: Date().addingTimeInterval(-7200), lifetime: 3600), "JWT_TOKEN_INVALID_ISSUE_TIME"),
                ("not.a.jwt", "JWT_TOKEN_INVALID"),
            ]
            for (token, _) in cases {
                let reply = try await client.request(
                    "POST", "/api/v2/statements", headers: Self.headers(token), body: try Self.statement("SELECT CURRENT_VERSION()"))
                #expect(reply.status == 401)
                #expect(try reply.json()["code"] as? String == "390144")
                #expect((try reply.json()["message"] as? String)?.hasPrefix("JWT token is invalid. [") == true)
            }
            #expect(fake.authFailures == cases.map(\.1))
            #expect(fake.executions.isEmpty)
        }
    }

    @Test func everyOperationNeedsTheDocumentedHeaders() async throws {
        try await withFake { fake, client in
            let token = try await Self.jwt()
            var noType = Self.headers(token); noType["Content-Type"] = nil
            #expect(try await client.request("GET", "/api/v2/statements/01abcdef-0000-1234-0000-001122334455", headers: noType).status == 415)
            var noAgent = Self.headers(token); noAgent["User-Agent"] = nil
            #expect(try await client.request("POST", "/api/v2/statements", headers: noAgent, body: try Self.statement("SELECT 1")).status == 400)
            var xml = Self.headers(token); xml["Accept"] = "application/xml"
            #expect(try await client.request("POST", "/api/v2/statements", headers: xml, body: try Self.statement("SELECT 1")).status == 400)
            var oauth = Self.headers(token); oauth["X-Snowflake-Authorization-Token-Type"] = "OAUTH"
            #expect(try await client.request("POST", "/api/v2/statements", headers: oauth, body: try Self.statement("SELECT 1")).status == 401)
            #expect(fake.executions.isEmpty)
        }
    }

    @Test func aSlowStatementAnswers202UntilItFinishesThenServesItsPartitions() async throws {
        try await withFake { fake, client in
            fake.script("SELECT * FROM big", .running(reads: 2, then: .rows([.init("N", "fixed")], partitions: [[["1"], ["2"]], [["3"]]])))
            let headers = Self.headers(try await Self.jwt())
            let submitted = try await client.request("POST", "/api/v2/statements", headers: headers, body: try Self.statement("SELECT * FROM big"))
            #expect(submitted.status == 202)
            #expect(try submitted.json()["code"] as? String == "333334")
            let handle = try #require(try submitted.json()["statementHandle"] as? String)
            #expect(try submitted.json()["statementStatusUrl"] as? String == "/api/v2/statements/\(handle)")
            #expect(try await client.get("/api/v2/statements/\(handle)", headers: headers).status == 202)
            #expect(try await client.get("/api/v2/statements/\(handle)", headers: headers).status == 202)
            let done = try await client.get("/api/v2/statements/\(handle)", headers: headers)
            #expect(done.status == 200)
            #expect(try done.json()["data"] as? [[String]] == [["1"], ["2"]])
            let partitions = (try done.json()["resultSetMetaData"] as? [String: Any])?["partitionInfo"] as? [[String: Any]]
            #expect(partitions?.compactMap { $0["rowCount"] as? Int } == [2, 1])
            let second = try await client.get("/api/v2/statements/\(handle)?partition=1", headers: headers)
            #expect(try second.json()["data"] as? [[String]] == [["3"]])
            #expect(try await client.get("/api/v2/statements/\(handle)?partition=2", headers: headers).status == 400)
            #expect(try await client.get("/api/v2/statements/\(handle)?nullable=false", headers: headers).status == 400)
        }
    }

    @Test func failuresCancellationAndUnknownHandlesAnswer422() async throws {
        try await withFake { fake, client in
            fake.script(
                "SELECT afaf",
                .fails(code: "000904", message: "SQL compilation error: error line 1 at position 7\ninvalid identifier 'AFAF'", sqlState: "42000"))
            let headers = Self.headers(try await Self.jwt())
            let failed = try await client.request("POST", "/api/v2/statements", headers: headers, body: try Self.statement("SELECT afaf"))
            #expect(failed.status == 422)
            #expect(try failed.json()["code"] as? String == "000904")
            #expect(try failed.json()["sqlState"] as? String == "42000")
            #expect(try failed.json()["statementHandle"] is String)

            fake.script("CALL slow()", .running(reads: 10, then: .rows([], partitions: [[]])))
            let running = try await client.request("POST", "/api/v2/statements", headers: headers, body: try Self.statement("CALL slow()"))
            let handle = try #require(try running.json()["statementHandle"] as? String)
            let canceled = try await client.request("POST", "/api/v2/statements/\(handle)/cancel", headers: headers)
            #expect(canceled.status == 200)
            #expect(try canceled.json()["code"] as? String == "000604")
            #expect(try await client.get("/api/v2/statements/\(handle)", headers: headers).status == 422)

            let unknown = try await client.request("POST", "/api/v2/statements/019c07bc-0000-df4f-0000-001000067c3e/cancel", headers: headers)
            #expect(unknown.status == 422)
            #expect(try unknown.json()["code"] as? String == "000709")
            let bad = try await client.request(
                "POST", "/api/v2/statements", headers: headers,
                body: try Self.statement("SELECT ?", extra: ["bindings": ["1": ["type": "FIXED", "value": 1]]]))
            #expect(bad.status == 400)
            #expect(try bad.json()["code"] as? String == "390142")
        }
    }

    @Test func aResubmissionWithTheSameRequestIDAndRetryRunsNothingTwice() async throws {
        try await withFake { fake, client in
            fake.script("INSERT INTO t VALUES (1)", .rows([.init("number of rows inserted", "fixed")], partitions: [[["1"]]]))
            let headers = Self.headers(try await Self.jwt())
            let id = UUID().uuidString.lowercased()
            fake.failNextSubmits(1)
            let lost = try await client.request(
                "POST", "/api/v2/statements?requestId=\(id)", headers: headers, body: try Self.statement("INSERT INTO t VALUES (1)"))
            #expect(lost.status == 503)
            let again = try await client.request(
                "POST", "/api/v2/statements?requestId=\(id)&retry=true", headers: headers,
                body: try Self.statement("INSERT INTO t VALUES (1)"))
            #expect(again.status == 200)
            #expect(fake.executions["INSERT INTO t VALUES (1)"] == 1)
            // Without retry=true the same request id runs the statement again (as the docs warn).
            _ = try await client.request(
                "POST", "/api/v2/statements?requestId=\(id)", headers: headers, body: try Self.statement("INSERT INTO t VALUES (1)"))
            #expect(fake.executions["INSERT INTO t VALUES (1)"] == 2)

            fake.rateLimitNext(1)
            let limited = try await client.request(
                "POST", "/api/v2/statements", headers: headers, body: try Self.statement("SELECT CURRENT_VERSION()"))
            #expect(limited.status == 429)
            #expect(try limited.json()["code"] as? String == "390505")
        }
    }
}
