import Testing

@testable import HTTPCore

/// The parser must give the same answer however the bytes are split.
@Suite struct HTTPRequestParserTests {
    typealias Outcome = ParserHarness.Outcome

    /// Requests (possibly several pipelined) with what the parser must report for them.
    static let cases: [(name: String, raw: String, expected: [Outcome])] = [
        (
            "simple GET", "GET /health HTTP/1.1\r\nHost: a\r\n\r\n",
            [.request(method: "GET", target: "/health", headerCount: 1, body: [], keepAlive: true)]
        ),
        (
            "leading empty line", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
            [.request(method: "GET", target: "/", headerCount: 1, body: [], keepAlive: true)]
        ),
        (
            "content-length body", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
            [.request(method: "POST", target: "/echo", headerCount: 2, body: Array("hello".utf8), keepAlive: true)]
        ),
        (
            "chunked body with extension and trailer",
            "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;name=v\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n",
            [.request(method: "POST", target: "/u", headerCount: 2, body: Array("hello world".utf8), keepAlive: true)]
        ),
        (
            "pipelined three",
            "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\nPOST /c HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi",
            [
                .request(method: "GET", target: "/a", headerCount: 1, body: [], keepAlive: true),
                .request(method: "GET", target: "/b", headerCount: 1, body: [], keepAlive: true),
                .request(method: "POST", target: "/c", headerCount: 2, body: Array("hi".utf8), keepAlive: true),
            ]
        ),
        (
            "HTTP/1.0 defaults to close", "GET / HTTP/1.0\r\n\r\n",
            [.request(method: "GET", target: "/", headerCount: 0, body: [], keepAlive: false)]
        ),
        (
            "HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            [.request(method: "GET", target: "/", headerCount: 1, body: [], keepAlive: true)]
        ),
        (
            "connection close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            [.request(method: "GET", target: "/", headerCount: 2, body: [], keepAlive: false)]
        ),
        (
            "absolute form", "GET http://a.example/x?y=1 HTTP/1.1\r\nHost: a.example\r\n\r\n",
            [.request(method: "GET", target: "http://a.example/x?y=1", headerCount: 1, body: [], keepAlive: true)]
        ),
        (
            "options asterisk", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            [.request(method: "OPTIONS", target: "*", headerCount: 1, body: [], keepAlive: true)]
        ),
        (
            "identical duplicate content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
            [.request(method: "POST", target: "/", headerCount: 3, body: [120], keepAlive: true)]
        ),
        ("both CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [.error(status: 400)]),
        ("differing content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", [.error(status: 400)]),
        ("content-length list differing", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\nabcd", [.error(status: 400)]),
        ("non-numeric content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", [.error(status: 400)]),
        ("invalid chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", [.error(status: 400)]),
        ("chunk data without CRLF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n0\r\n\r\n", [.error(status: 400)]),
        // Found by the fuzzer: a CR at the end of one read followed by a non-LF in the next.
        ("bare CR after header block", "OPTIONS * HTTP/1.1\r\nHost: a\r\nst:;/ h\r\n\r;", [.error(status: 400)]),
        ("bare CR inside header", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", [.error(status: 400)]),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n  c\r\n\r\n", [.error(status: 400)]),
        ("bare LF in request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", [.error(status: 400)]),
        ("bare CR in request line", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", [.error(status: 400)]),
        ("whitespace before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", [.error(status: 400)]),
        ("missing host", "GET / HTTP/1.1\r\nX: y\r\n\r\n", [.error(status: 400)]),
        ("duplicate host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", [.error(status: 400)]),
        ("unknown transfer coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", [.error(status: 501)]),
        ("version 2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", [.error(status: 505)]),
        ("version 1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", [.error(status: 505)]),
        ("garbage version", "GET / HTTQ/1.1\r\nHost: a\r\n\r\n", [.error(status: 400)]),
        ("double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", [.error(status: 400)]),
        ("control char in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{1}b\r\n\r\n", [.error(status: 400)]),
        ("unsupported expectation", "POST / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx", [.error(status: 417)]),
        ("body too large", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\n", [.error(status: 413)]),
    ]

    @Test("each case, delivered whole", arguments: 0..<cases.count)
    func whole(_ index: Int) {
        let c = Self.cases[index]
        #expect(ParserHarness.run(Array(c.raw.utf8), splits: []) == c.expected, "\(c.name)")
    }

    @Test("each case, split at every byte offset", arguments: 0..<cases.count)
    func everySplit(_ index: Int) {
        let c = Self.cases[index]
        let bytes = Array(c.raw.utf8)
        for offset in 1..<bytes.count {
            let outcomes = ParserHarness.run(bytes, splits: [offset]).filter { $0 != .continueExpected }
            #expect(outcomes == c.expected, "\(c.name) split at \(offset)")
        }
    }

    @Test("each case, delivered one byte at a time", arguments: 0..<cases.count)
    func byteByByte(_ index: Int) {
        let c = Self.cases[index]
        let bytes = Array(c.raw.utf8)
        let outcomes = ParserHarness.run(bytes, splits: Array(1..<bytes.count)).filter { $0 != .continueExpected }
        #expect(outcomes == c.expected, "\(c.name)")
    }

    @Test func requestLineLimitIs414() {
        let raw = "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(ParserHarness.run(Array(raw.utf8), splits: []) == [.error(status: 414)])
        // Detected before the line ends: no unbounded buffering.
        let partial = "GET /" + String(repeating: "a", count: 8200)
        #expect(ParserHarness.run(Array(partial.utf8), splits: []) == [.error(status: 414)])
    }

    @Test func headerBlockLimitIs431() {
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: 17 * 1024) + "\r\n\r\n"
        #expect(ParserHarness.run(Array(big.utf8), splits: []) == [.error(status: 431)])
        var many = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 0..<101 { many += "X-\(i): v\r\n" }
        many += "\r\n"
        #expect(ParserHarness.run(Array(many.utf8), splits: []) == [.error(status: 431)])
    }

    @Test func expectContinueIsReportedBeforeTheBody() {
        let head = "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
        let outcomes = ParserHarness.run(Array((head + "abc").utf8), splits: [head.utf8.count])
        #expect(outcomes == [.continueExpected, .request(method: "POST", target: "/echo", headerCount: 3, body: Array("abc".utf8), keepAlive: true)])
    }

    @Test func chunkedBodyOverLimitIs413() {
        let limits = HTTPParserLimits(maxBodyBytes: 8)
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"
        #expect(ParserHarness.run(Array(raw.utf8), splits: [], limits: limits) == [.error(status: 413)])
    }

    @Test func targetSplitsIntoPathAndQuery() {
        let r = HTTPRequest(method: "GET", target: "/trpc/a,b?batch=1&input=%7B%7D")
        #expect(r.path == "/trpc/a,b")
        #expect(r.query == "batch=1&input=%7B%7D")
        let abs = HTTPRequest(method: "GET", target: "http://h:1/p?q")
        #expect(abs.path == "/p")
        #expect(abs.query == "q")
    }
}
