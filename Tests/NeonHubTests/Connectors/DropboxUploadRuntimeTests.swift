import Foundation
import HTTPFields
import TestSupport
import Testing

@testable import NeonHub

/// `files.upload` (flow `dropbox.upload`) run by the real runtime against the Dropbox fake, which
/// follows the content-upload reference
/// (https://www.dropbox.com/developers/documentation/http/documentation#files-upload): the
/// arguments as HTTP-header-safe JSON in `Dropbox-API-Arg`, the raw bytes as
/// `application/octet-stream` on the content host, and Dropbox's conflict and limit answers.
@Suite struct DropboxUploadRuntimeTests {
    func withDropbox(_ body: (DropboxFake, ConnectorRuntime, String) async throws -> Void) async throws {
        try await DropboxRuntimeTests().withDropbox { fake, runtime in try await body(fake, runtime, fake.issueToken()) }
    }

    static func upload(_ runtime: ConnectorRuntime, token: String, _ input: [String: JSONValue]) async throws -> ConnectorResult {
        try await runtime.execute(ConnectorCall(connector: "dropbox", action: "files.upload", input: .object(input))) { _ in .token(token) }
    }

    @Test func theBytesGoToTheContentHostWithHeaderSafeArguments() async throws {
        try await withDropbox { fake, runtime, token in
            let bytes = YouTubeTestSupport.file(50_000)
            let path = "/NeonHub/Präsentation – Q4 😀.pdf"
            let result = try await Self.upload(
                runtime, token: token, ["path": .string(path), "contentBase64": .string(Data(bytes).base64EncodedString())])
            let sent = try #require(fake.requests("POST", "/2/files/upload").last)
            #expect(sent.header("Authorization") == "Bearer \(token)")
            #expect(sent.header("Content-Type") == "application/octet-stream")
            #expect(sent.body == bytes)
            let argument = try #require(sent.header("Dropbox-API-Arg"))
            #expect(argument.utf8.allSatisfy { $0 < 0x7F }, "only ASCII in the header: \(argument)")
            #expect(argument.contains(#"\u00e4"#) && argument.contains(#"\u2013"#) && argument.contains(#"\ud83d\ude00"#))
            let decoded = try #require(try JSONSerialization.jsonObject(with: Data(argument.utf8)) as? [String: Any])
            #expect(decoded["path"] as? String == path, "the escapes decode to the path as given")
            #expect(decoded["mode"] as? String == "add" && decoded["autorename"] as? Bool == true && decoded["mute"] as? Bool == false)
            let stored = try #require(fake.file(at: path))
            #expect(stored.bytes == bytes)
            #expect(result.output["id"] == .string(stored.id))
            #expect(result.output["path"] == .string(path))
            #expect(result.output["size"] == .number(50_000))
            #expect(result.output["contentHash"] == .string(DropboxFake.contentHash(bytes)))
        }
    }

    @Test func aTakenPathIsRenamedOrRefusedAsAskedAndAFetchedFileIsSent() async throws {
        try await withDropbox { fake, runtime, token in
            _ = fake.store(path: "/reports/weekly.pdf", bytes: Array("old".utf8))
            let bytes = YouTubeTestSupport.file(9_000)
            let media = FakeProviderServer()
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/pdf")
            media.on("GET", "/weekly.pdf", reply: FakeProviderServer.Reply(status: 200, headers: headers, body: bytes))
            try media.start()
            let renamed = try await Self.upload(
                runtime, token: token, ["path": .string("/reports/weekly.pdf"), "sourceUrl": .string("\(media.baseURL)/weekly.pdf")])
            await media.stopWithoutBlocking()
            #expect(renamed.output["path"] == .string("/reports/weekly (1).pdf"))
            #expect(fake.file(at: "/reports/weekly (1).pdf")?.bytes == bytes)
            #expect(fake.file(at: "/reports/weekly.pdf")?.bytes == Array("old".utf8), "the file there is untouched")

            let refused = await #expect(throws: ConnectorError.self) {
                try await Self.upload(
                    runtime, token: token,
                    ["path": .string("/reports/weekly.pdf"), "autorename": .bool(false), "contentBase64": .string("bmV3")])
            }
            #expect(refused?.code == .providerRejected)
            #expect(refused?.providerCode == "conflict", "error.reason..tag: the upload's own reason")
            #expect(refused?.message.contains("conflict") == true)
        }
    }

    @Test func aThrottledUploadIsNotRepeatedAndSaysWhy() async throws {
        try await withDropbox { fake, runtime, token in
            fake.failNext(.rateLimited(reason: "too_many_write_operations", retryAfter: 1), endpoint: "files/upload")
            let limited = await #expect(throws: ConnectorError.self) {
                try await Self.upload(runtime, token: token, ["path": .string("/a.txt"), "contentBase64": .string("YQ==")])
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "too_many_write_operations")
            #expect(fake.requests("POST", "/2/files/upload").count == 1, "an upload is a write: not repeated by the client")
            #expect(fake.uploads.isEmpty)
        }
    }

    @Test func theFileMustBeGivenOnceAndThePathMustBeAbsolute() async throws {
        try await withDropbox { fake, runtime, token in
            let cases: [[String: JSONValue]] = [
                ["path": .string("/a.txt")],
                ["path": .string("/a.txt"), "contentBase64": .string("YQ=="), "sourceUrl": .string("https://a.example/a.txt")],
                ["path": .string("/a.txt"), "contentBase64": .string("")],
            ]
            for input in cases {
                let refused = await #expect(throws: ConnectorError.self) { try await Self.upload(runtime, token: token, input) }
                #expect(refused?.code == .invalidInput)
            }
            #expect(fake.requests("POST", "/2/files/upload").isEmpty)
        }
    }

    @Test func headerSafeJSONEscapesEverythingOutsideASCII() {
        #expect(DropboxUploadFlow.headerSafe(#"{"path":"/a.txt"}"#) == #"{"path":"/a.txt"}"#)
        #expect(DropboxUploadFlow.headerSafe(#"{"path":"/é"}"#) == #"{"path":"/\u00e9"}"#)
        #expect(DropboxUploadFlow.headerSafe("\u{7F}😀") == #"\u007f\ud83d\ude00"#)
    }
}
