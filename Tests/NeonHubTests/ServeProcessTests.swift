import Foundation
import Testing

/// The real `neonhub` binary: bad configuration stops start-up; SIGTERM drains and exits 0.
@Suite struct ServeProcessTests {
    /// `.build/<config>/neonhub`, next to the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("neonhub")
    }

    static func launch(_ env: [String: String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve"]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "DATABASE_URL")
        for (k, v) in env { environment[k] = v }
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, errors)
    }

    @Test func invalidConfigurationStopsStartUpWithOneLinePerProblem() throws {
        let (process, errors) = try Self.launch(["PORT": "x", "LOG_FORMAT": "xml"])
        process.waitUntilExit()
        #expect(process.terminationStatus == 78)
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("config error: ") }.count == 2)
    }

    @Test func sigtermExitsZeroAfterDraining() throws {
        // Below Linux's ephemeral range (32768–60999), where port-0 listeners and outgoing
        // connections of the other tests never land.
        let port = Int.random(in: 20_000..<32_000)
        let (process, _) = try Self.launch(["PORT": "\(port)", "HOST": "127.0.0.1", "SHUTDOWN_GRACE": "3"])
        defer { if process.isRunning { process.terminate() } }
        // Wait until it answers.
        var up = false
        for _ in 0..<200 where !up && process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            up = (try? String(contentsOf: URL(string: "http://127.0.0.1:\(port)/health")!, encoding: .utf8))?.contains("\"ok\"") == true
        }
        try #require(process.isRunning, "the server exited at start (status \(process.terminationStatus))")
        try #require(up)
        let started = Date()
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(Date().timeIntervalSince(started) < 3)
    }
}
