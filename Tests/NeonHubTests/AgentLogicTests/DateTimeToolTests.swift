import Foundation
import Testing

@testable import NeonHub

extension AgentLogicTests {
    @Suite struct DateTimeToolTests {
        let tool = DateTimeTool()

        func run(_ fields: [String: JSONValue]) throws -> JSONValue {
            try tool.run(.object(fields))
        }

        func add(_ days: Int, to date: String, holidays: [String] = []) throws -> String? {
            try run([
                "operation": .string("addBusinessDays"), "date": .string(date), "days": .number(Double(days)),
                "holidays": .array(holidays.map(JSONValue.string)),
            ])["date"]?.testString
        }

        func between(_ start: String, _ end: String, holidays: [String] = []) throws -> Int? {
            try run([
                "operation": .string("businessDaysBetween"), "start": .string(start), "end": .string(end),
                "holidays": .array(holidays.map(JSONValue.string)),
            ])["businessDays"]?.testInt
        }

        @Test func addBusinessDaysSkipsWeekendsAndHolidays() throws {
            // 2026-03-06 is a Friday; the 7th and 8th are the weekend.
            #expect(try add(1, to: "2026-03-06") == "2026-03-09")
            #expect(try add(3, to: "2026-03-06") == "2026-03-11")
            #expect(try add(5, to: "2026-03-06") == "2026-03-13")
            #expect(try add(1, to: "2026-03-06", holidays: ["2026-03-09"]) == "2026-03-10")
            #expect(try add(1, to: "2026-03-07") == "2026-03-09")  // from a Saturday
            #expect(try add(-1, to: "2026-03-09") == "2026-03-06")
            #expect(try add(0, to: "2026-03-07") == "2026-03-07")
            // Christmas Day 2026 is a Friday: Thursday the 24th + 1 → Monday the 28th.
            #expect(try add(1, to: "2026-12-24", holidays: ["2026-12-25"]) == "2026-12-28")
            let output = try run(["operation": .string("addBusinessDays"), "date": .string("2026-03-06"), "days": .number(1)])
            #expect(output["weekday"] == .string("Monday"))
            #expect(output["calendarDays"] == .number(3))
        }

        @Test func businessDaysBetweenCountsTheHalfOpenRange() throws {
            #expect(try between("2026-03-06", "2026-03-13") == 5)
            #expect(try between("2026-03-06", "2026-03-13", holidays: ["2026-03-09", "2026-03-14"]) == 4)  // the 14th is a Saturday
            #expect(try between("2026-03-13", "2026-03-06") == -5)
            #expect(try between("2026-03-07", "2026-03-08") == 0)
            #expect(try between("2026-01-01", "2026-12-31") == 260)  // 2026 has 261 weekdays; Jan 1 is excluded
            // Consistent with addBusinessDays.
            for n in [1, 4, 9, 23, 57] {
                let end = try #require(try add(n, to: "2026-02-27", holidays: ["2026-03-09"]))
                #expect(try between("2026-02-27", end, holidays: ["2026-03-09"]) == n)
            }
        }

