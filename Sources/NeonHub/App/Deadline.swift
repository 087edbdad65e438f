import Synchronization

/// Runs async work with a time limit, returning as soon as either finishes: the work is
/// cancelled at the deadline and its answer, if it ever comes, is dropped. Unlike a task
/// group, a call that ignores cancellation cannot hold the caller past the deadline.
enum Deadline {
    /// The work's result, or nil when `timeout` ran out first.
    static func run<T: Sendable>(_ timeout: Duration, _ work: @escaping @Sendable () async throws -> T) async -> Result<T, any Error>? {
        let slot = Slot<Result<T, any Error>?>()
        let tasks = Mutex<[Task<Void, Never>]>([])
        let answer = await withCheckedContinuation { continuation in
            slot.fill(continuation)
            let worker = Task {
                do { slot.resume(.success(try await work())) } catch { slot.resume(.failure(error)) }
            }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                slot.resume(nil)
            }
            tasks.withLock { $0 = [worker, timer] }
        }
        for task in tasks.withLock({ $0 }) { task.cancel() }
        return answer
    }

    /// A continuation resumed once, by whichever side comes first (guarded by its mutex).
    final class Slot<Value: Sendable>: Sendable {
        private let continuation = Mutex<CheckedContinuation<Value, Never>?>(nil)
        func fill(_ value: CheckedContinuation<Value, Never>) { continuation.withLock { $0 = value } }
        func resume(_ value: Value) {
            continuation.withLock { slot in
                defer { slot = nil }; return slot
            }?.resume(returning: value)
        }
    }
}
