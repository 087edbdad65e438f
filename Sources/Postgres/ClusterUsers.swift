import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Which processes use one embedded cluster: `<dir>/users`, one file per process
/// (`<pid>-<uuid>`) held under an exclusive `flock` while that process uses the cluster — so a
/// process that ends, killed too, counts as gone whatever its pid or pid namespace — plus
/// `.lock`, the registry's own lock, and `handover`, present while a launcher that exited has
/// left the cluster to the processes still using it. `EmbeddedCluster.release` decides with it
/// who stops the cluster.
final class ClusterUsers: Sendable {
    /// `<dir>/users`.
    let directory: URL
    /// This process's entry.
    private let fileName = "\(getpid())-\(UUID().uuidString.lowercased())"
    /// That entry, open and locked while registered.
    private let held = Mutex<Int32?>(nil)

    /// The registry of the cluster in `clusterDirectory`.
    init(clusterDirectory: URL) {
        directory = clusterDirectory.appendingPathComponent("users", isDirectory: true)
    }

    /// Present while a launcher that exited has left the cluster to the others.
    var handoverFile: URL { directory.appendingPathComponent("handover") }

    /// Runs `body` holding `.lock` (across processes; blocking): no process attaches between
    /// another's last look at the users and its `pg_ctl stop`.
    func withLock<T>(_ body: () throws -> T) throws -> T {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let descriptor = open(directory.appendingPathComponent(".lock").path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        if descriptor >= 0 { _ = flock(descriptor, LOCK_EX) }
        defer {
            if descriptor >= 0 {
                _ = flock(descriptor, LOCK_UN)
                close(descriptor)
            }
        }
        return try body()
    }

    /// Registers this process (its entry created and locked).
    func register() {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let descriptor = open(directory.appendingPathComponent(fileName).path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return
        }
        held.withLock { current in
            if let earlier = current { close(earlier) }
            current = descriptor
        }
    }

    /// Removes this process's entry and lets go of its lock.
    func unregister() {
        held.withLock { current in
            guard let descriptor = current else { return }
            unlink(directory.appendingPathComponent(fileName).path)
            close(descriptor)
            current = nil
        }
    }

    /// The entries of the other processes (or instances) still using the cluster: those whose
    /// `flock` is held. An entry nobody holds is a process that ended without releasing; it is removed.
    func others() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { name in
            guard !name.hasPrefix("."), name != "handover", name != fileName else { return false }
            let path = directory.appendingPathComponent(name).path
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return false }
            defer { close(descriptor) }
            guard flock(descriptor, LOCK_EX | LOCK_NB) != 0 else {
                unlink(path)
                return false
            }
            return true
        }
    }
}
