public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a command to completion with `posix_spawn` and `waitpid`, capturing its output in
/// temporary files (pipes could be held open by a daemon the command starts, such as the
/// postmaster). The child inherits no descriptors other than stdin/stdout/stderr. Safe to
/// call from several threads at once (Foundation's `Process.run` on Linux is not: it crashed
/// when tests launched commands concurrently).
public enum ProcessRunner {
    /// A finished command: its exit status (128 + signal when killed) and its output.
    public struct Output: Sendable {
        public var status: Int32
        public var standardOutputData: Data
        public var standardErrorData: Data
        /// Standard output as UTF-8 text.
        public var standardOutput: String { String(decoding: standardOutputData, as: UTF8.self) }
        /// Standard error as UTF-8 text.
        public var standardError: String { String(decoding: standardErrorData, as: UTF8.self) }
    }

    /// Runs `executable` with `arguments` in `currentDirectory` (nil: this process's), with
    /// `environment` (nil: this process's), with `input` on its standard input (nil: /dev/null),
    /// and waits for it. Blocking.
    public static func run(
        _ executable: URL, _ arguments: [String], currentDirectory: URL? = nil, environment: [String: String]? = nil,
        input: Data? = nil
    ) throws -> Output {
        let child = try spawn(executable, arguments, currentDirectory: currentDirectory, environment: environment, input: input)
        let status = try child.waitUntilExit()
        return Output(status: status, standardOutputData: child.standardOutputData, standardErrorData: child.standardErrorData)
    }

    /// Starts `executable` with `arguments` and returns without waiting: the child's output
    /// collects in files the returned value reads. Same parameters as `run`; with
    /// `newProcessGroup` the child leads a process group of its own, which
    /// `SpawnedProcess.signalGroup` reaches with everything the child forks.
    public static func spawn(
        _ executable: URL, _ arguments: [String], currentDirectory: URL? = nil, environment: [String: String]? = nil,
        input: Data? = nil, newProcessGroup: Bool = false
    ) throws -> SpawnedProcess {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("neonhub-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        var spawned = false
        defer { if !spawned { try? FileManager.default.removeItem(at: scratch) } }
        let outPath = scratch.appendingPathComponent("stdout").path
        let errPath = scratch.appendingPathComponent("stderr").path
        var inPath = "/dev/null"
        if let input {
            inPath = scratch.appendingPathComponent("stdin").path
            try input.write(to: URL(fileURLWithPath: inPath))
        }

        var actions = posix_spawn_file_actions_t()
        guard posix_spawn_file_actions_init(&actions) == 0 else {
            throw EmbeddedClusterError("could not prepare to run \(executable.path)")
        }
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if let closeFrom = GNUSpawn.addCloseFrom {
            _ = closeFrom(&actions, 3)
        } else {
            for descriptor in openDescriptors() where descriptor > 2 {
                posix_spawn_file_actions_addclose(&actions, descriptor)
            }
        }
        if let currentDirectory {
            guard let changeDirectory = GNUSpawn.addChangeDirectory else {
                throw EmbeddedClusterError("this C library cannot set a spawned process's directory (glibc ≥ 2.29 needed)")
            }
            _ = changeDirectory(&actions, currentDirectory.path)
        }

        // The child starts with every signal at its default action and none blocked: this
        // process ignores SIGTERM and SIGPIPE (its handlers run from dispatch sources), and
        // ignored dispositions and the signal mask would otherwise pass through exec.
        var attributes = posix_spawnattr_t()
        guard posix_spawnattr_init(&attributes) == 0 else {
            throw EmbeddedClusterError("could not prepare to run \(executable.path)")
        }
        defer { posix_spawnattr_destroy(&attributes) }
        var allSignals = sigset_t(), noSignals = sigset_t()
        sigfillset(&allSignals)
        sigemptyset(&noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        if newProcessGroup {
            flags |= POSIX_SPAWN_SETPGROUP
            posix_spawnattr_setpgroup(&attributes, 0)  // a group of its own, led by the child
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { variables in
            variables.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        }
        defer { for pointer in envp ?? [] { free(pointer) } }
        var pid: pid_t = 0
        let result =
            envp.map { posix_spawn(&pid, executable.path, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, executable.path, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw EmbeddedClusterError("could not run \(executable.path): \(String(cString: strerror(result)))")
        }
        spawned = true
        return SpawnedProcess(processIdentifier: pid, executable: executable.path, scratch: scratch, outPath: outPath, errPath: errPath)
    }

    /// The process's open descriptors (fallback when `addclosefrom_np` is missing).
    private static func openDescriptors() -> [Int32] {
        OpenDescriptors.list()
    }
}

/// glibc's `posix_spawn_file_actions_add{closefrom,chdir}_np`, looked up at run time
/// because Swift's Glibc module is imported without `_GNU_SOURCE`.
private enum GNUSpawn {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias AddChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    static let addCloseFrom: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")
    static let addChangeDirectory: AddChangeDirectory? = symbol("posix_spawn_file_actions_addchdir_np")

    private static func symbol<T>(_ name: String) -> T? {
        guard let handle = dlopen(nil, RTLD_NOW), let pointer = dlsym(handle, name) else { return nil }
        return unsafeBitCast(pointer, to: T.self)
    }
}
