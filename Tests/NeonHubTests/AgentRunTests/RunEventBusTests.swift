import Foundation
import Testing

@testable import NeonHub

/// The in-process run event bus: bounded history for resumption, filtering by tenant,
/// run and agent, live delivery after the replay.
@Suite(.timeLimit(.minutes(1))) struct RunEventBusTests {
    /// The first `count` events of a stream.
    func take(_ count: Int, from stream: AsyncStream<RunEvent>) async -> [RunEvent] {
        var events: [RunEvent] = []
        for await event in stream {
            events.append(event)
            if events.count == count { break }
        }
        return events
    }

    @Test func historyKeepsTheLastTwoThousandEventsInOrder() async {
        let bus = RunEventBus()
        let run = UUID()
        for i in 0..<2_005 {
            bus.publish(runId: run, tenantId: "t", agent: "echo", type: "tool", tool: "step-\(i)")
        }
        bus.publish(runId: UUID(), tenantId: "other", agent: "echo", type: "status", status: "running")
        // 2,006 published: the history holds sequences 7…2006, of which 2006 is another tenant's.
        let stream = bus.subscribe(tenant: "t", runId: run, agent: nil, afterSequence: 0)
        bus.publish(runId: run, tenantId: "t", agent: "echo", type: "status", status: "succeeded")  // live, after the replay
        let replay = await take(2_000, from: stream)
        #expect(replay.first?.sequence == 7)
        #expect(replay.first?.tool == "step-6")
        #expect(replay[1_998].tool == "step-2004")
        #expect(replay.last?.status == "succeeded")
        #expect(replay.last?.sequence == 2_007)
        #expect(zip(replay.dropLast(), replay.dropFirst().dropLast()).allSatisfy { $0.sequence + 1 == $1.sequence })
    }

    @Test func resumesAfterASequenceThenDeliversLiveEvents() async {
        let bus = RunEventBus()
        let run = UUID()
        for status in ["queued", "running"] { bus.publish(runId: run, tenantId: "t", agent: "seo", type: "status", status: status) }
        let stream = bus.subscribe(tenant: "t", runId: nil, agent: "seo", afterSequence: 1)
        bus.publish(runId: run, tenantId: "t", agent: "email", type: "status", status: "running")  // other agent: filtered out
        bus.publish(runId: run, tenantId: "t", agent: "seo", type: "status", status: "succeeded")
        let events = await take(2, from: stream)
        #expect(events.map(\.status) == ["running", "succeeded"])
        #expect(events.map(\.sequence) == [2, 4])
    }
}
