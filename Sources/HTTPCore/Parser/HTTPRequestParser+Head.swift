import HTTPFields

/// How the body of a request is delimited.
enum BodyFraming: Equatable {
    case none
    case length(Int)
    case chunked
}

extension HTTPRequestParser {
    /// Parses a complete head (`input[0..<headEnd]`, ending in CRLF CRLF) and decides framing.
    func buildRequest(_ input: UnsafeBufferPointer<UInt8>, headEnd: Int) -> Result<(HTTPRequest, BodyFraming, Bool), HTTPParseError> {
        // Request line.
        var lineEnd = 0
        while input[lineEnd] != ByteClass.cr { lineEnd += 1 }
        var i = 0
        while i < lineEnd, ByteClass.isToken(input[i]) { i += 1 }
        guard i > 0, i < lineEnd, input[i] == ByteClass.sp else { return .failure(.bad("malformed request line")) }
        let method = Self.string(input, 0, i)
        i += 1
        let targetStart = i
        while i < lineEnd, ByteClass.isTargetByte(input[i]) { i += 1 }
        guard i > targetStart, i < lineEnd, input[i] == ByteClass.sp else { return .failure(.bad("malformed request line")) }
        let target = Self.string(input, targetStart, i)
        i += 1
        guard let version = Self.parseVersion(input, i, lineEnd) else {
            return .failure(.bad("malformed HTTP version"))
        }
        guard version.major == 1, version.minor == 0 || version.minor == 1 else {
            return .failure(.init(status: 505, reason: "HTTP version not supported"))
        }
        guard target.utf8.first == UInt8(ascii: "/") || target == "*" || target.contains("://") else {
            return .failure(.bad("unsupported request target"))
        }
        if target == "*" && method != "OPTIONS" { return .failure(.bad("asterisk-form is only for OPTIONS")) }

        // Header fields.
        var headers = HTTPHeaders()
        var pos = lineEnd + 2
        while pos < headEnd - 2 {
            var end = pos
            while input[end] != ByteClass.cr { end += 1 }
            let first = input[pos]
            if first == ByteClass.sp || first == ByteClass.ht { return .failure(.bad("obsolete line folding")) }
            var colon = pos
            while colon < end, ByteClass.isToken(input[colon]) { colon += 1 }
            guard colon > pos, colon < end, input[colon] == UInt8(ascii: ":") else {
                return .failure(.bad("malformed header field"))
            }
            var vs = colon + 1, ve = end
            while vs < ve, input[vs] == ByteClass.sp || input[vs] == ByteClass.ht { vs += 1 }
            while ve > vs, input[ve - 1] == ByteClass.sp || input[ve - 1] == ByteClass.ht { ve -= 1 }
            for k in vs..<ve where !ByteClass.isFieldValueByte(input[k]) {
                return .failure(.bad("invalid character in header value"))
            }
            headers.add(name: Self.string(input, pos, colon), value: Self.string(input, vs, ve))
            pos = end + 2
        }
        return decideFraming(method: method, target: target, version: version, headers: headers)
    }

    private func decideFraming(method: String, target: String, version: HTTPVersion, headers: HTTPHeaders) -> Result<
        (HTTPRequest, BodyFraming, Bool), HTTPParseError
    > {
        var hostCount = 0
        var transferEncodings: [String] = []
        var contentLengths: [Substring] = []
        var expect: String?
        for field in headers {
            if HTTPHeaders.equalsIgnoringCase(field.name, "host") {
                hostCount += 1
            } else if HTTPHeaders.equalsIgnoringCase(field.name, "content-length") {
                contentLengths.append(
                    contentsOf: field.value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingASCIIWhitespace() })
            } else if HTTPHeaders.equalsIgnoringCase(field.name, "transfer-encoding") {
                transferEncodings.append(
                    contentsOf: field.value.split(separator: ",").map { $0.trimmingASCIIWhitespace().lowercased() }.filter { !$0.isEmpty })
            } else if HTTPHeaders.equalsIgnoringCase(field.name, "expect") {
                expect = field.value
            }
        }
        if hostCount > 1 { return .failure(.bad("duplicate Host header")) }
        if hostCount == 0 && version == .http1_1 { return .failure(.bad("missing Host header")) }

        var framing = BodyFraming.none
        if !transferEncodings.isEmpty || headers.contains("transfer-encoding") {
            if !contentLengths.isEmpty { return .failure(.bad("both Content-Length and Transfer-Encoding")) }
            if version == .http1_0 { return .failure(.bad("Transfer-Encoding in an HTTP/1.0 request")) }
            if transferEncodings.contains(where: { $0 != "chunked" }) {
                return .failure(.init(status: 501, reason: "transfer coding not implemented"))
            }
            guard transferEncodings.count == 1 else { return .failure(.bad("invalid Transfer-Encoding")) }
            framing = .chunked
        } else if let first = contentLengths.first {
            guard let length = Self.parseLength(first) else { return .failure(.bad("invalid Content-Length")) }
            for other in contentLengths.dropFirst() where other != first {
                return .failure(.bad("conflicting Content-Length values"))
            }
            if length > limits.maxBodyBytes { return .failure(.init(status: 413, reason: "request body too large")) }
            if length > 0 { framing = .length(length) }
        }

        var expectsContinue = false
        if let expect {
            guard HTTPHeaders.equalsIgnoringCase(expect.trimmingASCIIWhitespace(), "100-continue") else {
                return .failure(.init(status: 417, reason: "unsupported expectation"))
            }
            expectsContinue = version == .http1_1 && framing != .none
        }

        let keepAlive: Bool
        if version == .http1_1 {
            keepAlive = !headers.containsToken("close", in: "connection")
        } else {
            keepAlive = headers.containsToken("keep-alive", in: "connection") && !headers.containsToken("close", in: "connection")
        }
        let request = HTTPRequest(method: method, target: target, version: version, headers: headers, keepAlive: keepAlive)
        return .success((request, framing, expectsContinue))
    }

    static func string(_ input: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: input[from..<to]), as: UTF8.self)
    }

    /// `HTTP/D.D` exactly.
    static func parseVersion(_ input: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> HTTPVersion? {
        guard to - from == 8 else { return nil }
        let prefix: [UInt8] = Array("HTTP/".utf8)
        for k in 0..<5 where input[from + k] != prefix[k] { return nil }
        let major = input[from + 5], dot = input[from + 6], minor = input[from + 7]
        guard (48...57).contains(major), dot == UInt8(ascii: "."), (48...57).contains(minor) else { return nil }
        return HTTPVersion(major: Int(major - 48), minor: Int(minor - 48))
    }

    /// 1*DIGIT, at most 18 digits.
    static func parseLength(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.utf8.count <= 18 else { return nil }
        var value = 0
        for c in s.utf8 {
            guard c >= 48 && c <= 57 else { return nil }
            value = value * 10 + Int(c - 48)
        }
        return value
    }
}
