import Foundation
import Testing

@testable import Postgres

#if canImport(Glibc)
    import Glibc
#endif

/// `ProcessRunner` and `SpawnedProcess`: arguments, environment, directory, input, exit
/// statuses and signals, from many threads at once (Foundation's `Process.run` crashed there).
@Suite struct ProcessRunnerTests {
    static let shell = URL(fileURLWithPath: "/bin/sh")

    @Test func runPassesArgumentsEnvironmentDirectoryAndInput() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("neonhub-runner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = try ProcessRunner.run(
            Self.shell, ["-c", "printf '%s|%s|%s|' \"$1\" \"$GREETING\" \"$(pwd)\"; cat; echo oops >&2; exit 3", "sh", "first"],
            currentDirectory: folder, environment: ["GREETING": "hello"], input: Data("piped".utf8))
        #expect(output.status == 3)
        #expect(output.standardOutput == "first|hello|\(folder.resolvingSymlinksInPath().path)|piped")
        #expect(output.standardError == "oops\n")
    }

    @Test func onlyTheGivenEnvironmentReachesTheChild() throws {
        setenv("NEONHUB_RUNNER_PARENT_ONLY", "leaked", 1)
        defer { unsetenv("NEONHUB_RUNNER_PARENT_ONLY") }
        let inherited = try ProcessRunner.run(Self.shell, ["-c", "printf %s \"$NEONHUB_RUNNER_PARENT_ONLY\""])
        #expect(inherited.standardOutput == "leaked")
        let given = try ProcessRunner.run(Self.shell, ["-c", "printf %s \"$NEONHUB_RUNNER_PARENT_ONLY\""], environment: ["PATH": "/bin"])
        #expect(given.standardOutput == "")
    }

    @Test func aSpawnedProcessRunsUntilSignalledAndReportsTheSignal() throws {
        let child = try ProcessRunner.spawn(Self.shell, ["-c", "echo started; exec sleep 60"])
        #expect(child.isRunning)
        let deadline = Date().addingTimeInterval(30)
        while child.standardOutput != "started\n", Date() < deadline { usleep(10_000) }
        #expect(child.standardOutput == "started\n")
        child.terminate()
        #expect(try child.waitUntilExit() == 128 + SIGTERM)
        #expect(!child.isRunning)
        child.terminate()  // after the exit: nothing to signal, no error
    }

    @Test func theChildInheritsNoDescriptorBeyondTheStandardThree() throws {
        var pair: [Int32] = [0, 0]
        #expect(pipe(&pair) == 0)
        defer { close(pair[0]); close(pair[1]) }
        #expect(OpenDescriptors.list().contains(pair[1]))
        let output = try ProcessRunner.run(Self.shell, ["-c", "ls /proc/self/fd"])
        let descriptors = output.standardOutput.split(separator: "\n").compactMap { Int32($0) }
        #expect(!descriptors.contains(pair[1]))
        #expect(descriptors.allSatisfy { $0 <= 3 })  // 0–2 and the one `ls` reads the folder with
    }

    @Test func theListingNamesEveryOpenDescriptorWhenThousandsAreOpen() throws {
        // The tests run in parallel in this one process: taking every descriptor the soft limit
        // allows would make the others fail (CI, with a soft limit of 1,024, saw a spawn fail
        // while this test held them). So the soft limit is raised toward the hard one, and at
        // most a quarter of it is used.
        var limit = rlimit()
        try #require(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0)
        if limit.rlim_cur < 8_192, limit.rlim_max > limit.rlim_cur {
            limit.rlim_cur = min(limit.rlim_max, 8_192)
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        let budget = min(1_200, Int(limit.rlim_cur) / 4)
        var extra: [Int32] = []
        defer { for descriptor in extra { close(descriptor) } }
        for _ in 0..<budget {
            let descriptor = dup(2)
            guard descriptor >= 0 else { break }
            extra.append(descriptor)
        }
        try #require(extra.count >= budget / 2)  // four-digit names wherever the hard limit allows 4,800
        let listed = Set(OpenDescriptors.list())
        #expect(extra.allSatisfy(listed.contains))
        #expect([0, 1, 2].allSatisfy(listed.contains))
    }

    @Test func manyThreadsRunCommandsAtOnce() async throws {
        let statuses = try await withThrowingTaskGroup(of: Int32.self) { group in
            for index in 0..<16 {
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        Thread.detachNewThread {
                            continuation.resume(with: Result { try ProcessRunner.run(Self.shell, ["-c", "exit \(index)"]).status })
                        }
                    }
                }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(statuses.sorted() == (0..<16).map(Int32.init))
    }
}
