import CLibPQ
import Foundation
import TimeUnits

/// A notification delivered by `NOTIFY` / `pg_notify` on a channel this connection listens to.
public struct PostgresNotification: Sendable, Hashable {
    /// The channel (`neonhub_jobs`).
    public var channel: String
    /// The payload (may be empty).
    public var payload: String
    /// The backend process that sent it.
    public var senderPID: Int32
}

extension PostgresConnection {
    /// Starts listening on `channel` (an identifier: letters, digits and `_` only).
    public func listen(_ channel: String) throws {
        guard !channel.isEmpty,
            channel.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) })
        else {
            throw PostgresError.protocolError("invalid channel name", sql: nil)
        }
        try executeScript("LISTEN \(channel)")
    }

    /// Waits up to `timeout` for notifications and returns those that arrived (an empty
    /// array on timeout). Blocking: call it from a thread of its own. Throws
    /// `.connectionLost` when the server goes away.
    public func waitForNotifications(timeout: Duration) throws -> [PostgresNotification] {
        let handle = try liveHandle(sql: nil)
        var received = drainNotifications(handle)
        if !received.isEmpty { return received }
        let milliseconds = Int32(clamping: max(0, Int(timeout.inSeconds * 1000)))
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0, errno != EINTR {
            throw PostgresError(kind: .connectionLost, message: "poll failed on the listening connection", sql: nil)
        }
        if ready > 0 {
            guard PQconsumeInput(handle) == 1, PQstatus(handle) == CONNECTION_OK else {
                close()
                throw PostgresError(kind: .connectionLost, message: "the listening connection was lost", sql: nil)
            }
            received = drainNotifications(handle)
        }
        return received
    }

    private func drainNotifications(_ handle: OpaquePointer) -> [PostgresNotification] {
        var out: [PostgresNotification] = []
        while let notify = PQnotifies(handle) {
            let note = notify.pointee
            out.append(
                PostgresNotification(
                    channel: String(cString: note.relname), payload: note.extra.map { String(cString: $0) } ?? "",
                    senderPID: note.be_pid))
            PQfreemem(notify)
        }
        return out
    }
}
