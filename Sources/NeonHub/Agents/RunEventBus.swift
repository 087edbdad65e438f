import DequeModule
public import Foundation
import Synchronization

/// A live event of an agent run (status change or tool call), for `agents.onRunEvent`.
public struct RunEvent: Codable, Sendable, Equatable {
    /// Bus-wide increasing sequence number (the SSE event id).
    public var sequence: Int
    public var runId: UUID
    public var tenantId: String
    public var agent: String
    /// `status` or `tool`.
    public var type: String
    /// The run status (for `status` events).
    public var status: String?
    /// The tool name and outcome (for `tool` events).
    public var tool: String?
    public var toolStatus: String?
    public var durationMs: Int?
    public var at: Date
}

/// In-process publish/subscribe of run events with a bounded history, so a subscriber that
/// reconnects with `Last-Event-ID` gets what it missed (up to the last 2,000 events).
public final class RunEventBus: Sendable {
    private struct Subscriber {
        var tenant: String
        var runId: UUID?
        var agent: String?
        var continuation: AsyncStream<RunEvent>.Continuation
    }

    private struct State {
        var sequence = 0
        /// The last `historyLimit` events (a deque: dropping the oldest is O(1), where an
        /// array moved all 2,000 events on every publish).
        var history: Deque<RunEvent> = []
        var subscribers: [UUID: Subscriber] = [:]
    }

    private let state = Mutex(State())
    private static let historyLimit = 2000

    /// Creates an empty bus.
    public init() {}

    /// Publishes an event (the sequence number is assigned here).
    public func publish(
        runId: UUID, tenantId: String, agent: String, type: String, status: String? = nil,
        tool: String? = nil, toolStatus: String? = nil, durationMs: Int? = nil
    ) {
        let targets = state.withLock { s -> [(AsyncStream<RunEvent>.Continuation, RunEvent)] in
            s.sequence += 1
            let event = RunEvent(
                sequence: s.sequence, runId: runId, tenantId: tenantId, agent: agent, type: type, status: status,
                tool: tool, toolStatus: toolStatus, durationMs: durationMs, at: Date())
            s.history.append(event)
            while s.history.count > Self.historyLimit { s.history.removeFirst() }
            return s.subscribers.values.filter { Self.matches(event, tenant: $0.tenant, runId: $0.runId, agent: $0.agent) }
                .map { ($0.continuation, event) }
        }
        for (continuation, event) in targets { continuation.yield(event) }
    }

    static func matches(_ e: RunEvent, tenant: String, runId: UUID?, agent: String?) -> Bool {
        e.tenantId == tenant && (runId == nil || e.runId == runId) && (agent == nil || e.agent == agent)
    }

    /// Events for a tenant, filtered by run or agent, starting after `afterSequence`
    /// (replayed from history), then live. Ends when the consumer stops.
    public func subscribe(tenant: String, runId: UUID?, agent: String?, afterSequence: Int?) -> AsyncStream<RunEvent> {
        let id = UUID()
        return AsyncStream { continuation in
            state.withLock { s in
                if let after = afterSequence {
                    for e in s.history where e.sequence > after && Self.matches(e, tenant: tenant, runId: runId, agent: agent) {
                        continuation.yield(e)
                    }
                }
                s.subscribers[id] = Subscriber(tenant: tenant, runId: runId, agent: agent, continuation: continuation)
            }
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
            }
        }
    }
}
