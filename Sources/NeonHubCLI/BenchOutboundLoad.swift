import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The process's CPU time so far (user + system, every thread), in microseconds.
func processCPUMicros() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    let user = Double(usage.ru_utime.tv_sec) * 1e6 + Double(usage.ru_utime.tv_usec)
    let system = Double(usage.ru_stime.tv_sec) * 1e6 + Double(usage.ru_stime.tv_usec)
    return user + system
}

/// What one load phase measured.
struct LoadResult {
    var requests: Int
    var requestsPerSecond: Double
    var cpuMicrosPerRequest: Double
    var p50Micros: Double?
}

/// Runs a call in a closed loop with a fixed number in flight, for a bounded time.
enum Load {
    static func run(concurrency: Int, for duration: Duration, _ call: @escaping @Sendable () async throws -> Void) async throws -> LoadResult {
        let clock = ContinuousClock()
        let cpuBefore = processCPUMicros()
        let started = clock.now
        let deadline = started + duration
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var samples: [Double] = []
                    while clock.now < deadline {
                        let begin = clock.now
                        try await call()
                        let elapsed = clock.now - begin
                        samples.append(Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12)
                    }
                    return samples
                }
            }
            var all: [Double] = []
            for try await samples in group { all += samples }
            return all.sorted()
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let cpu = processCPUMicros() - cpuBefore
        let count = max(latencies.count, 1)
        return LoadResult(
            requests: latencies.count, requestsPerSecond: Double(latencies.count) / seconds,
            cpuMicrosPerRequest: cpu / Double(count), p50Micros: latencies.isEmpty ? nil : latencies[latencies.count / 2])
    }
}

/// One wrk run against our in-process server: its requests/s and our process's CPU per request
/// while it ran (the server's own cost: wrk is another process).
enum WrkRun {
    static func run(_ wrk: String, url: String, connections: Int, seconds: Int) async throws -> LoadResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = ["-t1", "-c\(connections)", "-d\(seconds)s", url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let cpuBefore = processCPUMicros()
        let text: String = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { _ in
                let data = output.fileHandleForReading.readDataToEndOfFile()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let cpu = processCPUMicros() - cpuBefore
        // "  123456 requests in 5.00s, 12.34MB read" and "Requests/sec:  24691.20"
        let requests =
            text.split(separator: "\n").first { $0.contains(" requests in ") }
            .flatMap { Int($0.split(separator: " ").first ?? "") } ?? 0
        let rps =
            text.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") }
            .flatMap { Double($0.dropFirst("Requests/sec:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        guard requests > 0 else { throw ValidationError("could not read wrk's output:\n\(text)") }
        return LoadResult(requests: requests, requestsPerSecond: rps, cpuMicrosPerRequest: cpu / Double(requests), p50Micros: nil)
    }
}
