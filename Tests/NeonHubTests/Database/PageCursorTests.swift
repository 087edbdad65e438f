import Foundation
import Testing

@testable import NeonHub

/// Page cursors: every string of the published shape names a position (so a schema-valid
/// cursor is never refused), and a cursor made from a row names exactly that row.
@Suite struct PageCursorTests {
    @Test func aRowsCursorRoundTripsToItsTimestampAndID() throws {
        let id = UUID()
        let micros = try #require(PageCursor.micros(fromTimestampText: "2026-12-02 08:05:17.123456+00"))
        let cursor = PageCursor.encode(micros: micros, id: id)
        #expect(cursor.range(of: PageCursor.pattern, options: .regularExpression) != nil)
        let position = try PageCursor.decode(cursor)
        #expect(position.id == id)
        #expect(position.key == "2026-12-02T08:05:17.123456Z")
    }

    @Test func postgresTimestampTextIsReadExactly() {
        #expect(PageCursor.micros(fromTimestampText: "1970-01-01 00:00:00+00") == 0)
        #expect(PageCursor.micros(fromTimestampText: "1970-01-01 00:00:00.5+00") == 500_000)
        #expect(PageCursor.micros(fromTimestampText: "1970-01-01 05:30:00+05:30") == 0)
        #expect(PageCursor.micros(fromTimestampText: "1969-12-31 23:59:59.999999+00") == -1)
        #expect(PageCursor.micros(fromTimestampText: "yesterday") == nil)
        #expect(PageCursor.timestampText(-1) == "1969-12-31T23:59:59.999999Z")
    }

    @Test func everyStringOfThePublishedShapeIsAPosition() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for _ in 0..<500 {
            let cursor = String((0..<32).map { _ in alphabet[Int(generator.next() % 64)] })
            let position = try PageCursor.decode(cursor)
            // Clamped into the years PostgreSQL's timestamptz reads back.
            let year = try #require(Int(position.key.prefix(4)))
            #expect((1...9999).contains(year))
        }
        #expect(try PageCursor.decode(String(repeating: "_", count: 32)).key == "1969-12-31T23:59:59.999999Z")
        #expect(throws: DatabaseError.self) { _ = try PageCursor.decode("") }
        #expect(throws: DatabaseError.self) { _ = try PageCursor.decode("too short") }
    }
}
