public import Foundation

/// Turns token usage into USD with a `PriceTable`. Unknown models cost `nil` (unknown), never 0.
public struct CostCalculator: Sendable {
    /// The prices in force.
    public let table: PriceTable

    /// Creates a calculator over `table`.
    public init(table: PriceTable) {
        self.table = table
    }

    /// The cost in USD of `usage` on `model` at `date`, or nil when the table has no price
    /// for it. Cached tokens (at most the input tokens) are billed at the cached rate and
    /// the rest of the input at the full rate. Rounded to 1e-10 USD.
    public func cost(usage: LLMUsage, model: String, at date: Date) -> Double? {
        guard let price = table.price(for: model, at: date) else { return nil }
        return Self.cost(usage: usage, price: price)
    }

    /// The cost in USD of `usage` at `price`.
    public static func cost(usage: LLMUsage, price: ModelPrice) -> Double {
        let input = max(0, usage.inputTokens)
        let cached = min(max(0, usage.cachedTokens), input)
        let output = max(0, usage.outputTokens)
        let cachedRate = price.cachedInputPerMillion ?? price.inputPerMillion
        let micro =
            Double(input - cached) * price.inputPerMillion
            + Double(cached) * cachedRate
            + Double(output) * price.outputPerMillion
        return ((micro / 1_000_000) * 1e10).rounded() / 1e10
    }
}
