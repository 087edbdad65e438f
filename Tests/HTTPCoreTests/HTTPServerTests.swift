import Foundation
import Glibc
import HTTPFields
import Synchronization
import TestSupport
import Testing

@testable import HTTPCore

/// The server over real sockets: framing, keep-alive, pipelining, limits and error answers.
@Suite struct HTTPServerTests {
    @Test func servesAndKeepsAlive() throws {
        try withTestServer { server in
            let client = try TestClient(port: server.port)
            for path in ["/a", "/b", "/c"] {
                try client.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                let r = try client.readResponse()
                #expect(r.status == 200)
                #expect(r.bodyText == "GET \(path)")
                #expect(r.headers["date"]?.hasSuffix("GMT") == true)
                #expect(r.headers["connection"] == nil)
            }
        }
    }

    @Test func pipelinedRequestsAnswerInOrder() throws {
        try withTestServer { server in
            let client = try TestClient(port: server.port)
            // A slow (asynchronous) response in the middle must not be overtaken.
            try client.send(
                "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /slow?ms=200 HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nfourGET /last HTTP/1.1\r\nHost: x\r\n\r\n"
            )
            #expect(try client.readResponse().bodyText == "GET /one")
            #expect(try client.readResponse().bodyText == "slow done")
            #expect(try client.readResponse().bodyText == "four")
            #expect(try client.readResponse().bodyText == "GET /last")
        }
    }