        @Test func convertAcrossTheNewYorkDSTChange() throws {
            // US daylight saving time starts 2026-03-08 at 02:00 local (07:00 UTC).
            let before = try run([
                "operation": .string("convert"), "instant": .string("2026-03-08T06:59:59Z"),
                "timeZone": .string("America/New_York"),
            ])
            #expect(before["local"] == .string("2026-03-08T01:59:59-05:00"))
            #expect(before["offsetSeconds"] == .number(-18_000))
            #expect(before["isDaylightSavingTime"] == .bool(false))
            let after = try run([
                "operation": .string("convert"), "instant": .string("2026-03-08T07:00:00Z"),
                "timeZone": .string("America/New_York"),
            ])
            #expect(after["local"] == .string("2026-03-08T03:00:00-04:00"))
            #expect(after["offsetSeconds"] == .number(-14_400))
            #expect(after["isDaylightSavingTime"] == .bool(true))
            #expect(after["weekday"] == .string("Sunday"))
            // Abbreviations are cached by zone, offset and DST flag: both sides stay distinct,
            // and asking again (from the cache) gives the same answer ICU gave.
            let zone = TimeZone(identifier: "America/New_York")!
            let summer = Date(timeIntervalSince1970: 1_782_907_200)  // 2026-07-01T12:00:00Z
            #expect(before["abbreviation"] == zone.abbreviation(for: Date(timeIntervalSince1970: 1_772_953_199)).map(JSONValue.string))
            #expect(after["abbreviation"] == zone.abbreviation(for: summer).map(JSONValue.string))
            #expect(before["abbreviation"] != after["abbreviation"])
            let again = try run([
                "operation": .string("convert"), "instant": .string("2026-07-01T12:00:00Z"), "timeZone": .string("America/New_York"),
            ])
            #expect(again["abbreviation"] == after["abbreviation"])
            let kolkata = try run([
                "operation": .string("convert"), "instant": .string("2026-03-08T01:30:00-05:00"),
                "timeZone": .string("Asia/Kolkata"),
            ])
            #expect(kolkata["local"] == .string("2026-03-08T12:00:00+05:30"))
            #expect(kolkata["utc"] == .string("2026-03-08T06:30:00Z"))
        }

        @Test func parseAndNow() throws {
            let parsed = try run(["operation": .string("parse"), "value": .string("2026-03-08T01:30:00.250-05:00")])
            #expect(parsed["instant"] == .string("2026-03-08T06:30:00.250Z"))
            #expect(parsed["offsetSeconds"] == .number(-18_000))
            #expect(parsed["epochSeconds"] == .number(1_772_951_400.25))
            #expect(
                try run(["operation": .string("parse"), "value": .string("2024-02-29T23:00:00+0100")])["instant"]
                    == .string("2024-02-29T22:00:00Z"))

            let fixed = DateTimeTool(clock: { Date(timeIntervalSince1970: 1_772_951_400) })
            let now = try fixed.run(.object(["operation": .string("now"), "timeZone": .string("Asia/Tokyo")]))
            #expect(now["local"] == .string("2026-03-08T15:30:00+09:00"))
            #expect(try fixed.run(.object(["operation": .string("now")]))["local"] == .string("2026-03-08T06:30:00Z"))
        }

        @Test func invalidInputIsRejectedWithTheField() {
            func message(_ fields: [String: JSONValue]) -> String? {
                do { _ = try run(fields); return nil } catch let error as ToolInputError { return error.message } catch { return "\(error)" }
            }
            #expect(message(["operation": .string("parse"), "value": .string("2026-03-08T01:30:00")])?.hasPrefix("value:") == true)
            #expect(message(["operation": .string("parse"), "value": .string("2026-02-30T01:30:00Z")])?.hasPrefix("value:") == true)
            #expect(
                message([
                    "operation": .string("convert"), "instant": .string("2026-03-08T01:30:00Z"),
                    "timeZone": .string("Mars/Olympus"),
                ])?.hasPrefix("timeZone: unknown") == true)
            #expect(
                message(["operation": .string("addBusinessDays"), "date": .string("03/08/2026"), "days": .number(1)])?.hasPrefix("date:") == true)
            #expect(message(["operation": .string("addBusinessDays"), "date": .string("2026-03-08")]) == "days: required")
            #expect(message(["operation": .string("teleport")])?.hasPrefix("operation:") == true)
        }

        @Test func recordedThroughTheToolbox() async throws {
            let toolbox = RecordingToolbox()
            let input = JSONValue.object(["operation": .string("addBusinessDays"), "date": .string("2026-03-06"), "days": .number(1)])
            let output = try await tool.invoke(input, toolbox: toolbox)
            #expect(output["date"] == .string("2026-03-09"))
            #expect(toolbox.toolNames == ["datetime"])
            #expect(toolbox.calls.first?.output == output)
        }
    }
}
