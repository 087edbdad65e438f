public import Foundation

/// Why a price table was refused.
public enum PriceTableError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(String)
    /// The JSON does not have the table's shape.
    case invalidJSON(String)
    /// A `version` this code does not understand.
    case unsupportedVersion(Int)
    /// The table has no rows.
    case empty
    /// Row `index` is invalid.
    case invalidEntry(index: Int, reason: String)
    /// Two rows share pattern, match and effective date.
    case duplicate(model: String, effectiveFrom: String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .unreadable(let detail): return "price table unreadable: \(detail)"
        case .invalidJSON(let detail): return "price table is not valid JSON: \(detail)"
        case .unsupportedVersion(let version): return "price table version \(version) is not supported (expected 1)"
        case .empty: return "price table has no prices"
        case .invalidEntry(let index, let reason): return "price table entry \(index): \(reason)"
        case .duplicate(let model, let day): return "price table lists \(model) from \(day) twice"
        }
    }
}

/// The versioned price table (`configs/llm-prices.json`): model patterns with the dates their
/// prices take effect.
public struct PriceTable: Sendable, Equatable {
    /// The file format this code reads.
    public static let supportedVersion = 1

    /// The file's `version`.
    public let version: Int
    /// The validated rows, in file order.
    public let prices: [ModelPrice]

    private struct File: Codable {
        var version: Int
        var prices: [ModelPrice]
    }

    /// Validates and wraps `prices`.
    public init(version: Int = PriceTable.supportedVersion, prices: [ModelPrice]) throws(PriceTableError) {
        guard version == Self.supportedVersion else { throw .unsupportedVersion(version) }
        guard !prices.isEmpty else { throw .empty }
        var seen = Set<String>()
        for (index, price) in prices.enumerated() {
            try Self.validate(price, index: index)
            let key = "\(price.model.lowercased())|\(price.match.rawValue)|\(price.effectiveFrom)"
            guard seen.insert(key).inserted else {
                throw .duplicate(model: price.model, effectiveFrom: price.effectiveFrom)
            }
        }
        self.version = version
        self.prices = prices
    }

    /// Parses and validates a table from JSON.
    public init(data: Data) throws(PriceTableError) {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw .invalidJSON(String(describing: error).prefix(300).description)
        }
        try self.init(version: file.version, prices: file.prices)
    }

    /// Reads, parses and validates a table file.
    public init(contentsOf url: URL) throws(PriceTableError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable("\(url.path): \(error.localizedDescription)")
        }
        try self.init(data: data)
    }

    /// The price for `model` at `date`: among the rows whose pattern matches, the most
    /// specific pattern (exact over the longest prefix) wins; within it, the row with the
    /// latest `effectiveFrom` on or before `date`. Nil when the model is unknown, or when
    /// its most specific pattern has no price yet at `date` (a broader pattern is not used
    /// as a stand-in: that would price a new model at its family's old rate).
    public func price(for model: String, at date: Date) -> ModelPrice? {
        let matching = prices.filter { $0.matches(model) }
        guard let best = matching.map(\.specificity).max() else { return nil }
        return
            matching
            .filter { $0.specificity == best }
            .compactMap { price in price.effectiveDate.map { (price, $0) } }
            .filter { $0.1 <= date }
            .max { $0.1 < $1.1 }?
            .0
    }

    private static func validate(_ price: ModelPrice, index: Int) throws(PriceTableError) {
        if price.model.trimmingCharacters(in: .whitespaces).isEmpty {
            throw .invalidEntry(index: index, reason: "model pattern is empty")
        }
        if price.effectiveDate == nil {
            throw .invalidEntry(index: index, reason: "effectiveFrom '\(price.effectiveFrom)' is not a YYYY-MM-DD date")
        }
        let rates =
            [("inputPerMillion", price.inputPerMillion), ("outputPerMillion", price.outputPerMillion)]
            + (price.cachedInputPerMillion.map { [("cachedInputPerMillion", $0)] } ?? [])
        for (field, rate) in rates where !rate.isFinite || rate < 0 {
            throw .invalidEntry(index: index, reason: "\(field) must be a non-negative number")
        }
    }
}
