import Foundation
import Synchronization

/// Runs blocking work (libpq, process spawning, waiting for the server) on a new thread and
/// awaits its result, so that it never occupies the Swift concurrency cooperative pool.
public func runOnOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 4 << 20
        thread.start()
    }
}

/// The reverse of `runOnOwnThread`: from a thread that may block (a database connection's
/// own thread, never the cooperative pool), runs `operation` as a task and waits for it.
/// Such a thread has no task-locals: `trace` (captured before the hop) is bound again for
/// the operation, so that its log lines and outbound calls stay in the caller's trace.
func waitForAsync<T: Sendable>(trace: TraceContext?, _ operation: @escaping @Sendable () async throws -> T) throws -> T {
    let semaphore = DispatchSemaphore(value: 0)
    let outcome = Mutex<Result<T, any Error>?>(nil)
    Task {
        let result: Result<T, any Error>
        do { result = .success(try await TraceContext.$current.withValue(trace) { try await operation() }) } catch { result = .failure(error) }
        outcome.withLock { $0 = result }
        semaphore.signal()
    }
    semaphore.wait()
    return try outcome.withLock { $0 }!.get()
}
