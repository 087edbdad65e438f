import Prometheus
import Synchronization

extension NeonHubMetrics {
    /// Counts a job added to the queue (`neonhub_queue_jobs_added_total{kind}`).
    public func recordJobAdded(kind: String) {
        queueCounter(QueueCounterKey(family: "neonhub_queue_jobs_added_total", kind: kind, outcome: "")) {
            registry.makeCounter(descriptor: Self.descriptor($0.family, Self.help.queue), labels: [("kind", $0.kind)])
        }.increment()
    }

    /// Counts a job that reached a final state (`succeeded`, `dlq`, `cancelled`).
    public func recordJobCompleted(kind: String, outcome: String) {
        queueCounter(QueueCounterKey(family: "neonhub_queue_jobs_completed_total", kind: kind, outcome: outcome)) {
            registry.makeCounter(
                descriptor: Self.descriptor($0.family, Self.help.queueCompleted), labels: [("kind", $0.kind), ("outcome", $0.outcome)])
        }.increment()
    }

    /// The counter of `key`, made with `make` the first time (one lock, one lookup after that).
    private func queueCounter(_ key: QueueCounterKey, make: (QueueCounterKey) -> Counter) -> Counter {
        queueCounters.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = make(key)
            cache[key] = counter
            return counter
        }
    }

    /// Sets the queue gauges from one reading of the table: depth by kind and status, and
    /// the age of the oldest ready job by kind. Pairs absent from the reading are set to 0.
    public func setQueue(depth: [QueueDepthSample], oldestReadyAge: [String: Double], known: QueueGaugeMemory) {
        let depthDescriptor = Self.descriptor("neonhub_queue_depth", Self.help.queueDepth)
        let ageDescriptor = Self.descriptor("neonhub_queue_oldest_ready_job_age_seconds", Self.help.queueAge)
        let (staleDepth, staleAge) = known.replace(depth: Set(depth.map { [$0.kind, $0.status] }), ages: Set(oldestReadyAge.keys))
        for sample in depth {
            registry.makeGauge(descriptor: depthDescriptor, labels: [("kind", sample.kind), ("status", sample.status)]).set(to: Double(sample.count))
        }
        for pair in staleDepth { registry.makeGauge(descriptor: depthDescriptor, labels: [("kind", pair[0]), ("status", pair[1])]).set(to: 0) }
        for (kind, age) in oldestReadyAge { registry.makeGauge(descriptor: ageDescriptor, labels: [("kind", kind)]).set(to: age) }
        for kind in staleAge { registry.makeGauge(descriptor: ageDescriptor, labels: [("kind", kind)]).set(to: 0) }
    }

    /// One `neonhub_queue_depth` sample.
    public struct QueueDepthSample: Sendable, Equatable {
        /// The job kind.
        public var kind: String
        /// The job status.
        public var status: String
        /// How many jobs.
        public var count: Int
    }
}

/// The label pairs the queue gauges were last set for, so that a pair that empties is set
/// to 0 instead of keeping its last value.
public final class QueueGaugeMemory: Sendable {
    private let state = Mutex<(depth: Set<[String]>, ages: Set<String>)>(([], []))

    /// Empty.
    public init() {}

    func replace(depth: Set<[String]>, ages: Set<String>) -> (Set<[String]>, Set<String>) {
        state.withLock { known in
            let stale = (known.depth.subtracting(depth), known.ages.subtracting(ages))
            known = (depth, ages)
            return stale
        }
    }
}
