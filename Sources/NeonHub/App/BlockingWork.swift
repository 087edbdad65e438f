import Foundation
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
