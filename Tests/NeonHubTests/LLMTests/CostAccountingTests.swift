import Foundation
import Testing

@testable import NeonHub

extension LLMTests {
    /// The price table (shipped file and validation) and cost arithmetic.
    @Suite struct CostAccountingTests {
        static let shippedTable = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("configs/llm-prices.json")

        static func day(_ text: String) -> Date { ModelPrice.parseDay(text)! }

        static let table = try! PriceTable(prices: [
            ModelPrice(model: "gpt-4o", match: .prefix, effectiveFrom: "2024-05-13", inputPerMillion: 5, outputPerMillion: 15),
            ModelPrice(
                model: "gpt-4o", match: .prefix, effectiveFrom: "2024-10-02", inputPerMillion: 2.5, outputPerMillion: 10, cachedInputPerMillion: 1.25),
            ModelPrice(
                model: "gpt-4o-mini", match: .prefix, effectiveFrom: "2024-07-18", inputPerMillion: 0.15, outputPerMillion: 0.6,
                cachedInputPerMillion: 0.075),
            ModelPrice(model: "gpt-4o-2024-05-13", match: .exact, effectiveFrom: "2024-05-13", inputPerMillion: 5, outputPerMillion: 15),
            ModelPrice(model: "template-v1", match: .exact, effectiveFrom: "2024-01-01", inputPerMillion: 0, outputPerMillion: 0),
        ])

        let calculator = CostCalculator(table: table)
        let million = LLMUsage(inputTokens: 1_000_000, outputTokens: 1_000_000)

        @Test func theShippedTableLoadsAndPricesEveryListedModel() throws {
            let table = try PriceTable(contentsOf: Self.shippedTable)
            #expect(table.version == 1)
            let now = Self.day("2025-06-01")
            for model in ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3-mini", "template-v1"] {
                #expect(table.price(for: model, at: now) != nil, "\(model)")
            }
            let calculator = CostCalculator(table: table)
            #expect(calculator.cost(usage: million, model: "template-v1", at: now) == 0)
            #expect(calculator.cost(usage: million, model: "gpt-4o-mini-2024-07-18", at: now) == 0.75)
            #expect(calculator.cost(usage: million, model: "gpt-4.1-mini", at: now) == 2.0)
            #expect(calculator.cost(usage: million, model: "gpt-4.1", at: now) == 10.0)
        }

        @Test func aKnownModelIsPricedPerMillionTokens() {
            let usage = LLMUsage(inputTokens: 1200, outputTokens: 800)
            // 1200 × 0.15/1M + 800 × 0.60/1M = 0.00018 + 0.00048
            #expect(calculator.cost(usage: usage, model: "gpt-4o-mini", at: Self.day("2025-01-01")) == 0.00066)
        }

        @Test func cachedTokensAreBilledAtTheCachedRate() {
            let usage = LLMUsage(inputTokens: 10_000, outputTokens: 1_000, cachedTokens: 4_000)
            // 6000 × 0.15 + 4000 × 0.075 + 1000 × 0.60 = 900 + 300 + 600 → 0.0018 USD
            #expect(calculator.cost(usage: usage, model: "gpt-4o-mini", at: Self.day("2025-01-01")) == 0.0018)
            // Without a cached rate the cached tokens cost the full input rate.
            #expect(calculator.cost(usage: usage, model: "gpt-4o", at: Self.day("2024-06-01")) == 0.065)
            // More cached than input tokens is clamped, never negative.
            let odd = LLMUsage(inputTokens: 100, outputTokens: 0, cachedTokens: 500)
            #expect(calculator.cost(usage: odd, model: "gpt-4o-mini", at: Self.day("2025-01-01")) == 0.0000075)
        }

        @Test func anUnknownModelHasNoCostRatherThanZero() {
            #expect(calculator.cost(usage: million, model: "claude-3-opus", at: Self.day("2025-01-01")) == nil)
            #expect(calculator.cost(usage: million, model: "template-v1", at: Self.day("2025-01-01")) == 0)
            // A model whose own pattern has no price yet is unknown, not priced as its family.
            #expect(calculator.cost(usage: million, model: "gpt-4o-mini", at: Self.day("2024-07-01")) == nil)
            #expect(calculator.cost(usage: million, model: "gpt-4o", at: Self.day("2024-05-12")) == nil)
        }

        @Test func aPriceChangeAppliesFromItsEffectiveDate() {
            #expect(calculator.cost(usage: million, model: "gpt-4o", at: Self.day("2024-06-01")) == 20)
            #expect(calculator.cost(usage: million, model: "gpt-4o", at: Self.day("2024-10-01").addingTimeInterval(86_399)) == 20)
            #expect(calculator.cost(usage: million, model: "gpt-4o", at: Self.day("2024-10-02")) == 12.5)
            #expect(calculator.cost(usage: million, model: "gpt-4o-2024-08-06", at: Self.day("2025-03-01")) == 12.5)
        }

        @Test func theMostSpecificPatternWins() {
            let at = Self.day("2025-01-01")
            #expect(Self.table.price(for: "gpt-4o-mini-2024-07-18", at: at)?.model == "gpt-4o-mini")
            #expect(Self.table.price(for: "gpt-4o-2024-05-13", at: at)?.match == .exact)
            #expect(Self.table.price(for: "GPT-4o", at: at)?.inputPerMillion == 2.5)
            #expect(Self.table.price(for: "template-v1-beta", at: at) == nil)
        }

        @Test func invalidTablesAreRefused() {
            func load(_ json: String) -> PriceTableError? {
                do { _ = try PriceTable(data: Data(json.utf8)); return nil } catch { return error }
            }
            let row = #"{"model":"m","match":"exact","effectiveFrom":"2024-01-01","inputPerMillion":1,"outputPerMillion":2}"#
            #expect(load(#"{"version":1,"prices":[\#(row)]}"#) == nil)
            #expect(load(#"{"version":2,"prices":[\#(row)]}"#) == .unsupportedVersion(2))
            #expect(load(#"{"version":1,"prices":[]}"#) == .empty)
            #expect(load(#"{"version":1,"prices":[\#(row),\#(row)]}"#) == .duplicate(model: "m", effectiveFrom: "2024-01-01"))
            let badDate = row.replacingOccurrences(of: "2024-01-01", with: "2024-13-01")
            guard case .invalidEntry(index: 0, _) = load(#"{"version":1,"prices":[\#(badDate)]}"#) else { Issue.record("bad date accepted"); return }
            let negative = row.replacingOccurrences(of: #""inputPerMillion":1"#, with: #""inputPerMillion":-1"#)
            guard case .invalidEntry(index: 0, _) = load(#"{"version":1,"prices":[\#(negative)]}"#) else {
                Issue.record("negative price accepted"); return
            }
            let badMatch = row.replacingOccurrences(of: "exact", with: "regex")
            guard case .invalidJSON = load(#"{"version":1,"prices":[\#(badMatch)]}"#) else { Issue.record("unknown match kind accepted"); return }
            var missing: PriceTableError?
            do { _ = try PriceTable(contentsOf: URL(fileURLWithPath: "/nonexistent/prices.json")) } catch { missing = error }
            guard case .unreadable = missing else { Issue.record("missing file accepted"); return }
        }
    }
}
