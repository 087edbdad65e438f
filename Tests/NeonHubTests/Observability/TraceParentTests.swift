import Testing

@testable import NeonHub

/// W3C `traceparent` values (https://www.w3.org/TR/trace-context/#traceparent-header):
/// generated ones are valid and distinct; invalid ones are refused; later versions are read
/// by their first 55 characters; a child keeps the trace and changes the span.
@Suite struct TraceParentTests {
    static let example = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test func generatedValuesAreValidAndDistinct() {
        let values = (0..<1000).map { _ in TraceParent.generate().description }
        #expect(Set(values).count == 1000)
        #expect(Set(values.map { $0.dropFirst(3).prefix(32) }).count == 1000)
        for value in values {
            #expect(TraceParent(value)?.description == value)
            #expect(value.count == 55)
            #expect(value.hasPrefix("00-") && value.hasSuffix("-00"))
        }
    }

    @Test func parsingAcceptsTheSpecExampleAndRendersItBack() throws {
        let parsed = try #require(TraceParent(Self.example))
        #expect(parsed.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(parsed.parentID == "00f067aa0ba902b7")
        #expect(parsed.flags == "01")
        #expect(parsed.description == Self.example)
    }

    @Test func malformedValuesAreRefused() {
        for bad in [
            "", "00", Self.example + "-",  // version 00 is exactly 55 characters
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff is invalid
            "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero parent id
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  // short trace id
            "00-4bf92f3577b34da6a3ce929d0e0e47366-0f067aa0ba902b7-01",  // dash misplaced
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
        ] {  // later version: 56th must be a dash
            #expect(TraceParent(bad) == nil, "\(bad)")
        }
    }

    @Test func aLaterVersionIsReadByItsFirst55CharactersAndSentAsVersion00() throws {
        let later = try #require(TraceParent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03-what-the-future-holds"))
        #expect(later.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(later.flags == "01")  // only the sampled flag is known
        #expect(later.description == Self.example)
        #expect(TraceParent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00") != nil)
    }

    @Test func aChildKeepsTheTraceAndFlagsWithANewSpan() throws {
        let parent = try #require(TraceParent(Self.example))
        let children = (0..<100).map { _ in parent.child() }
        #expect(children.allSatisfy { $0.traceID == parent.traceID && $0.flags == "01" && $0.sameTrace(as: parent) })
        #expect(Set(children.map(\.parentID) + [parent.parentID]).count == 101)
    }
}
