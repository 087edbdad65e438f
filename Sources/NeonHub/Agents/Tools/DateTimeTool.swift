public import Foundation
import Synchronization

/// The `datetime` tool. Input `{"operation": …}` with one of:
/// - `now` `{timeZone?}` → the current instant in the zone (default UTC);
/// - `convert` `{instant, timeZone}` → the instant as it reads in the zone;
/// - `parse` `{value}` → an ISO 8601 timestamp with an offset as a UTC instant;
/// - `addBusinessDays` `{date, days, holidays?}` → the date `days` business days later;
/// - `businessDaysBetween` `{start, end, holidays?}` → business days in `(start, end]`.
/// Dates are `YYYY-MM-DD`; instants ISO 8601 with `Z` or an offset; zones IANA names.
public struct DateTimeTool: LocalTool {
    /// The clock behind `now` (injectable for tests).
    public let clock: @Sendable () -> Date

    public var name: String { "datetime" }
    public var description: String { "Time zones, ISO 8601 parsing and conversion, business-day arithmetic." }

    /// Creates the tool with the system clock or a fixed one.
    public init(clock: @escaping @Sendable () -> Date = { Date() }) {
        self.clock = clock
    }

    /// Runs one operation.
    public func run(_ input: JSONValue) throws -> JSONValue {
        let fields = try InputFields.tool(name, input)
        let operation = try fields.requiredString("operation", maxLength: 64)
        switch operation {
        case "now":
            return describe(clock(), in: try zone(fields.string("timeZone", maxLength: 64) ?? "UTC"))
        case "convert":
            let instant = try timestamp(fields.requiredString("instant", maxLength: 64), field: "instant")
            return describe(instant.date, in: try zone(fields.requiredString("timeZone", maxLength: 64)))
        case "parse":
            let value = try fields.requiredString("value", maxLength: 64)
            let parsed = try timestamp(value, field: "value")
            return .object([
                "instant": .string(ISO8601.format(parsed.date, offsetSeconds: 0)),
                "epochSeconds": .number(parsed.date.timeIntervalSince1970),
                "offsetSeconds": JSONOut.int(parsed.offsetSeconds),
            ])
        case "addBusinessDays":
            let start = try day(fields.requiredString("date", maxLength: 32), field: "date")
            guard let count = try fields.int("days", in: -10_000...10_000) else { throw error("days: required") }
            let calendar = try businessDays(fields)
            let result = calendar.add(count, to: start)
            return .object([
                "date": .string(result.text),
                "weekday": .string(Self.weekdayNames[ISO8601.weekday(result) - 1]),
                "calendarDays": JSONOut.int(ISO8601.daysFromEpoch(result) - ISO8601.daysFromEpoch(start)),
            ])
        case "businessDaysBetween":
            let start = try day(fields.requiredString("start", maxLength: 32), field: "start")
            let end = try day(fields.requiredString("end", maxLength: 32), field: "end")
            guard abs(ISO8601.daysFromEpoch(end) - ISO8601.daysFromEpoch(start)) <= 366 * 100 else {
                throw error("end: more than 100 years from start")
            }
            return .object(["businessDays": JSONOut.int(try businessDays(fields).between(start, end))])
        default:
            throw error("operation: expected now, convert, parse, addBusinessDays or businessDaysBetween")
        }
    }

    /// Describes `date` in `zone`: local ISO 8601 text, UTC text, offset, abbreviation, DST.
    func describe(_ date: Date, in zone: TimeZone) -> JSONValue {
        let offset = zone.secondsFromGMT(for: date)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let weekday = calendar.component(.weekday, from: date)  // 1 = Sunday
        return .object([
            "local": .string(ISO8601.format(date, offsetSeconds: offset)),
            "utc": .string(ISO8601.format(date, offsetSeconds: 0)),
            "timeZone": .string(zone.identifier),
            "offsetSeconds": JSONOut.int(offset),
            "abbreviation": Self.abbreviation(of: zone, at: date, offset: offset).map(JSONValue.string) ?? .null,
            "isDaylightSavingTime": .bool(zone.isDaylightSavingTime(for: date)),
            "weekday": .string(Self.weekdayNames[(weekday + 5) % 7]),
        ])
    }

    /// Abbreviations by zone, offset and daylight-saving flag: ICU builds a formatter for each
    /// lookup, which was most of this tool's time. Bounded; a full cache is simply bypassed.
    private static let abbreviations = Mutex<[String: String?]>([:])

    static func abbreviation(of zone: TimeZone, at date: Date, offset: Int) -> String? {
        let key = "\(zone.identifier) \(offset) \(zone.isDaylightSavingTime(for: date))"
        if let known = abbreviations.withLock({ $0[key] }) { return known }
        let value = zone.abbreviation(for: date)
        abbreviations.withLock { if $0.count < 4_096 { $0[key] = value } }
        return value
    }

    private static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    private func zone(_ identifier: String) throws -> TimeZone {
        guard let zone = TimeZone(identifier: identifier) else { throw error("timeZone: unknown time zone \"\(identifier)\"") }
        return zone
    }

    private func timestamp(_ text: String, field: String) throws -> ISO8601.Timestamp {
        guard let parsed = ISO8601.parseTimestamp(text) else {
            throw error("\(field): expected ISO 8601 with an offset, e.g. 2026-03-08T06:30:00Z or 2026-03-08T01:30:00-05:00")
        }
        return parsed
    }

    private func day(_ text: String, field: String) throws -> ISO8601.Day {
        guard let parsed = ISO8601.parseDay(text) else { throw error("\(field): expected a date YYYY-MM-DD") }
        return parsed
    }

    private func businessDays(_ fields: InputFields) throws -> BusinessDays {
        let holidays = try fields.strings("holidays", maxCount: 1_000) ?? []
        return BusinessDays(holidays: Set(try holidays.map { try day($0, field: "holidays") }))
    }

    private func error(_ message: String) -> ToolInputError { ToolInputError(tool: name, message) }
}
