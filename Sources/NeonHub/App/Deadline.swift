import Synchronization

/// Runs async work with a time limit, returning as soon as either finishes: the work is
/// cancelled at the deadline and its answer, if it ever comes, is dropped. Unlike a task
/// group, a call that ignores cancellation cannot hold the caller past the deadline.
enum Deadline {
    /// The work's result, or nil when `timeout` ran out first.
    static func run<T: Sendable>(_ timeout: Duration, _ work: @escaping @Sendable () async throws -> T) async -> Result<T, any Error>? {
        let alarm = Alarm<Result<T, any Error>?>()
        let tasks = Mutex<[Task<Void, Never>]>([])
        let answer = await withCheckedContinuation { continuation in
            alarm.set(continuation)
            let worker = Task {
                do { alarm.ring(.success(try await work())) } catch { alarm.ring(.failure(error)) }
            }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                alarm.ring(nil)
            }
            tasks.withLock { $0 = [worker, timer] }
        }
        for task in tasks.withLock({ $0 }) { task.cancel() }
        return answer
    }
}
