public import Foundation

/// One priced LLM call as stored (an `agent_run_metrics` row, for the database store).
public struct CostRecord: Sendable, Equatable {
    /// Row id.
    public var id: UUID
    /// The model that answered.
    public var model: String
    /// Tokens used.
    public var usage: LLMUsage
    /// When the call happened (prices are looked up at this moment).
    public var occurredAt: Date
    /// The recorded cost; nil means unknown.
    public var costUSD: Double?

    /// Creates a record.
    public init(id: UUID, model: String, usage: LLMUsage, occurredAt: Date, costUSD: Double?) {
        self.id = id
        self.model = model
        self.usage = usage
        self.occurredAt = occurredAt
        self.costUSD = costUSD
    }
}

/// Where priced calls live, for recomputing costs after the price table changes.
public protocol CostRecordStore: Sendable {
    /// Records that occurred at or after `since`.
    func usageRecords(since: Date) async throws -> [CostRecord]
    /// Replaces one record's cost (nil: unknown).
    func updateCost(recordID: UUID, costUSD: Double?) async throws
}
