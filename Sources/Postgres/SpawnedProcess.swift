public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started by `ProcessRunner.spawn`: its standard output and error go to files
/// in a private scratch folder (read them at any time, also while it runs), its exit status is
/// collected with `waitpid`. Safe to use from several threads; the scratch folder is removed
/// when the value is released.
public final class SpawnedProcess: Sendable {
    /// The child's process id.
    public let processIdentifier: pid_t
    private let scratch: URL
    private let outPath: String
    private let errPath: String
    private let executable: String
    /// The exit status once collected (128 + signal when killed).
    private let exitStatus = Mutex<Int32?>(nil)

    init(processIdentifier: pid_t, executable: String, scratch: URL, outPath: String, errPath: String) {
        self.processIdentifier = processIdentifier
        self.executable = executable
        self.scratch = scratch
        self.outPath = outPath
        self.errPath = errPath
    }

    deinit {
        if exitStatus.withLock({ $0 }) == nil {
            kill(processIdentifier, SIGKILL)
            _ = try? waitUntilExit()
        }
        try? FileManager.default.removeItem(at: scratch)
    }

    /// True until the child has exited (and been reaped).
    public var isRunning: Bool { (try? poll()) == nil }

    /// Sends SIGTERM (a no-op once the child has exited).
    public func terminate() { signal(SIGTERM) }

    /// Sends `signal` to the child unless it has already been reaped.
    public func signal(_ number: Int32) {
        exitStatus.withLock { status in
            if status == nil { _ = kill(processIdentifier, number) }
        }
    }

    /// Sends `signal` to the child's process group (a child spawned with `newProcessGroup`: it
    /// and every process it forked) unless the child has been reaped, so the group id cannot
    /// name another group yet.
    public func signalGroup(_ number: Int32) {
        exitStatus.withLock { status in
            if status == nil { _ = kill(-processIdentifier, number) }
        }
    }

    /// Waits for the child to exit and returns its status (128 + signal when killed). Blocking:
    /// call it off the cooperative pool.
    @discardableResult
    public func waitUntilExit() throws -> Int32 {
        while true {
            if let status = try poll() { return status }
            usleep(10_000)
        }
    }

    /// Everything the child has written to standard output so far.
    public var standardOutputData: Data { (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data() }
    /// Everything the child has written to standard error so far.
    public var standardErrorData: Data { (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data() }
    /// Standard output so far, as UTF-8 text.
    public var standardOutput: String { String(decoding: standardOutputData, as: UTF8.self) }
    /// Standard error so far, as UTF-8 text.
    public var standardError: String { String(decoding: standardErrorData, as: UTF8.self) }

    /// The exit status when the child has exited, nil while it runs. Never blocks.
    private func poll() throws -> Int32? {
        try exitStatus.withLock { collected in
            if let collected { return collected }
            var status: Int32 = 0
            while true {
                let reaped = waitpid(processIdentifier, &status, WNOHANG)
                if reaped == 0 { return nil }
                if reaped == processIdentifier { break }
                guard errno == EINTR else {
                    throw EmbeddedClusterError("could not wait for \(executable): \(String(cString: strerror(errno)))")
                }
            }
            // WIFEXITED / WEXITSTATUS, spelled out (the C macros are not imported).
            let exit: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            collected = exit
            return exit
        }
    }
}
