import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// Our RFC 5322 / MIME builder, read back by the independent `MIMEReader` of the test support
/// (RFC 5322, 2045–2047, 2231): encodings, structure, line endings and refused header values.
@Suite struct MIMEMessageTests {
    static let date = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18 11:06:40 UTC

    static func message(text: String? = "Hello", html: String? = nil) throws -> MIMEMessage {
        var message = MIMEMessage(to: [try MailAddress("ada@example.com")], subject: "Hello", text: text, html: html, date: date)
        message.from = try MailAddress("avery@example.com", name: "Avery Example")
        return message
    }

    static func counter() -> () -> String {
        var n = 0
        return {
            n += 1; return "b\(n)"
        }
    }

    @Test func aPlainASCIIMessageIsOneSevenBitPartWithEveryLineEndingInCRLF() throws {
        let data = try Self.message(text: "Line one\nLine two\r\nLine three\rEnd").render()
        let text = String(decoding: data, as: UTF8.self)
        #expect(
            text
                == [
                    "From: Avery Example <avery@example.com>", "To: ada@example.com", "Subject: Hello", "Date: Wed, 18 Nov 2026 11:06:40 +0000",
                    "MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: 7bit", "",
                    "Line one", "Line two", "Line three", "End",
                ].joined(separator: "\r\n"))
        let parsed = try MIMEReader.parse(data)
        #expect(parsed.text == "Line one\r\nLine two\r\nLine three\r\nEnd")
    }

    @Test func utf8SubjectsAndNamesAreEncodedWordsOfAtMost75Characters() throws {
        var message = try Self.message()
        message.subject = "Ünïcödé subject with emoji 🎉 and a long tail that will not fit in one encoded word at all"
        message.to = [try MailAddress("bo@example.org", name: "Bø Lindqvist"), try MailAddress("cy@example.org", name: "Lovelace, Ada")]
        let data = try message.render()
        let parsed = try MIMEReader.parse(data)
        #expect(parsed.decodedHeader("Subject") == message.subject)
        let words = (parsed.header("Subject") ?? "").split(separator: " ")
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") && $0.count <= 75 })
        #expect(parsed.decodedHeader("To") == "Bø Lindqvist <bo@example.org>, \"Lovelace, Ada\" <cy@example.org>")
        #expect(parsed.addresses("To") == ["bo@example.org", "cy@example.org"])
        // Every header line is ASCII and no line is longer than 998 octets (the reader checks both).
        #expect(String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
    }

    @Test func textAndHTMLAreAlternativesAndAttachmentsMixedWithBase64Bodies() throws {
        var message = try Self.message(text: "Plain ✓", html: "<p>Rich</p>")
        let bytes = Data((0..<300).map { UInt8($0 % 256) })
        message.attachments = [
            MIMEMessage.Attachment(filename: "report.pdf", contentType: "application/pdf", data: bytes),
            MIMEMessage.Attachment(filename: "ünï.txt", contentType: "text/plain", data: Data("x".utf8)),
        ]
        let data = try message.render(boundary: Self.counter())
        let parsed = try MIMEReader.parse(data)
        #expect(parsed.mediaType == "multipart/mixed")
        #expect(parsed.parameters["boundary"] == "b2", "the inner alternative took the first boundary")
        #expect(parsed.parts.map(\.mediaType) == ["multipart/alternative", "application/pdf", "text/plain"])
        #expect(parsed.parts[0].parts.map(\.mediaType) == ["text/plain", "text/html"])
        #expect(parsed.parts[0].parts[0].text == "Plain ✓")
        #expect(parsed.parts[0].parts[0].header("Content-Transfer-Encoding") == "base64")
        #expect(parsed.parts[1].body == bytes)
        #expect(parsed.parts[1].parameters["name"] == "report.pdf")
        #expect(parsed.parts[1].dispositionParameters["filename"] == "report.pdf")
        #expect(parsed.parts[2].dispositionParameters["filename"] == "ünï.txt", "RFC 2231 for a non-ASCII file name")
        let base64Lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n").filter { $0.count == 76 }
        #expect(!base64Lines.isEmpty, "long base64 bodies are wrapped at 76 characters")
    }

    @Test func aBoundaryFoundInAPartIsNeverUsed() throws {
        var message = try Self.message(text: "--b1 is in this text", html: "<p>x</p>")
        message.attachments = []
        let data = try message.render(boundary: Self.counter())
        let parsed = try MIMEReader.parse(data)
        #expect(parsed.parameters["boundary"] == "b2")
        #expect(parsed.parts.first?.text == "--b1 is in this text")
    }

    @Test func repliesCarryInReplyToAndTheReferencesChain() throws {
        var message = try Self.message()
        message.inReplyTo = "CAExample123@mail.gmail.com"
        message.references = ["<first@mail.example.com>"]
        let parsed = try MIMEReader.parse(try message.render())
        #expect(parsed.header("In-Reply-To") == "<CAExample123@mail.gmail.com>")
        #expect(parsed.header("References") == "<first@mail.example.com> <CAExample123@mail.gmail.com>")
    }

    @Test func headerInjectionAndMalformedValuesAreRefused() throws {
        for bad in ["Hi\r\nBcc: x@example.com", "Hi\nX: 1", "Hi\rX: 1", "Hi\0"] {
            var message = try Self.message()
            message.subject = bad
            #expect(throws: ConnectorError.self) { try message.render() }
        }
        #expect(throws: ConnectorError.self) { try MailAddress("ada@example.com", name: "Ada\r\nBcc: x@example.com") }
        for address in ["ada@example.com\r\nBcc: x@example.com", "ada", "a b@example.com", "ada@localhost", "ädä@example.com", "<ada@example.com>"] {
            #expect(throws: ConnectorError.self) { try MailAddress(address) }
        }
        var attachment = try Self.message()
        attachment.attachments = [MIMEMessage.Attachment(filename: "a.txt", contentType: "text/plain\r\nX-Evil: 1", data: Data())]
        #expect(throws: ConnectorError.self) { try attachment.render() }
        var reply = try Self.message()
        reply.inReplyTo = "not a message id"
        #expect(throws: ConnectorError.self) { try reply.render() }
        #expect(throws: ConnectorError.self) { try Self.message(text: nil, html: nil).render() }
    }

    @Test func theComposerEncodesBase64URLAndBoundsTheSize() throws {
        let input: JSONValue = .object(["to": .array([.string("ada@example.com")]), "subject": .string("?>?>"), "text": .string("ÿÿÿ~~~???")])
        let raw = try GmailComposer.raw(input, account: "avery@example.com", maxBytes: 10_000, date: Self.date)
        #expect(!raw.contains("+") && !raw.contains("/"))
        let decoded = try #require(Data(base64URL: raw))
        #expect(decoded.base64EncodedString().contains { "+/".contains($0) }, "the same bytes in plain base64 would need + or /")
        let parsed = try MIMEReader.parse(decoded)
        #expect(parsed.addresses("From") == ["avery@example.com"])
        #expect(parsed.text == "ÿÿÿ~~~???")
        let big: JSONValue = .object([
            "to": .array([.string("ada@example.com")]), "subject": .string("Big"), "text": .string("x"),
            "attachments": .array([
                .object([
                    "filename": .string("big.bin"), "contentType": .string("application/octet-stream"),
                    "contentBase64": .string(Data(count: 20_000).base64EncodedString()),
                ])
            ]),
        ])
        let error = #expect(throws: ConnectorError.self) { try GmailComposer.raw(big, account: nil, maxBytes: 10_000) }
        #expect(error?.code == .invalidInput)
    }
}
