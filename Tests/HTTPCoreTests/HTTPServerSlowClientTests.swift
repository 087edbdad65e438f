import Foundation
import Glibc
import TestSupport
import Testing

@testable import HTTPCore

/// Found by a review: clients that held a connection slot for as long as they liked for a
/// few bytes a minute (a trickled body, lone empty lines), a server at `MAX_CONNECTIONS` that
/// kept idle keep-alive connections while new clients waited, and a slow but honest reader
/// whose large response was cut at `IDLE_TIMEOUT`.
@Suite struct HTTPServerSlowClientTests {
    @Test func aTrickledBodyGets408() throws {
        try withTestServer({ $0.idleTimeout = .seconds(1) }) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
            // A byte every 200 ms: each read used to restart the full second.
            for _ in 0..<8 {
                try client.send("x")
                Thread.sleep(forTimeInterval: 0.2)
            }
            client.setTimeout(0.3)
            #expect(try client.readResponse().status == 408)
        }
    }

    @Test func emptyLinesAloneDoNotHoldAConnection() throws {
        try withTestServer({
            $0.headerTimeout = .milliseconds(500)
            $0.idleTimeout = .seconds(20)
        }) { server in
            let client = try TestClient(port: server.port, timeout: 2)
            try client.send("\r\n")
            #expect(try client.readResponse().status == 408)
            #expect(client.isClosedByPeer())
        }
    }

    @Test(arguments: [1, 2]) func anIdleConnectionMakesRoomAtCapacity(loops: Int) throws {
        try withTestServer({
            $0.maxConnections = 2
            $0.eventLoopCount = loops
            $0.idleTimeout = .seconds(30)
        }) { server in
            let a = try TestClient(port: server.port)
            try a.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try a.readResponse().status == 200)
            Thread.sleep(forTimeInterval: 0.05)
            let b = try TestClient(port: server.port)
            try b.send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try b.readResponse().status == 200)
            // Both are idle: a third client is served at once, and an idle one made room.
            let c = try TestClient(port: server.port, timeout: 3)
            try c.send("GET /c HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try c.readResponse().bodyText == "GET /c")
            #expect(server.connectionCount <= 2)
            if loops == 1 {
                #expect(a.isClosedByPeer())  // the longest idle goes first, and only it
                try b.send("GET /b2 HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try b.readResponse().bodyText == "GET /b2")
            }
        }
    }

    @Test func aSlowReaderGetsAWholeLargeResponse() throws {
        try withTestServer({ $0.idleTimeout = .seconds(1) }) { server in
            let client = try TestClient(port: server.port, timeout: 3, receiveBuffer: 16 * 1024)
            try client.send("GET /large HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            // 256 KiB every 50 ms: 16 MiB take over three seconds, three idle timeouts.
            var total = 0
            let started = Date()
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: 256 * 1024, alignment: 1)
            defer { buffer.deallocate() }
            while true {
                var chunk = 0
                while chunk < 256 * 1024 {
                    let n = Glibc.read(client.fd, buffer, 256 * 1024 - chunk)
                    if n <= 0 { break }
                    chunk += n
                }
                total += chunk
                if chunk < 256 * 1024 { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            #expect(total > 16 << 20)  // the head and every byte of the body
            #expect(Date().timeIntervalSince(started) > 1.5)
        }
    }

    @Test func anEmptiedLargeReadBufferIsGivenBack() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let writer = fds[1]
        Thread.detachNewThread {
            let bytes = [UInt8](repeating: 7, count: 300 * 1024)
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { Glibc.write(writer, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                sent += n
            }
            Glibc.close(writer)
        }
        defer { Glibc.close(fds[0]) }
        var buffer = ReadBuffer(initialCapacity: 4096)
        while case .bytes = buffer.read(from: fds[0]) {}
        #expect(buffer.count == 300 * 1024)
        #expect(buffer.allocatedCapacity > ReadBuffer.retainedCapacity)
        buffer.consume(buffer.count - 1)
        buffer.releaseIfLarge()  // a byte is left: kept
        #expect(buffer.allocatedCapacity > ReadBuffer.retainedCapacity)
        buffer.consume(1)
        buffer.releaseIfLarge()
        #expect(buffer.allocatedCapacity == 0)
    }
}
