import Foundation
import Synchronization
import Testing

@testable import NeonHub

extension LLMTests {
    /// `Repricer` against an in-memory `CostRecordStore`.
    @Suite struct RepricerTests {
        /// Keeps records in memory and logs every update.
        final class MemoryStore: CostRecordStore {
            let state: Mutex<(records: [CostRecord], updates: [UUID: Double?])>
            init(_ records: [CostRecord]) { state = Mutex((records, [:])) }

            func usageRecords(since: Date) async throws -> [CostRecord] {
                state.withLock { $0.records.filter { $0.occurredAt >= since } }
            }

            func updateCost(recordID: UUID, costUSD: Double?) async throws {
                state.withLock { s in
                    s.updates[recordID] = costUSD
                    if let i = s.records.firstIndex(where: { $0.id == recordID }) { s.records[i].costUSD = costUSD }
                }
            }

            var updates: [UUID: Double?] { state.withLock { $0.updates } }
        }

        static func day(_ text: String) -> Date { ModelPrice.parseDay(text)! }
        static let million = LLMUsage(inputTokens: 1_000_000, outputTokens: 1_000_000)

        @Test func onlyChangedRowsSinceTheDateAreRewritten() async throws {
            let table = CostAccountingTests.table
            let stale = CostRecord(id: UUID(), model: "gpt-4o", usage: Self.million, occurredAt: Self.day("2024-11-01"), costUSD: 20)
            let current = CostRecord(id: UUID(), model: "gpt-4o-mini", usage: Self.million, occurredAt: Self.day("2024-11-01"), costUSD: 0.75)
            let wronglyFree = CostRecord(id: UUID(), model: "claude-3-opus", usage: Self.million, occurredAt: Self.day("2024-11-02"), costUSD: 0)
            let nowKnown = CostRecord(id: UUID(), model: "template-v1", usage: Self.million, occurredAt: Self.day("2024-11-03"), costUSD: nil)
            let unknownStill = CostRecord(id: UUID(), model: "mystery", usage: Self.million, occurredAt: Self.day("2024-11-03"), costUSD: nil)
            let beforeCutoff = CostRecord(id: UUID(), model: "gpt-4o", usage: Self.million, occurredAt: Self.day("2024-09-01"), costUSD: 1)
            let store = MemoryStore([stale, current, wronglyFree, nowKnown, unknownStill, beforeCutoff])

            let dry = try await Repricer().reprice(store: store, table: table, since: Self.day("2024-10-01"), dryRun: true)
            #expect(dry.examined == 5)
            #expect(dry.changed == 3)
            #expect(store.updates.isEmpty)

            let real = try await Repricer().reprice(store: store, table: table, since: Self.day("2024-10-01"), dryRun: false)
            #expect(real.examined == 5 && real.changed == 3)
            let updates = store.updates
            #expect(Set(updates.keys) == [stale.id, wronglyFree.id, nowKnown.id])
            #expect(updates[stale.id] == .some(12.5))
            #expect(updates[wronglyFree.id] == .some(nil))
            #expect(updates[nowKnown.id] == .some(0))

            let again = try await Repricer().reprice(store: store, table: table, since: Self.day("2024-10-01"), dryRun: false)
            #expect(again.examined == 5 && again.changed == 0)
        }

        @Test func roundingNoiseIsNotAChange() {
            #expect(!Repricer.differs(0.1 + 0.2, 0.3))
            #expect(Repricer.differs(0.3, 0.31))
            #expect(Repricer.differs(nil, 0))
            #expect(Repricer.differs(0, nil))
            #expect(!Repricer.differs(nil, nil))
        }
    }
}
