import Foundation
import Glibc
import HTTPFields
import TestSupport
import Testing

@testable import HTTPCore

/// Timers, connection limits and graceful shutdown.
@Suite struct HTTPServerTimeoutTests {
    @Test func slowHeadersGet408WhileOthersAreServed() throws {
        // Bounds far from the timer's, so that a loaded machine cannot cross them: the
        // fast client is served before the slow one's 3 s are up, and nothing hangs.
        try withTestServer({ $0.headerTimeout = .seconds(3) }) { server in
            let started = Date()
            let slow = try TestClient(port: server.port)
            try slow.send("GET / HTTP/1.1\r\nHo")
            // Meanwhile another client is served promptly.
            let fast = try TestClient(port: server.port)
            try fast.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try fast.readResponse().status == 200)
            #expect(Date().timeIntervalSince(started) < 2.5)
            // Trickling more header bytes does not extend the deadline.
            Thread.sleep(forTimeInterval: 0.3)
            try slow.send("st: x\r\n")
            let r = try slow.readResponse()
            #expect(r.status == 408)
            #expect(r.headers["connection"] == "close")
            #expect(slow.isClosedByPeer())
            #expect(Date().timeIntervalSince(started) < 10)
        }
    }

    @Test func idleKeepAliveConnectionIsClosed() throws {
        try withTestServer({ $0.idleTimeout = .milliseconds(500) }) { server in
            let client = try TestClient(port: server.port)
            // Taken before the request: the idle timer starts after the answer, so the close
            // comes at least 500 ms later however slowly the answer is read.
            let started = Date()
            try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().status == 200)
            #expect(client.isClosedByPeer())
            let waited = Date().timeIntervalSince(started)
            #expect(waited > 0.45 && waited < 10)
        }
    }

    @Test func connectionLimitAppliesBackPressure() throws {
        try withTestServer({ $0.maxConnections = 2 }) { server in
            let a = try TestClient(port: server.port)
            let b = try TestClient(port: server.port)
            // Two requests half sent: busy connections, which nothing evicts.
            try a.send("GET /a HTTP/1.1\r\nHost: x\r\n")
            try b.send("GET /b HTTP/1.1\r\nHost: x\r\n")
            Thread.sleep(forTimeInterval: 0.1)
            // A third connection sits in the backlog: no answer while two are open.
            let c = try TestClient(port: server.port, timeout: 0.5)
            try c.send("GET /c HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(throws: (any Error).self) { try c.readResponse() }
            #expect(server.connectionCount == 2)
            // Closing one lets the third in.
            try a.send("Connection: close\r\n\r\n")
            _ = try a.readResponse()
            c.setTimeout(3)
            #expect(try c.readResponse().bodyText == "GET /c")
        }
    }

    @Test func gracefulShutdownDrainsInFlightRequests() throws {
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, shutdownGrace: .seconds(30), eventLoopCount: 2)
        configuration.idleTimeout = .seconds(30)
        let server = HTTPServer(configuration: configuration, handler: TestHandler())
        try server.start()
        let idle = try TestClient(port: server.port)
        try idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try idle.readResponse()
        let busy = try TestClient(port: server.port)
        // Taken before the request: its handler answers 700 ms after it came, at the soonest.
        let started = Date()
        try busy.send("GET /slow?ms=700 HTTP/1.1\r\nHost: x\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.1)
        server.shutdown()
        // The idle connection is closed at once; the in-flight request completes with close.
        #expect(idle.isClosedByPeer())
        let r = try busy.readResponse()
        #expect(r.bodyText == "slow done")
        #expect(r.headers["connection"] == "close")
        server.waitUntilStopped()
        let took = Date().timeIntervalSince(started)
        #expect(took >= 0.69 && took < 20, "waited for the request, not for the 30 s grace")
        // New connections are refused.
        #expect(throws: (any Error).self) { _ = try TestClient(port: server.port) }
    }

    @Test func shutdownGraceForceClosesStuckRequests() throws {
        let configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, shutdownGrace: .milliseconds(300), eventLoopCount: 1)
        let server = HTTPServer(configuration: configuration, handler: TestHandler())
        try server.start()
        let busy = try TestClient(port: server.port)
        try busy.send("GET /slow?ms=60000 HTTP/1.1\r\nHost: x\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.1)
        let started = Date()
        server.shutdown()
        server.waitUntilStopped()
        #expect(Date().timeIntervalSince(started) < 30, "cut at the grace, not waited for the minute")
        #expect(busy.isClosedByPeer())
    }
}
