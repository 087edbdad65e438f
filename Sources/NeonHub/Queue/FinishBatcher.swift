import Synchronization

/// Writes the outcomes of jobs that finish at about the same time in one statement and one
/// commit (group commit, as Postgres does with WAL flushes): up to `maxWriters` writes are in
/// flight at once (each on its own pooled connection); an outcome submitted while fewer are
/// is written at once; outcomes submitted while all are busy wait for one of them and then go
/// together, up to `maxBatch` per write. No outcome waits longer than a write before it, so a
/// remote id is still stored the moment the platform confirms, give or take one round trip;
/// each job keeps its own lease check.
final class FinishBatcher: Sendable {
    private struct Pending: Sendable {
        var end: QueueStore.Finish
        var continuation: CheckedContinuation<Result<Bool, any Error>, Never>
    }
    private struct State: Sendable {
        var pending: [Pending] = []
        var writers = 0
    }

    private let store: QueueStore
    private let maxBatch: Int
    private let maxWriters: Int
    private let state = Mutex(State())

    init(store: QueueStore, maxWriters: Int, maxBatch: Int = 64) {
        self.store = store
        self.maxBatch = max(1, maxBatch)
        self.maxWriters = max(1, maxWriters)
    }

    /// Writes `end` and returns whether the lease was still held.
    func finish(_ end: QueueStore.Finish) async throws -> Bool {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Bool, any Error>, Never>) in
            let startWriter = state.withLock { state -> Bool in
                state.pending.append(Pending(end: end, continuation: continuation))
                guard state.writers < maxWriters else { return false }
                state.writers += 1
                return true
            }
            if startWriter { Task { await self.write() } }
        }
        return try result.get()
    }

    /// Writes what is pending, batch after batch, until nothing is.
    private func write() async {
        while true {
            let batch = state.withLock { state -> [Pending] in
                guard !state.pending.isEmpty else {
                    state.writers -= 1
                    return []
                }
                let taken = Array(state.pending.prefix(maxBatch))
                state.pending.removeFirst(taken.count)
                return taken
            }
            if batch.isEmpty { return }
            let results = await store.finish(batch.map(\.end))
            for (pending, result) in zip(batch, results) { pending.continuation.resume(returning: result) }
        }
    }
}
