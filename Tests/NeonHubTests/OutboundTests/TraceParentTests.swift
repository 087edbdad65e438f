import Testing
@testable import NeonHub

extension OutboundTests {
    /// W3C `traceparent` values: generated ones are valid and distinct; invalid ones are refused.
    @Suite struct TraceParentTests {
        @Test func generatedValuesAreValidAndDistinct() {
            let values = (0..<100).map { _ in TraceParent.generate().description }
            #expect(Set(values).count == 100)
            for value in values {
                #expect(TraceParent(value)?.description == value)
                #expect(value.count == 55)
            }
        }

        @Test func parsingAcceptsTheSpecExampleAndRefusesMalformedValues() {
            let example = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            #expect(TraceParent(example)?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(TraceParent(example)?.parentID == "00f067aa0ba902b7")
            for bad in ["", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"] {
                #expect(TraceParent(bad) == nil, "\(bad)")
            }
        }
    }
}
