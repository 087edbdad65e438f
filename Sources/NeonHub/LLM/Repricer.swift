public import Foundation

/// Recomputes recorded costs with a (new) price table — `neonhub content reprice`.
public struct Repricer: Sendable {
    /// Differences below this many USD are rounding, not a change.
    public static let tolerance = 1e-9

    /// Creates a repricer.
    public init() {}

    /// Prices every record since `since` at its own `occurredAt` and writes the ones whose
    /// cost changed (including known ↔ unknown); with `dryRun` nothing is written. Returns
    /// how many records were examined and how many changed (or would change).
    public func reprice(
        store: some CostRecordStore, table: PriceTable, since: Date, dryRun: Bool
    ) async throws -> (examined: Int, changed: Int) {
        let calculator = CostCalculator(table: table)
        let records = try await store.usageRecords(since: since)
        var changed = 0
        for record in records {
            let newCost = calculator.cost(usage: record.usage, model: record.model, at: record.occurredAt)
            guard Self.differs(record.costUSD, newCost) else { continue }
            changed += 1
            if !dryRun {
                try await store.updateCost(recordID: record.id, costUSD: newCost)
            }
        }
        return (records.count, changed)
    }

    /// Whether two recorded costs differ beyond rounding (nil only equals nil).
    static func differs(_ old: Double?, _ new: Double?) -> Bool {
        switch (old, new) {
        case (nil, nil): return false
        case (let a?, let b?): return abs(a - b) > tolerance
        default: return true
        }
    }
}
