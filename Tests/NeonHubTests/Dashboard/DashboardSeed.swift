import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// The rows of `Fixtures/dashboard/seed.sql`, written into a fresh, migrated database of a
/// running server, with the instants the seed was anchored to (read back from the database, so
/// the expectations use the same clock as the views).
struct DashboardSeed {
    /// Three and two days ago, `YYYY-MM-DD` (UTC): the days of the seeded jobs and runs.
    let d3: String
    let d2: String
    /// The start of the current hour at seeding time.
    let hour: Date

    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/dashboard/seed.sql")

    /// Seeds the server's database. The seed's `now()` is one instant read first, so the
    /// anchors and every seeded row agree even across a midnight or an hour boundary.
    static func plant(in server: NeonHubServer) async throws -> DashboardSeed {
        let pool = try #require(server.database?.pool)
        let anchors = try #require(
            try await pool.query(
                """
                SELECT now()::text AS now, ((now() AT TIME ZONE 'UTC')::date - 3)::text AS d3, ((now() AT TIME ZONE 'UTC')::date - 2)::text AS d2,
                       date_trunc('hour', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour
                """
            ).first)
        let now = "'\(try anchors.decode("now", as: String.self))'::timestamptz"
        let script = try String(contentsOf: file, encoding: .utf8)
            .replacingOccurrences(of: "{D3}", with: "(((now() AT TIME ZONE 'UTC')::date - 3)::timestamp AT TIME ZONE 'UTC')")
            .replacingOccurrences(of: "{D2}", with: "(((now() AT TIME ZONE 'UTC')::date - 2)::timestamp AT TIME ZONE 'UTC')")
            .replacingOccurrences(of: "{H}", with: "(date_trunc('hour', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')")
            .replacingOccurrences(of: "now()", with: now)
        try await pool.withConnection { try $0.executeScript(script) }
        return DashboardSeed(d3: try anchors.decode("d3"), d2: try anchors.decode("d2"), hour: try anchors.decode("hour"))
    }

    /// A fresh database app with the seed planted.
    static func withSeededApp(_ body: (NeonHubServer, HTTPTestClient, DashboardSeed) async throws -> Void) async throws {
        try await withDatabaseApp { server, client in
            try await body(server, client, try await plant(in: server))
        }
    }
}

/// A `dashboard.*` call as the frontend makes it, checked against the procedure's declared
/// output schema (every field declared, nothing undeclared), returning `items`.
func dashboardRows(
    _ client: HTTPTestClient, _ server: NeonHubServer, _ procedure: String, _ input: [String: Any] = [:],
    tenant: String = "tenant-a", sourceLocation: SourceLocation = #_sourceLocation
) async throws -> [[String: Any]] {
    let json = String(decoding: try JSONSerialization.data(withJSONObject: input), as: UTF8.self)
    let reply = try await client.get(
        "/trpc/\(procedure)?input=\(json.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
        headers: ["Authorization": "Bearer \(signedToken(tenant: tenant))"])
    #expect(reply.status == 200, "\(procedure): \(String(decoding: reply.body, as: UTF8.self))", sourceLocation: sourceLocation)
    let envelope = try JSONParser.parse(Array(reply.body))
    guard case .object(let top) = envelope, case .object(let result)? = top["result"], let data = result["data"] else {
        Issue.record("\(procedure): no result.data", sourceLocation: sourceLocation)
        return []
    }
    let schema = try #require(server.registry[procedure]?.outputSchema, sourceLocation: sourceLocation)
    #expect(schema.validate(data).isEmpty, "\(procedure) answers outside its schema: \(schema.validate(data))", sourceLocation: sourceLocation)
    return try #require((try reply.json()["result"] as? [String: Any])?["data"] as? [String: Any], sourceLocation: sourceLocation)["items"]
        as? [[String: Any]] ?? []
}

/// An ISO 8601 timestamp of a response.
func instant(_ value: Any?) -> Date? {
    guard let text = value as? String else { return nil }
    return (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) ?? (try? Date(text, strategy: .iso8601))
}

/// `value` as a Double (JSON numbers arrive as NSNumber).
func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }
