import Foundation
import Glibc
import HTTPCore
public import HTTPFields

/// A blocking TCP client for tests: sends raw bytes and reads raw HTTP responses. The one
/// HTTP client of the tests: `HTTPTestClient` speaks whole requests through it.
public final class TestClient {
    /// The socket.
    public let fd: Int32
    private var buffer: [UInt8] = []

    /// A parsed response.
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// The header fields, in order.
        public var headers: HTTPHeaders
        /// The body (de-chunked).
        public var body: [UInt8]
        /// The body as UTF-8 text.
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// A failure to connect, send or read.
    public struct Failure: Error, CustomStringConvertible {
        /// What failed.
        public var description: String
    }

    /// Connects to `127.0.0.1:port`; reads time out after `timeout` seconds. A
    /// `receiveBuffer` (bytes) is set before connecting, so the window the server sees stays
    /// that small: a client that reads slowly, or not at all.
    public init(port: Int, timeout: Double = 5, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw Failure(description: "connect failed: \(errno)") }
        setTimeout(timeout)
    }

    deinit { Glibc.close(fd) }

    /// Sets the receive timeout.
    public func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends text as UTF-8.
    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends every byte.
    public func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send failed: \(errno)") }
            sent += n
        }
    }

    /// Reads more bytes; false on EOF, error or timeout (`lastReadFailure` says which).
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else {
            let code = errno
            lastReadFailure =
                n == 0
                ? "end of stream (\(socketState))"
                : code == EAGAIN || code == EWOULDBLOCK ? "the read timed out" : "recv failed with errno \(code)"
            return false
        }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// Why the last read got no bytes: a close, a timeout or an error.
    private var lastReadFailure = ""

    /// Who ended the stream, from the kernel's TCP state: `CLOSE_WAIT` when the server closed
    /// the connection; `FIN_WAIT`, `CLOSING` or `TIME_WAIT` when this socket was shut down from
    /// our side (a descriptor number reused, and shut down by code that had closed it).
    private var socketState: String {
        var info = tcp_info()
        var length = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0 else { return "TCP state unknown: errno \(errno)" }
        let names: [UInt8: String] = [
            1: "ESTABLISHED", 4: "FIN_WAIT1", 5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 11: "CLOSING",
        ]
        let name = names[info.tcpi_state] ?? "state \(info.tcpi_state)"
        return info.tcpi_state == 8 ? "the server closed the connection: \(name)" : "TCP \(name)"
    }

    /// True when the server has closed the connection (EOF) with no further bytes.
    public func isClosedByPeer() -> Bool {
        if !buffer.isEmpty { return false }
        var chunk = [UInt8](repeating: 0, count: 1024)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 { buffer.append(contentsOf: chunk[0..<n]); return false }
        return n == 0 || errno == ECONNRESET
    }

    /// Reads one response. `head` says the request was HEAD (no body follows).
    public func readResponse(head: Bool = false) throws -> Response {
        var headEnd: Int?
        while headEnd == nil {
            if let r = find([13, 10, 13, 10]) {
                headEnd = r
            } else if !fill() {
                throw Failure(description: "no response head (got \(buffer.count) bytes): \(lastReadFailure)")
            }
        }
        let headText = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd! + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure(description: "bad status line") }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(name: String(line[..<colon]), value: String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
        if status == 100 { return Response(status: 100, headers: headers, body: []) }
        if head || status == 204 || status == 304 { return Response(status: status, headers: headers, body: []) }
        if let length = headers["content-length"].flatMap(Int.init) {
            while buffer.count < length { guard fill() else { throw Failure(description: "short body") } }
            let body = Array(buffer[0..<length])
            buffer.removeFirst(length)
            return Response(status: status, headers: headers, body: body)
        }
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            var body: [UInt8] = []
            while true {
                var lineEnd = find([13, 10])
                while lineEnd == nil { guard fill() else { throw Failure(description: "short chunk") }; lineEnd = find([13, 10]) }
                let sizeText = String(decoding: buffer[0..<lineEnd!], as: UTF8.self)
                buffer.removeFirst(lineEnd! + 2)
                guard let size = Int(sizeText, radix: 16) else { throw Failure(description: "bad chunk size \(sizeText)") }
                while buffer.count < size + 2 { guard fill() else { throw Failure(description: "short chunk data") } }
                if size == 0 { buffer.removeFirst(2); break }
                body.append(contentsOf: buffer[0..<size])
                buffer.removeFirst(size + 2)
            }
            return Response(status: status, headers: headers, body: body)
        }
        while fill() {}
        let body = buffer
        buffer = []
        return Response(status: status, headers: headers, body: body)
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        for i in 0...(buffer.count - pattern.count) where buffer[i] == pattern[0] {
            if Array(buffer[i..<(i + pattern.count)]) == pattern { return i }
        }
        return nil
    }
}
