public import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Where a project's embedded cluster lives.
///
/// The preferred place is `<project>/.neonhub/postgres`. When the process runs as root the
/// cluster runs as the `postgres` system user, which cannot reach a folder below a parent it
/// may not enter (root's home is 0700, and so is every `mktemp -d`). Then the cluster lives
/// in `<fallbackRoot>/<project name>-<hash of the project path>` (0700, owned by `postgres`),
/// and the preferred folder holds only a `LOCATION` file naming it. Removing `.neonhub`
/// removes that pointer, so the next start finds no pointer and starts over: the old
/// cluster in the fallback folder (unless it is still running) is kept aside as
/// `<folder>.previous` — one copy, replacing an older one — not deleted, since the pointer
/// may have gone without anyone meaning to drop the data (a rebuilt container whose
/// `/var/lib/neonhub` is a volume).
public struct EmbeddedClusterPlacement: Sendable, Equatable {
    /// The cluster's directory (what `EmbeddedCluster(directory:)` takes).
    public var directory: URL
    /// Why the cluster is not in the preferred folder (one line), or nil when it is.
    public var relocationReason: String?

    /// The default root for relocated clusters.
    public static let defaultFallbackRoot = URL(fileURLWithPath: "/var/lib/neonhub/clusters", isDirectory: true)
    /// The pointer file inside the preferred folder of a relocated cluster.
    public static let pointerFileName = "LOCATION"

    /// Decides where the cluster preferred at `preferred` lives, creating the pointer and
    /// the fallback folder when it has to move. `systemUser` is the user the cluster runs as
    /// when this process is root.
    public static func resolve(
        preferred: URL, fallbackRoot: URL = defaultFallbackRoot, systemUser: String = "postgres"
    ) throws -> EmbeddedClusterPlacement {
        let preferred = preferred.standardizedFileURL
        guard geteuid() == 0 else { return EmbeddedClusterPlacement(directory: preferred, relocationReason: nil) }
        let owner = try SystemUser.lookUp(systemUser)
        guard let blocked = firstUntraversableAncestor(of: preferred, for: owner) else {
            return EmbeddedClusterPlacement(directory: preferred, relocationReason: nil)
        }
        let pointer = preferred.appendingPathComponent(pointerFileName)
        let fallback = fallbackDirectory(for: preferred, root: fallbackRoot)
        let fileManager = FileManager.default
        var keptAside: URL?
        if !fileManager.fileExists(atPath: pointer.path) {
            // No pointer: a first start, or `.neonhub` was removed to start over.
            let stale = EmbeddedCluster(directory: fallback, logger: .init(label: "neonhub.placement"))
            if fileManager.fileExists(atPath: fallback.path), !stale.isRunning {
                let aside = previousDirectory(of: fallback)
                do {
                    if fileManager.fileExists(atPath: aside.path) { try fileManager.removeItem(at: aside) }
                    try fileManager.moveItem(at: fallback, to: aside)
                    keptAside = aside
                } catch {
                    throw EmbeddedClusterError("cannot move the old cluster at \(fallback.path) aside: \(error.localizedDescription)")
                }
            }
            do {
                try fileManager.createDirectory(at: preferred, withIntermediateDirectories: true)
                try Data((fallback.path + "\n").utf8).write(to: pointer)
            } catch {
                throw EmbeddedClusterError("cannot write \(pointer.path): \(error.localizedDescription)")
            }
        }
        try createPrivateDirectory(fallback, owner: owner)
        var reason = "the \(systemUser) user cannot enter \(blocked.path), so the embedded cluster lives in \(fallback.path)"
        if let keptAside { reason += "; the cluster found there without its pointer was kept as \(keptAside.path)" }
        return EmbeddedClusterPlacement(directory: fallback, relocationReason: reason)
    }

    /// Where the cluster found in `fallback` without its pointer is kept (one copy).
    public static func previousDirectory(of fallback: URL) -> URL {
        fallback.deletingLastPathComponent().appendingPathComponent(fallback.lastPathComponent + ".previous", isDirectory: true)
    }

    /// The directory a cluster preferred at `preferred` moves to: stable for one project path,
    /// distinct for two (a SHA-256 prefix of the path), short enough for a Unix socket.
    public static func fallbackDirectory(for preferred: URL, root: URL = defaultFallbackRoot) -> URL {
        let project = preferred.standardizedFileURL.deletingLastPathComponent().deletingLastPathComponent()
        let name = String(
            project.lastPathComponent.unicodeScalars
                .map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "_" }
                .prefix(24))
        let digest = SHA256.hexDigest(preferred.standardizedFileURL.path.utf8).prefix(12)
        return root.appendingPathComponent("\(name.isEmpty ? "project" : name)-\(digest)", isDirectory: true)
    }

    /// The first directory on the way to `path` (`/`, then each existing ancestor) that `owner`
    /// may not search, or nil. Missing ancestors count as searchable: this process creates
    /// them with mode 0755.
    static func firstUntraversableAncestor(of path: URL, for owner: SystemUser) -> URL? {
        var current = URL(fileURLWithPath: "/", isDirectory: true)
        var components = Array(path.standardizedFileURL.pathComponents.dropFirst())
        if !components.isEmpty { components.removeLast() }  // the cluster folder itself is made for the owner
        for component in [""] + components {
            if !component.isEmpty { current.appendPathComponent(component, isDirectory: true) }
            var info = stat()
            guard stat(current.path, &info) == 0 else { return nil }  // missing: created by us, 0755
            if !owner.maySearch(info) { return current }
        }
        return nil
    }

    /// Creates `directory` (and its parents, 0755) and gives it to `owner` with mode 0700.
    private static func createPrivateDirectory(_ directory: URL, owner: SystemUser) throws {
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        } catch {
            throw EmbeddedClusterError("cannot create \(directory.path): \(error.localizedDescription)")
        }
        guard chown(directory.path, owner.uid, owner.gid) == 0, chmod(directory.path, 0o700) == 0 else {
            throw EmbeddedClusterError("cannot give \(directory.path) to the \(owner.name) user")
        }
    }
}

/// A system user's ids and groups, as far as directory search permission needs them.
struct SystemUser: Sendable {
    var name: String
    var uid: uid_t
    var gid: gid_t
    var groups: [gid_t]

    /// Looks `name` up in the user database; a missing user is a one-line error.
    static func lookUp(_ name: String) throws -> SystemUser {
        guard let entry = getpwnam(name) else {
            throw EmbeddedClusterError(
                "running as root needs a '\(name)' system user to own the cluster: install the postgresql package or create the user")
        }
        let uid = entry.pointee.pw_uid
        let gid = entry.pointee.pw_gid
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(name, gid, &groups, &count)
        }
        return SystemUser(name: name, uid: uid, gid: gid, groups: Array(groups.prefix(Int(max(count, 0)))))
    }

    /// Whether this user may search (enter) a directory with these attributes. Access
    /// control lists are not consulted; the classic owner/group/other bits decide.
    func maySearch(_ info: stat) -> Bool {
        if uid == 0 { return true }
        if info.st_uid == uid { return info.st_mode & S_IXUSR != 0 }
        if info.st_gid == gid || groups.contains(info.st_gid) { return info.st_mode & S_IXGRP != 0 }
        return info.st_mode & S_IXOTH != 0
    }
}
