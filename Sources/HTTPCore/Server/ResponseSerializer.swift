import HTTPFields

/// Renders responses into wire bytes: status line, handler headers, `Date`,
/// `Content-Length`/`Transfer-Encoding`, `Connection`, and gzip when negotiated.
enum ResponseSerializer {
    /// Precomputed `HTTP/1.1 NNN Reason\r\n` lines.
    private static let statusLines: [[UInt8]] = (0..<600).map { code in
        Array("HTTP/1.1 \(code) \(HTTPStatus.reasonPhrase(code))\r\n".utf8)
    }

    /// Header names the server owns: a handler's values for these are dropped.
    private static func isServerOwned(_ name: String) -> Bool {
        HTTPHeaders.equalsIgnoringCase(name, "content-length")
            || HTTPHeaders.equalsIgnoringCase(name, "transfer-encoding")
            || HTTPHeaders.equalsIgnoringCase(name, "connection")
            || HTTPHeaders.equalsIgnoringCase(name, "date")
            || HTTPHeaders.equalsIgnoringCase(name, "keep-alive")
    }

    static func statusLine(_ status: Int) -> [UInt8] {
        (100..<600).contains(status) ? statusLines[status] : Array("HTTP/1.1 \(status) Unknown\r\n".utf8)
    }

    /// Whether this status never carries a body.
    static func forbidsBody(_ status: Int) -> Bool { status < 200 || status == 204 || status == 304 }

    private static let uncompressible = ["image/", "video/", "audio/", "application/gzip", "application/zip", "font/woff"]

    static func shouldCompress(_ response: HTTPResponse, context: ResponseContext, minimum: Int) -> Bool {
        guard context.acceptsGzip, response.body.count >= minimum, !forbidsBody(response.status),
            !response.headers.contains("content-encoding")
        else { return false }
        let type = response.headers["content-type"]?.lowercased() ?? ""
        return !uncompressible.contains { type.hasPrefix($0) }
    }

    /// Appends a complete response. `close` says whether the connection closes after it.
    static func write(
        _ response: HTTPResponse, context: ResponseContext, close: Bool, dateLine: [UInt8],
        gzipMinimum: Int, into out: inout OutputQueue
    ) {
        var body = response.body
        var headers = response.headers
        if shouldCompress(response, context: context, minimum: gzipMinimum), let compressed = Gzip.compress(body),
            compressed.count < body.count
        {
            body = compressed
            headers.add(name: "Content-Encoding", value: "gzip")
            headers.add(name: "Vary", value: "Accept-Encoding")
        }
        let sendBody = !context.isHead && !forbidsBody(response.status)
        out.withTail { buf in
            writeHead(status: response.status, headers: headers, context: context, close: close, dateLine: dateLine, into: &buf)
            if !forbidsBody(response.status) {
                appendContentLength(body.count, into: &buf)
            }
            buf.append(13); buf.append(10)
            if sendBody && body.count < 4096 { buf.append(contentsOf: body) }
        }
        if sendBody && body.count >= 4096 { out.append(body) }
    }

    /// Appends the head of a streamed response (chunked for HTTP/1.1, close-delimited for 1.0).
    static func writeStreamHead(status: Int, headers: HTTPHeaders, context: ResponseContext, dateLine: [UInt8], into out: inout OutputQueue) {
        let chunked = context.version == .http1_1
        out.withTail { buf in
            writeHead(status: status, headers: headers, context: context, close: !chunked || !context.keepAlive, dateLine: dateLine, into: &buf)
            if chunked { buf.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8) }
            buf.append(13); buf.append(10)
        }
    }

    private static func writeHead(
        status: Int, headers: HTTPHeaders, context: ResponseContext, close: Bool,
        dateLine: [UInt8], into buf: inout [UInt8]
    ) {
        buf.append(contentsOf: statusLine(status))
        for field in headers where !isServerOwned(field.name) {
            buf.append(contentsOf: field.name.utf8)
            buf.append(58); buf.append(32)
            appendFieldValue(field.value, into: &buf)
            buf.append(13); buf.append(10)
        }
        buf.append(contentsOf: dateLine)
        if close {
            buf.append(contentsOf: "Connection: close\r\n".utf8)
        } else if context.version == .http1_0 {
            buf.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
    }

    /// A header value as sent: CR, LF and NUL, which would end the header early (and let a value
    /// taken from a request write headers of its own), become spaces (RFC 9110 §5.5).
    static func appendFieldValue(_ value: String, into buf: inout [UInt8]) {
        let utf8 = value.utf8
        guard utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
            buf.append(contentsOf: utf8)
            return
        }
        for byte in utf8 { buf.append(byte == 13 || byte == 10 || byte == 0 ? 32 : byte) }
    }

    private static func appendContentLength(_ length: Int, into buf: inout [UInt8]) {
        buf.append(contentsOf: "Content-Length: ".utf8)
        appendDecimal(length, into: &buf)
        buf.append(13); buf.append(10)
    }

    static func appendDecimal(_ value: Int, into buf: inout [UInt8]) {
        if value == 0 { buf.append(48); return }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = value, count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while n > 0 { d[count] = UInt8(48 + n % 10); n /= 10; count += 1 }
            for k in stride(from: count - 1, through: 0, by: -1) { buf.append(d[k]) }
        }
    }

    /// One chunk of a chunked body.
    static func chunk(_ bytes: [UInt8], into out: inout OutputQueue) {
        guard !bytes.isEmpty else { return }
        out.withTail { buf in
            buf.append(contentsOf: String(bytes.count, radix: 16).utf8)
            buf.append(13); buf.append(10)
            if bytes.count < 4096 { buf.append(contentsOf: bytes); buf.append(13); buf.append(10) }
        }
        if bytes.count >= 4096 {
            out.append(bytes)
            out.append([13, 10])
        }
    }
}
