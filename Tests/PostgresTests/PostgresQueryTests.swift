import Foundation
import Testing

@testable import Postgres

@Suite struct PostgresQueryTests {
    @Test func interpolationBindsParameters() {
        let id = UUID()
        let name: String? = nil
        let query: PostgresQuery = "SELECT * FROM \(unescaped: "agent_runs") WHERE id = \(id) AND n = \(5) AND s = \(name)"
        #expect(query.sql == "SELECT * FROM agent_runs WHERE id = $1 AND n = $2 AND s = $3")
        #expect(query.binds.count == 3)
        #expect(query.binds[0] == .text(id.uuidString.lowercased(), type: .uuid))
        #expect(query.binds[1] == .text("5", type: .int8))
        #expect(query.binds[2].isNull)
        #expect(!query.description.contains(id.uuidString.lowercased()))
    }

    @Test func typedBinds() {
        struct Doc: Codable { var a: Int }
        let date = Date(timeIntervalSince1970: 1_795_341_600.123456)
        let query: PostgresQuery =
            "\(Int32(7)) \(Int64(8)) \(2.5) \(true) \(date) \([UInt8]([1, 2])) \(Data([3])) \(.json(Doc(a: 1))) \(PostgresJSON(Doc(a: 2)))"
        let types = query.binds.map(\.type)
        #expect(types == [.int4, .int8, .float8, .bool, .timestamptz, .bytea, .bytea, .jsonb, .jsonb])
        #expect(query.binds[4] == .text("2026-11-22T10:00:00.123456Z", type: .timestamptz))
        #expect(query.binds[7] == .text(#"{"a":1}"#, type: .jsonb))
        #expect(query.sql == "$1 $2 $3 $4 $5 $6 $7 $8 $9")
    }

    @Test func doubleSpecialValues() {
        #expect(Double.nan.postgresBind == .text("NaN", type: .float8))
        #expect((-Double.infinity).postgresBind == .text("-Infinity", type: .float8))
    }

    @Test func timestampParsing() throws {
        let base = 1_795_329_600.0  // 2026-11-22 06:40:00 UTC
        #expect(PostgresTimestamp.parse("2026-11-22 06:40:00+00")?.timeIntervalSince1970 == base)
        let micro = try #require(PostgresTimestamp.parse("2026-11-22 06:40:00.123456+00"))
        #expect(abs(micro.timeIntervalSince1970 - (base + 0.123456)) < 1e-6)
        #expect(PostgresTimestamp.parse("2026-11-22 12:10:00+05:30")?.timeIntervalSince1970 == base)
        #expect(PostgresTimestamp.parse("2026-11-22T06:40:00.5Z")?.timeIntervalSince1970 == base + 0.5)
        #expect(PostgresTimestamp.parse("1969-12-31 23:59:59+00")?.timeIntervalSince1970 == -1)
        #expect(PostgresTimestamp.parse("infinity") == .distantFuture)
        #expect(PostgresTimestamp.parse("2026-13-01 00:00:00+00") == nil)
        #expect(PostgresTimestamp.parse("not a date") == nil)
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: -1.5)) == "1969-12-31T23:59:58.500000Z")
    }

    @Test func migrationFileNames() {
        let parsed = Migration.parseFileName("0001_agent_runs_and_content.sql")
        #expect(parsed?.version == 1)
        #expect(parsed?.name == "agent_runs_and_content")
        #expect(Migration.parseFileName("0001_Agent.sql") == nil)
        #expect(Migration.parseFileName("001_agent.sql") == nil)
        #expect(Migration.parseFileName("0001_.sql") == nil)
        #expect(Migration.parseFileName("0001-agent.sql") == nil)
        #expect(Migration.parseFileName("0001_agent.sql.bak") == nil)
    }
}
