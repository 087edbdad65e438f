import Foundation
import TestSupport
import Testing

/// The Databricks fake, driven with plain HTTP as Databricks' documentation shows each call:
/// https://docs.databricks.com/api/workspace/statementexecution,
/// https://docs.databricks.com/api/workspace/warehouses/list,
/// https://docs.databricks.com/en/dev-tools/sql-execution-tutorial.html.
@Suite struct DatabricksFakeTests {
    static let warehouse = "a7066a8ef796be84"
    static let auth = ["Authorization": "Bearer \(DatabricksFake.defaultToken)"]

    private func withFake<T>(_ body: (DatabricksFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = DatabricksFake()
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

    /// `POST /api/2.0/sql/statements` with `fields` (the warehouse and the statement default).
    private func execute(
        _ client: HTTPTestClient, _ statement: String?, _ fields: [String: Any] = [:], headers: [String: String] = DatabricksFakeTests.auth
    ) async throws -> HTTPTestClient.Reply {
        var body: [String: Any] = ["warehouse_id": Self.warehouse]
        if let statement { body["statement"] = statement }
        body.merge(fields) { $1 }
        return try await client.request(
            "POST", "/api/2.0/sql/statements", headers: headers.merging(["Content-Type": "application/json"]) { $1 },
            body: try JSONSerialization.data(withJSONObject: body))
    }

    /// `GET /api/2.0/sql/statements/{id}`: the state it answers.
    private func read(_ client: HTTPTestClient, _ id: String) async throws -> String? {
        let reply = try await client.get("/api/2.0/sql/statements/\(id)", headers: Self.auth)
        return try state(reply)
    }

    private func object(_ value: Any?) -> [String: Any] { value as? [String: Any] ?? [:] }
    private func state(_ reply: HTTPTestClient.Reply) throws -> String? { object(try reply.json()["status"])["state"] as? String }
    private func errorCode(_ reply: HTTPTestClient.Reply) throws -> String? { try reply.json()["error_code"] as? String }
    private func rows(_ data: [String: Any]) -> [[String?]] {
        (data["data_array"] as? [[Any]] ?? []).map { row in row.map { $0 as? String } }
    }

    @Test func aPersonalAccessTokenIsRequiredAndARevokedOneIsRefused() async throws {
        try await withFake { fake, client in
            #expect(fake.baseURL == fake.server.baseURL + "/api")
            let none = try await client.get("/api/2.0/sql/warehouses")
            #expect(none.status == 401)
            #expect(try none.json()["error_code"] as? Int == 401)
            #expect((try none.json()["message"] as? String)?.hasPrefix("Credential was not sent") == true)
            let basic = try await client.get("/api/2.0/sql/warehouses", headers: ["Authorization": "Basic dXNlcjpwYXNz"])
            #expect(basic.status == 401)
            let wrong = try await client.get("/api/2.0/sql/warehouses", headers: ["Authorization": "Bearer dapi00000000000000000000000000000000"])
            #expect(wrong.status == 403)
            #expect(try wrong.json()["error_code"] as? Int == 403)
            #expect(try wrong.json()["message"] as? String == "Invalid access token.")
            #expect(try await client.get("/api/2.0/sql/warehouses", headers: Self.auth).status == 200)

            fake.revokeToken()
            #expect(try await client.get("/api/2.0/sql/warehouses", headers: Self.auth).status == 403)
            let refused = try await execute(client, "SELECT 1")
            #expect(refused.status == 403)
            #expect(fake.executedStatements.isEmpty)
        }
    }

    @Test func warehousesAreListedAsEndpointInfoAndPaged() async throws {
        try await withFake { _, client in
            let all = try await client.get("/api/2.0/sql/warehouses", headers: Self.auth)
            #expect(all.status == 200)
            let warehouses = try #require(try all.json()["warehouses"] as? [[String: Any]])
            #expect(warehouses.compactMap { $0["id"] as? String } == [Self.warehouse, "0f1e2d3c4b5a6978"])
            #expect(warehouses[0]["name"] as? String == "Serverless Starter Warehouse")
            #expect(warehouses[0]["state"] as? String == "RUNNING")
            #expect(warehouses[0]["cluster_size"] as? String == "2X-Small")
            #expect(warehouses[0]["enable_serverless_compute"] as? Bool == true)
            #expect(warehouses[1]["state"] as? String == "STOPPED")
            #expect(warehouses[1]["enable_serverless_compute"] as? Bool == false)
            #expect(object(warehouses[0]["odbc_params"])["path"] as? String == "/sql/1.0/warehouses/\(Self.warehouse)")
            #expect(try all.json()["next_page_token"] == nil)

            let first = try await client.get("/api/2.0/sql/warehouses?page_size=1", headers: Self.auth)
            #expect((try first.json()["warehouses"] as? [[String: Any]])?.count == 1)
            let token = try #require(try first.json()["next_page_token"] as? String)
            let encoded = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token
            let second = try await client.get("/api/2.0/sql/warehouses?page_size=1&page_token=\(encoded)", headers: Self.auth)
            #expect((try second.json()["warehouses"] as? [[String: Any]])?.first?["id"] as? String == "0f1e2d3c4b5a6978")
            #expect(try second.json()["next_page_token"] == nil)
            let bad = try await client.get("/api/2.0/sql/warehouses?page_size=many", headers: Self.auth)
            #expect(bad.status == 400)
            #expect(try errorCode(bad) == "INVALID_PARAMETER_VALUE")
        }
    }

    @Test func anInlineStatementAnswersItsManifestAndFirstChunk() async throws {
        try await withFake { fake, client in
            let text = "SELECT id, name, score FROM main.marketing.leads WHERE day = :day"
            fake.script(
                text,
                .succeeds(
                    [.init("id", "BIGINT"), .init("name", "STRING"), .init("score", "DECIMAL(10,2)")],
                    [["1", "Ada", "9.50"], ["2", nil, "7.25"]]))
            let reply = try await execute(
                client, text,
                [
                    "wait_timeout": "10s", "catalog": "main", "schema": "marketing",
                    "parameters": [["name": "day", "value": "2026-01-01", "type": "DATE"]],
                ])
            #expect(reply.status == 200)
            let body = try reply.json()
            #expect(body["statement_id"] is String)
            #expect(try state(reply) == "SUCCEEDED")
            let manifest = object(body["manifest"])
            #expect(manifest["format"] as? String == "JSON_ARRAY")
            #expect(manifest["total_row_count"] as? Int == 2)
            #expect(manifest["total_chunk_count"] as? Int == 1)
            #expect(manifest["truncated"] as? Bool == false)
            let chunks = try #require(manifest["chunks"] as? [[String: Any]])
            #expect(chunks.count == 1)
            #expect(chunks[0]["row_count"] as? Int == 2)
            #expect(chunks[0]["byte_count"] == nil, "byte_count is not available with INLINE")
            let schema = object(manifest["schema"])
            #expect(schema["column_count"] as? Int == 3)
            let columns = try #require(schema["columns"] as? [[String: Any]])
            #expect(columns.compactMap { $0["name"] as? String } == ["id", "name", "score"])
            #expect(columns.compactMap { $0["type_name"] as? String } == ["LONG", "STRING", "DECIMAL"])
            #expect(columns.compactMap { $0["type_text"] as? String } == ["BIGINT", "STRING", "DECIMAL(10,2)"])
            #expect(columns.compactMap { $0["position"] as? Int } == [0, 1, 2])
            #expect(columns[2]["type_precision"] as? Int == 10)
            #expect(columns[2]["type_scale"] as? Int == 2)
            let result = object(body["result"])
            #expect(result["chunk_index"] as? Int == 0)
            #expect(rows(result) == [["1", "Ada", "9.50"], ["2", nil, "7.25"]])
            #expect((result["data_array"] as? [[Any]])?[1][1] is NSNull, "null is JSON null")
            #expect(result["next_chunk_index"] == nil)

            let execution = try #require(fake.executions.last)
            #expect(execution.catalog == "main")
            #expect(execution.schema == "marketing")
            #expect(execution.parameters == [DatabricksFake.Parameter(name: "day", value: "2026-01-01", type: "DATE")])
            #expect(execution.disposition == "INLINE")
            #expect(execution.format == "JSON_ARRAY")

            let unscripted = try await execute(client, "SELECT 1")
            #expect(rows(object(try unscripted.json()["result"])) == [["1"]])
            let limited = try await execute(client, text, ["row_limit": 1, "parameters": [["name": "day", "value": "2026-01-01"]]])
            #expect(object(try limited.json()["manifest"])["truncated"] as? Bool == true)
            #expect(rows(object(try limited.json()["result"])) == [["1", "Ada", "9.50"]])
            #expect(fake.executedStatements == [text, "SELECT 1", text])
        }
    }

    @Test func aStatementStillRunningIsPolledUntilItSucceeds() async throws {
        try await withFake { fake, client in
            fake.script("SELECT count(*) FROM events", .succeeds([.init("count(1)", "BIGINT")], [["42"]], pendingReads: 2))
            let submitted = try await execute(client, "SELECT count(*) FROM events", ["wait_timeout": "0s"])
            #expect(submitted.status == 200)
            #expect(try state(submitted) == "PENDING")
            #expect(try submitted.json()["manifest"] == nil)
            let id = try #require(try submitted.json()["statement_id"] as? String)
            #expect(try await read(client, id) == "RUNNING")
            #expect(try await read(client, id) == "RUNNING")
            let done = try await client.get("/api/2.0/sql/statements/\(id)", headers: Self.auth)
            #expect(try state(done) == "SUCCEEDED")
            #expect(rows(object(try done.json()["result"])) == [["42"]])
            #expect(try await read(client, id) == "SUCCEEDED")

            // Hybrid mode: the wait runs out, CONTINUE answers the statement ID to poll.
            fake.script("SELECT slow()", .succeeds([.init("slow()", "INT")], [["1"]], pendingReads: 1))
            let hybrid = try await execute(client, "SELECT slow()", ["wait_timeout": "5s", "on_wait_timeout": "CONTINUE"])
            #expect(try state(hybrid) == "PENDING")
            let hybridID = try #require(try hybrid.json()["statement_id"] as? String)
            #expect(try await read(client, hybridID) == "RUNNING")
            #expect(try await read(client, hybridID) == "SUCCEEDED")
            let unknown = try await client.get("/api/2.0/sql/statements/01f00000-0000-0000-0000-000000000000", headers: Self.auth)
            #expect(unknown.status == 404)
            #expect(try errorCode(unknown) == "NOT_FOUND")
        }
    }

    @Test func aLargeResultIsReadChunkByChunkFollowingTheNextChunkLinks() async throws {
        try await withFake { fake, client in
            let all: [[String?]] = (1...5).map { ["\($0)"] }
            fake.script("SELECT n FROM range(5)", .succeeds([.init("n", "BIGINT")], all, rowsPerChunk: 2))
            let reply = try await execute(client, "SELECT n FROM range(5)")
            let id = try #require(try reply.json()["statement_id"] as? String)
            let manifest = object(try reply.json()["manifest"])
            #expect(manifest["total_chunk_count"] as? Int == 3)
            #expect(manifest["total_row_count"] as? Int == 5)
            let chunks = manifest["chunks"] as? [[String: Any]] ?? []
            #expect(chunks.compactMap { $0["row_offset"] as? Int } == [0, 2, 4])
            #expect(chunks.compactMap { $0["row_count"] as? Int } == [2, 2, 1])

            var result = object(try reply.json()["result"])
            var collected = rows(result)
            var indexes = [result["chunk_index"] as? Int]
            while let link = result["next_chunk_internal_link"] as? String {
                #expect(link == "/api/2.0/sql/statements/\(id)/result/chunks/\(result["next_chunk_index"] as? Int ?? -1)")
                let next = try await client.get(link, headers: Self.auth)
                #expect(next.status == 200)
                result = try next.json()
                collected += rows(result)
                indexes.append(result["chunk_index"] as? Int)
                #expect(indexes.count <= 3)
            }
            #expect(indexes == [0, 1, 2])
            #expect(collected == all)
            #expect(result["row_offset"] as? Int == 4)
            #expect(result["next_chunk_index"] == nil)

            let beyond = try await client.get("/api/2.0/sql/statements/\(id)/result/chunks/3", headers: Self.auth)
            #expect(beyond.status == 400)
            #expect(try errorCode(beyond) == "INVALID_PARAMETER_VALUE")
            let unknown = try await client.get("/api/2.0/sql/statements/01f0ffff-0000-0000-0000-000000000000/result/chunks/0", headers: Self.auth)
            #expect(unknown.status == 404)
        }
    }

    @Test func aFailedStatementAnswers200WithStatusError() async throws {
        try await withFake { fake, client in
            let message = "[TABLE_OR_VIEW_NOT_FOUND] The table or view `missing` cannot be found. SQLSTATE: 42P01"
            fake.script("SELECT * FROM missing", .fails(message: message, sqlState: "42P01"))
            let reply = try await execute(client, "SELECT * FROM missing")
            #expect(reply.status == 200)
            #expect(try state(reply) == "FAILED")
            let status = object(try reply.json()["status"])
            #expect(object(status["error"])["error_code"] as? String == "BAD_REQUEST")
            #expect(object(status["error"])["message"] as? String == message)
            #expect(status["sql_state"] as? String == "42P01")
            #expect(try reply.json()["manifest"] == nil)
            #expect(try reply.json()["result"] == nil)
            let id = try #require(try reply.json()["statement_id"] as? String)
            #expect(try await read(client, id) == "FAILED")
            let chunk = try await client.get("/api/2.0/sql/statements/\(id)/result/chunks/0", headers: Self.auth)
            #expect(chunk.status == 400)
        }
    }

    @Test func requestsDatabricksDoesNotAcceptAreRefusedWithInvalidParameterValue() async throws {
        try await withFake { fake, client in
            for timeout in ["3s", "51s", "10", "ten seconds", "-5s"] {
                let reply = try await execute(client, "SELECT 1", ["wait_timeout": timeout])
                #expect(reply.status == 400, "wait_timeout \(timeout)")
                #expect(try errorCode(reply) == "INVALID_PARAMETER_VALUE")
            }
            let refused: [(String?, [String: Any])] = [
                (nil, [:]),
                ("SELECT 1", ["warehouse_id": NSNull()]),
                ("SELECT :x", ["parameters": [["value": "1"]]]),
                ("SELECT :x", ["parameters": [["name": "x", "value": "[1]", "type": "ARRAY<INT>"]]]),
                ("SELECT 1", ["disposition": "INLINE", "format": "CSV"]),
                ("SELECT 1", ["format": "ARROW_STREAM"]),
                ("SELECT 1", ["on_wait_timeout": "WAIT"]),
                ("SELECT 1", ["row_limit": 0]),
            ]
            for (statement, fields) in refused {
                let reply = try await execute(client, statement, fields)
                #expect(reply.status == 400, "\(fields)")
                #expect(try errorCode(reply) == "INVALID_PARAMETER_VALUE", "\(fields)")
            }
            let unknownWarehouse = try await execute(client, "SELECT 1", ["warehouse_id": "ffffffffffffffff"])
            #expect(unknownWarehouse.status == 404)
            let form = try await client.request(
                "POST", "/api/2.0/sql/statements", headers: Self.auth.merging(["Content-Type": "application/x-www-form-urlencoded"]) { $1 },
                body: Data("statement=SELECT+1&warehouse_id=\(Self.warehouse)".utf8))
            #expect(form.status == 400)
            #expect(fake.executedStatements.isEmpty)
        }
    }

    @Test func anUnboundParameterMarkerFailsTheStatementAsTheSQLReferenceSays() async throws {
        try await withFake { fake, client in
            let text = "SELECT * FROM t WHERE id = :id AND day = :day"
            let unbound = try await execute(client, text, ["parameters": [["name": "id", "value": "7", "type": "INT"]]])
            #expect(unbound.status == 200)
            #expect(try state(unbound) == "FAILED")
            let status = object(try unbound.json()["status"])
            #expect(object(status["error"])["error_code"] as? String == "BAD_REQUEST")
            #expect((object(status["error"])["message"] as? String)?.hasPrefix("[UNBOUND_SQL_PARAMETER] Found the unbound parameter: day.") == true)
            #expect(status["sql_state"] as? String == "42P02")

            let bound = try await execute(
                client, text, ["parameters": [["name": "id", "value": "7", "type": "INT"], ["name": "day", "value": NSNull()], ["name": "extra"]]])
            #expect(try state(bound) == "SUCCEEDED")
            let noMarkers = try await execute(client, "SELECT ':x', a::string, payload:store.id, `b:c` FROM t -- :comment\n/* :block */")
            #expect(try state(noMarkers) == "SUCCEEDED")
            let badCast = try await execute(client, "SELECT :n", ["parameters": [["name": "n", "value": "seven", "type": "INT"]]])
            #expect(try state(badCast) == "FAILED")
            #expect(object(try badCast.json()["status"])["sql_state"] as? String == "22018")
            #expect(fake.executedStatements.count == 4)
        }
    }

    @Test func cancelStopsARunningStatementAndOnWaitTimeoutCancelCancelsIt() async throws {
        try await withFake { fake, client in
            fake.script("OPTIMIZE events", .succeeds([], [], pendingReads: 10))
            let running = try await execute(client, "OPTIMIZE events", ["wait_timeout": "0s"])
            let id = try #require(try running.json()["statement_id"] as? String)
            let cancel = try await client.request("POST", "/api/2.0/sql/statements/\(id)/cancel", headers: Self.auth)
            #expect(cancel.status == 200)
            #expect(try cancel.json().isEmpty)
            #expect(try await read(client, id) == "CANCELED")
            #expect(fake.status(of: id) == "CANCELED")
            #expect(fake.cancelled == [id])

            let synchronous = try await execute(client, "OPTIMIZE events", ["wait_timeout": "30s", "on_wait_timeout": "CANCEL"])
            #expect(try state(synchronous) == "CANCELED")
            let synchronousID = try #require(try synchronous.json()["statement_id"] as? String)
            #expect(fake.cancelled == [id, synchronousID])

            // A statement that already finished stays as it is: cancelation "might silently fail".
            let finished = try await execute(client, "SELECT 1")
            let finishedID = try #require(try finished.json()["statement_id"] as? String)
            #expect(try await client.request("POST", "/api/2.0/sql/statements/\(finishedID)/cancel", headers: Self.auth).status == 200)
            #expect(try await read(client, finishedID) == "SUCCEEDED")
            #expect(fake.cancelled == [id, synchronousID])
        }
    }

    @Test func aRateLimitAnswers429WithRetryAfterThenRecovers() async throws {
        try await withFake { fake, client in
            fake.injectRateLimit(count: 2, retryAfter: 7)
            for _ in 0..<2 {
                let limited = try await execute(client, "SELECT 1")
                #expect(limited.status == 429)
                #expect(limited.header("Retry-After") == "7")
                #expect(try errorCode(limited) == "REQUEST_LIMIT_EXCEEDED")
            }
            #expect(fake.executedStatements.isEmpty)
            #expect(try await execute(client, "SELECT 1").status == 200)
            #expect(fake.executedStatements == ["SELECT 1"])
        }
    }

    @Test func unknownRoutesAnswerEndpointNotFound() async throws {
        try await withFake { _, client in
            let reply = try await client.get("/api/2.0/sql/statement", headers: Self.auth)
            #expect(reply.status == 404)
            #expect(try errorCode(reply) == "ENDPOINT_NOT_FOUND")
            #expect((try reply.json()["message"] as? String)?.contains("No API found for 'GET /2.0/sql/statement'") == true)
            let wrongMethod = try await client.request("DELETE", "/api/2.0/sql/warehouses", headers: Self.auth)
            #expect(wrongMethod.status == 404)
        }
    }

    @Test func externalLinksServeChunksThatMustBeFetchedWithoutTheToken() async throws {
        try await withFake { fake, client in
            fake.script(
                "SELECT id, name FROM people",
                .succeeds([.init("id", "INT"), .init("name", "STRING")], [["1", "Ada"], ["2", nil], ["3", "O'Brien, Jr."]], rowsPerChunk: 2))
            let reply = try await execute(client, "SELECT id, name FROM people", ["disposition": "EXTERNAL_LINKS", "format": "CSV"])
            let manifest = object(try reply.json()["manifest"])
            #expect(manifest["format"] as? String == "CSV")
            #expect((manifest["total_byte_count"] as? Int ?? 0) > 0)
            let link = try #require((object(try reply.json()["result"])["external_links"] as? [[String: Any]])?.first)
            #expect(link["chunk_index"] as? Int == 0)
            let url = try #require(link["external_link"] as? String)
            let path = String(url.dropFirst(fake.server.baseURL.count))
            #expect(try await client.get(path, headers: Self.auth).status == 400, "a presigned URL refuses the workspace token")
            let first = try await client.get(path)
            #expect(first.status == 200)
            #expect(first.text == "id,name\r\n1,Ada\r\n2,null\r\n")
            #expect(link["byte_count"] as? Int == first.body.count)

            let next = try await client.get(try #require(link["next_chunk_internal_link"] as? String), headers: Self.auth)
            let second = try #require((try next.json()["external_links"] as? [[String: Any]])?.first)
            let secondURL = try #require(second["external_link"] as? String)
            #expect(try await client.get(String(secondURL.dropFirst(fake.server.baseURL.count))).text == "3,\"O'Brien, Jr.\"\r\n")
            #expect(second["next_chunk_index"] == nil)
        }
    }
}