    /// Found by a review: every buffered request was parsed and answered in one pass, so a
    /// client pipelining requests without reading the answers made the server hold all of
    /// them (a megabyte of requests for `/metrics`: gigabytes). A pass stops at its budget and
    /// goes on only as the answers are written; all are answered, in order, once read.
    @Test func pipelinedRequestsOfAClientThatDoesNotReadAreAnsweredOnlyAsItReads() throws {
        let count = 100
        try withTestServer { server in
            TestHandler.hugeAnswered.store(0, ordering: .relaxed)
            let client = try TestClient(port: server.port)
            try client.send((0..<count).map { "GET /huge?\($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined())
            Thread.sleep(forTimeInterval: 1)
            // What the socket buffers hold, a few mebibytes: not the hundred.
            #expect(TestHandler.hugeAnswered.load(ordering: .relaxed) < 40)
            for n in 0..<count {
                let response = try client.readResponse()
                #expect(response.status == 200 && response.headers["x-n"] == "\(n)" && response.body.count == 1 << 20)
            }
            #expect(TestHandler.hugeAnswered.load(ordering: .relaxed) == count)
        }
    }

    @Test func http10WithAndWithoutKeepAlive() throws {
        try withTestServer { server in
            let plain = try TestClient(port: server.port)
            try plain.send("GET /old HTTP/1.0\r\n\r\n")
            let r1 = try plain.readResponse()
            #expect(r1.status == 200)
            #expect(r1.headers["connection"] == "close")
            #expect(plain.isClosedByPeer())

            let kept = try TestClient(port: server.port)
            try kept.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let r2 = try kept.readResponse()
            #expect(r2.headers["connection"] == "keep-alive")
            try kept.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try kept.readResponse().bodyText == "GET /b")
        }
    }

    @Test func connectionCloseIsHonoured() throws {
        try withTestServer { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let r = try client.readResponse()
            #expect(r.headers["connection"] == "close")
            #expect(client.isClosedByPeer())
        }
    }

    @Test func chunkedRequestBody() throws {
        try withTestServer { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nneon\r\n")
            try client.send("3;ext=1\r\nhub\r\n0\r\nTrailer-Field: t\r\n\r\n")
            let r = try client.readResponse()
            #expect(r.bodyText == "neonhub")
        }
    }

    @Test func expectContinue() throws {
        try withTestServer { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            let interim = try client.readResponse()
            #expect(interim.status == 100)
            try client.send("hello")
            let r = try client.readResponse()
            #expect(r.status == 200)
            #expect(r.bodyText == "hello")
        }
    }

    @Test func headHasHeadersButNoBody() throws {
        try withTestServer { server in
            let client = try TestClient(port: server.port)
            try client.send("HEAD /thing HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try client.readResponse(head: true)
            #expect(head.status == 200)
            #expect(head.headers["content-length"] == String("HEAD /thing".utf8.count))
            // The next response starts right after the head: no stray body bytes.
            #expect(try client.readResponse().bodyText == "GET /next")
        }
    }

    @Test func optionsAsterisk() throws {
        try withTestServer { server in
            let client = try TestClient(port: server.port)
            try client.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
            let r = try client.readResponse()
            #expect(r.status == 200)
            #expect(r.headers["allow"]?.contains("GET") == true)
        }
    }

    @Test func gzipWhenAcceptedAndLarge() throws {
        try withTestServer { server in
            let client = try TestClient(port: server.port)
            try client.send("GET /big HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br, gzip\r\n\r\n")
            let zipped = try client.readResponse()
            #expect(zipped.headers["content-encoding"] == "gzip")
            #expect(zipped.headers["vary"] == "Accept-Encoding")
            let plain = try #require(Gzip.decompress(zipped.body))
            #expect(String(decoding: plain, as: UTF8.self).hasPrefix("NeonHub says hello"))

            try client.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
            let unzipped = try client.readResponse()
            #expect(unzipped.headers["content-encoding"] == nil)
            #expect(unzipped.body.count == plain.count)

            try client.send("GET /small HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
            #expect(try client.readResponse().headers["content-encoding"] == nil)
        }
    }

    @Test func streamedResponseIsChunked() throws {
        try withTestServer { server in
            let client = try TestClient(port: server.port)
            try client.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            let r = try client.readResponse()
            #expect(r.headers["transfer-encoding"] == "chunked")
            #expect(r.bodyText == "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n")
            try client.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().bodyText == "GET /after")
        }
    }

    @Test func anAbortedRequestClosesItsConnectionWithoutAnAnswerAndTheServerServesOn() throws {
        try withTestServer { server in
            let client = try TestClient(port: server.port)
            client.setTimeout(5)
            try client.send("POST /abort HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\npost")
            #expect(client.isClosedByPeer(), "closed, and the answer given after the abort is not sent")
            let next = try TestClient(port: server.port)
            try next.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try next.readResponse().bodyText == "GET /after")
        }
    }

    /// Malformed requests and the status each must get.
    static let malformed: [(raw: String, status: Int)] = [
        ("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "b", count: 17_000) + "\r\n\r\n", 431),
        ("GET / HTTP/1.1\r\nHost: x\r\n" + (0..<101).map { "X-\($0): v\r\n" }.joined() + "\r\n", 431),
        ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400),
        ("GET / HTTP/1.1\nHost: x\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: br\r\n\r\n", 501),
        ("GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505),
    ]

    /// Every malformed request gets its status, `Connection: close`, and the socket closes.
    @Test(arguments: 0..<14)
    func malformedRequests(index: Int) throws {
        let (raw, status) = Self.malformed[index]
        try withTestServer { server in
            let client = try TestClient(port: server.port)
            try client.send(raw)
            let r = try client.readResponse()
            #expect(r.status == status)
            #expect(r.headers["connection"] == "close")
            #expect(client.isClosedByPeer())
            // The server is still serving others.
            let other = try TestClient(port: server.port)
            try other.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try other.readResponse().status == 200)
        }
    }

    @Test func oversizedBodyIsRefusedBeforeItIsSent() throws {
        try withTestServer { server in
            let client = try TestClient(port: server.port)
            // Head only, with Expect: the 413 must arrive without any body byte sent.
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000000\r\n\r\n")
            let r = try client.readResponse()
            #expect(r.status == 413)
        }
    }

    @Test func customErrorResponder() throws {
        try withTestServer({
            $0.errorResponse = { status, _ in HTTPResponse(status: status, contentType: "application/json", body: "{\"status\":\(status)}") }
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/9.9\r\nHost: x\r\n\r\n")
            let r = try client.readResponse()
            #expect(r.status == 505)
            #expect(r.bodyText == "{\"status\":505}")
        }
    }
}
