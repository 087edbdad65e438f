public import Foundation

/// One row of the price table: what a model (or a family of models, by prefix) costs from a
/// given day on, in USD per million tokens.
public struct ModelPrice: Codable, Sendable, Equatable {
    /// How `model` is compared with a model name.
    public enum Match: String, Codable, Sendable {
        /// The name equals the pattern.
        case exact
        /// The name starts with the pattern (`gpt-4o-mini` covers `gpt-4o-mini-2024-07-18`).
        case prefix
    }

    /// The model name or prefix.
    public var model: String
    /// How `model` matches.
    public var match: Match
    /// The first day (UTC, `YYYY-MM-DD`) this price applies.
    public var effectiveFrom: String
    /// USD per million uncached input tokens.
    public var inputPerMillion: Double
    /// USD per million output tokens.
    public var outputPerMillion: Double
    /// USD per million cached input tokens; nil bills them at the full input rate.
    public var cachedInputPerMillion: Double?

    /// Creates a price row.
    public init(
        model: String, match: Match, effectiveFrom: String, inputPerMillion: Double,
        outputPerMillion: Double, cachedInputPerMillion: Double? = nil
    ) {
        self.model = model
        self.match = match
        self.effectiveFrom = effectiveFrom
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
        self.cachedInputPerMillion = cachedInputPerMillion
    }

    /// Whether this row's pattern covers `name` (case-insensitive).
    public func matches(_ name: String) -> Bool {
        let pattern = model.lowercased(), name = name.lowercased()
        switch match {
        case .exact: return name == pattern
        case .prefix: return name.hasPrefix(pattern)
        }
    }

    /// How specific the pattern is: any exact match beats any prefix; longer prefixes beat
    /// shorter ones.
    var specificity: Int {
        match == .exact ? Int.max : model.count
    }

    /// `effectiveFrom` as the start of that UTC day, or nil when it is not a valid date.
    public var effectiveDate: Date? {
        Self.parseDay(effectiveFrom)
    }

    /// Parses a strict `YYYY-MM-DD` as midnight UTC.
    public static func parseDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day)
        guard components.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: components)
    }
}
