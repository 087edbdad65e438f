import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback HTTP server that answers one request with a response head and the first bytes
/// of a longer body, then sends nothing more until it is stopped: a provider whose body stalls
/// after its head (with nothing at all: one that never answers). With `hangUp` it closes the
/// connection instead of stalling: a connection lost after the request was sent. Plain POSIX
/// sockets on a thread of its own (the fakes' server always finishes a response it starts).
final class StallingHTTPServer: Sendable {
    /// The port on 127.0.0.1.
    let port: Int
    private let listener: Int32
    private let received = Mutex(0)

    /// Whether `stop` was called, and whether the serving thread has closed its descriptors.
    /// One lock for both: `stop` shuts the listener down only while it is still open, and the
    /// serving thread closes it only under the same lock. A shutdown of a descriptor number
    /// already closed acts on whatever socket the process opened next with that number, and
    /// another test's client then reads an end of stream that no server sent.
    private struct State {
        var stopped = false
        var closed = false
    }
    private let state = Mutex(State())

    /// Whether the request's head has arrived.
    var receivedRequest: Bool { received.withLock { $0 > 0 } }

    /// Listens on a free port and serves `head` + `bodyPrefix` to the first connection, then
    /// stalls, or with `hangUp` closes the connection.
    init(head: String, bodyPrefix: String, hangUp: Bool = false) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 4) == 0 else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = descriptor
        let answer = Array((head + bodyPrefix).utf8)
        Thread.detachNewThread { [self] in serve(answer, hangUp: hangUp) }
    }

    /// Closes the listener and the held connection (the latter also after 20 s, so that a
    /// client that never gives up does not hang its test). Safe to call more than once, and
    /// after the serving thread has given up.
    func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            // Wakes a serving thread still blocked in `accept`; it closes the listener after.
            if !state.closed { shutdown(listener, Int32(SHUT_RDWR)) }
        }
    }

    private func serve(_ answer: [UInt8], hangUp: Bool) {
        var connection: Int32 = -1
        defer {
            state.withLock { state in
                if connection >= 0 { close(connection) }
                close(listener)
                state.closed = true
            }
        }
        connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let headEnd = Array("\r\n\r\n".utf8)
        // Until the head's end has arrived (a body may follow it in the same read).
        while !request.indices.contains(where: { request[$0...].starts(with: headEnd) }) {
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return }
            request += buffer[0..<count]
        }
        received.withLock { $0 += 1 }
        if !answer.isEmpty { _ = answer.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
        // Hanging up shuts the connection down; its descriptor is closed with the listener's,
        // when this thread ends, under the lock `stop` takes.
        if hangUp { shutdown(connection, Int32(SHUT_RDWR)) }
        let giveUp = Date().addingTimeInterval(20)
        while !state.withLock({ $0.stopped }), Date() < giveUp { usleep(20_000) }
    }
}
