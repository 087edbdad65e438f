import HTTPFields
import Testing

@testable import HTTPCore

@Suite struct EncodingTests {
    @Test func gzipRoundTrips() throws {
        let text = Array(String(repeating: "compress me please ", count: 200).utf8)
        let compressed = try #require(Gzip.compress(text))
        #expect(compressed.count < text.count / 4)
        #expect(compressed.prefix(2) == [0x1f, 0x8b])
        #expect(Gzip.decompress(compressed) == text)
    }

    @Test func acceptEncodingNegotiation() {
        #expect(Gzip.isAccepted(by: "gzip, deflate, br"))
        #expect(Gzip.isAccepted(by: "br;q=1.0, GZIP;q=0.5"))
        #expect(!Gzip.isAccepted(by: "gzip;q=0"))
        #expect(!Gzip.isAccepted(by: "identity"))
        #expect(Gzip.isAccepted(by: "*"))
        #expect(!Gzip.isAccepted(by: "*, gzip;q=0"))
    }

    @Test func imfFixdate() {
        #expect(DateCache.imfFixdate(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    /// A value carrying CR or LF (say, a redirect target taken from a request) cannot end its
    /// header and start one of its own.
    @Test func aHeaderValueCannotStartAnotherHeader() {
        var buf: [UInt8] = []
        ResponseSerializer.appendFieldValue("/x\r\nSet-Cookie: a=b\u{0}", into: &buf)
        #expect(String(decoding: buf, as: UTF8.self) == "/x  Set-Cookie: a=b ")
        buf = []
        ResponseSerializer.appendFieldValue("text/html; charset=\u{00e9}", into: &buf)
        #expect(String(decoding: buf, as: UTF8.self) == "text/html; charset=\u{00e9}")
    }

    @Test func headersAreCaseInsensitive() {
        var h: HTTPHeaders = ["Content-Type": "a", "X-List": "one, Two"]
        #expect(h["content-type"] == "a")
        #expect(h.containsToken("two", in: "x-list"))
        h.replaceOrAdd(name: "CONTENT-TYPE", value: "b")
        #expect(h.values(for: "content-type") == ["b"])
    }
}
