import Foundation
import HTTPFields
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// `files.upload` (flow `google-drive.resumableUpload`) run by the real runtime against the Drive
/// fake, which follows the resumable upload guide
/// (https://developers.google.com/workspace/drive/api/guides/manage-uploads#resumable): the
/// session request field by field, the bytes PUT, and resumption from the byte Drive reports after
/// a 5xx or a dropped connection.
@Suite struct GoogleDriveUploadRuntimeTests {
    static let flow = GoogleDriveUploadFlow(
        maxBytes: 4 * 1_048_576, maxInterruptions: 3, pause: .milliseconds(10), putTimeout: .seconds(1), statusTimeout: .seconds(5))

    func withDrive(_ body: (GoogleDriveFake, ConnectorRuntime, String) async throws -> Void) async throws {
        let oauth = GoogleOAuthFake()
        // A dropped PUT is held longer than the flow's 1 s bound.
        let fake = GoogleDriveFake(oauth: oauth, dropFor: .seconds(4))
        try oauth.start()
        try fake.start()
        let runtime = ConnectorRuntime(
            catalog: try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory),
            client: OutboundClient.quickRetries(label: "google-drive"), baseURLOverrides: ["google-drive": fake.server.baseURL],
            flows: ConnectorFlowRegistry([Self.flow]), allowPrivateMediaHosts: true)
        do {
            try await body(fake, runtime, oauth.issueTokens(scopes: GoogleDriveRuntimeTests.scopes).accessToken)
            await fake.stopWithoutBlocking()
            await oauth.stopWithoutBlocking()
        } catch {
            await fake.stopWithoutBlocking()
            await oauth.stopWithoutBlocking()
            throw error
        }
    }

    static func upload(_ runtime: ConnectorRuntime, token: String, _ input: [String: JSONValue]) async throws -> ConnectorResult {
        try await runtime.execute(ConnectorCall(connector: "google-drive", action: "files.upload", input: .object(input))) { _ in .token(token) }
    }

    /// Serves `bytes` as `GET /file` with `contentType`.
    static func mediaHost(_ bytes: [UInt8], contentType: String) throws -> FakeProviderServer {
        let host = FakeProviderServer()
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        host.on("GET", "/file", reply: FakeProviderServer.Reply(status: 200, headers: headers, body: bytes))
        try host.start()
        return host
    }

    @Test func inlineBytesOpenASessionWithTheMetadataAndArriveInOnePut() async throws {
        try await withDrive { fake, runtime, token in
            let bytes = YouTubeTestSupport.file(70_000)
            let result = try await Self.upload(
                runtime, token: token,
                [
                    "name": .string("brief.pdf"), "mimeType": .string("application/pdf"), "parentId": .string(GoogleDriveFake.campaignFolder),
                    "contentBase64": .string(Data(bytes).base64EncodedString()),
                ])
            let start = try #require(fake.server.requests("POST", "/upload/drive/v3/files").first)
            #expect(start.queryItems["uploadType"] == ["resumable"])
            #expect(start.header("Authorization") == "Bearer \(token)")
            #expect(start.header("X-Upload-Content-Type") == "application/pdf")
            #expect(start.header("X-Upload-Content-Length") == "70000")
            let metadata = try #require(start.json as? [String: Any])
            #expect(metadata["name"] as? String == "brief.pdf" && metadata["mimeType"] as? String == "application/pdf")
            #expect(metadata["parents"] as? [String] == [GoogleDriveFake.campaignFolder])
            let puts = fake.server.requests("PUT", "/upload/drive/v3/files")
            #expect(puts.count == 1 && puts.first?.header("Content-Range") == nil)
            let id = try #require(JSONPath.text(result.output["id"]))
            #expect(fake.bytes(of: id) == bytes)
            #expect(fake.file(id)?.parents == [GoogleDriveFake.campaignFolder])
            #expect(result.output["name"] == .string("brief.pdf"))
            #expect(result.output["bytes"] == .number(70_000) && result.output["resumes"] == .number(0))
            #expect(JSONPath.text(result.output["url"])?.contains(id) == true, "webViewLink, asked for in the session's fields")
        }
    }

    @Test func aFailedPutIsResumedFromTheByteDriveReports() async throws {
        try await withDrive { fake, runtime, token in
            let bytes = YouTubeTestSupport.file(600_000)
            let media = try Self.mediaHost(bytes, contentType: "video/mp4")
            fake.failNextUpload(after: 262_144, status: 503)
            let result = try await Self.upload(
                runtime, token: token, ["name": .string("clip.mp4"), "mimeType": .string("video/mp4"), "sourceUrl": .string("\(media.baseURL)/file")])
            await media.stopWithoutBlocking()
            let puts = fake.server.requests("PUT", "/upload/drive/v3/files")
            #expect(puts.map { $0.header("Content-Range") } == [nil, "bytes */600000", "bytes 262144-599999/600000"])
            #expect(puts.last?.body == Array(bytes[262_144...]), "only what Drive did not hold is sent again")
            let id = try #require(JSONPath.text(result.output["id"]))
            #expect(fake.bytes(of: id) == bytes)
            #expect(result.output["resumes"] == .number(1))
            #expect(fake.uploadSessions.count == 1, "one session: nothing was uploaded twice")
        }
    }

    @Test func aDroppedConnectionIsAskedAboutAndResumed() async throws {
        try await withDrive { fake, runtime, token in
            let bytes = YouTubeTestSupport.file(300_000)
            fake.dropNextUpload(after: 100_000)
            let result = try await Self.upload(
                runtime, token: token,
                [
                    "name": .string("a.bin"), "mimeType": .string("application/octet-stream"),
                    "contentBase64": .string(Data(bytes).base64EncodedString()),
                ])
            let id = try #require(JSONPath.text(result.output["id"]))
            #expect(fake.bytes(of: id) == bytes)
            #expect(result.output["resumes"] == .number(1))
            #expect(fake.files.filter { $0.name == "a.bin" }.count == 1)
        }
    }

    @Test func aConversionSendsTheFetchedTypeAsTheUploadType() async throws {
        #expect(GoogleDriveUploadFlow.uploadType(mimeType: "image/png", fetched: "text/html") == "image/png")
        #expect(
            GoogleDriveUploadFlow.uploadType(mimeType: "application/vnd.google-apps.document", fetched: "text/plain; charset=utf-8") == "text/plain")
        #expect(GoogleDriveUploadFlow.uploadType(mimeType: "application/vnd.google-apps.document", fetched: nil) == "application/octet-stream")
        try await withDrive { fake, runtime, token in
            let media = try Self.mediaHost(Array("Q4 plan".utf8), contentType: "text/plain")
            _ = try await Self.upload(
                runtime, token: token,
                [
                    "name": .string("Q4 plan"), "mimeType": .string("application/vnd.google-apps.document"),
                    "sourceUrl": .string("\(media.baseURL)/file"),
                ])
            await media.stopWithoutBlocking()
            let start = try #require(fake.server.requests("POST", "/upload/drive/v3/files").first)
            #expect(start.header("X-Upload-Content-Type") == "text/plain")
            #expect((start.json as? [String: Any])?["mimeType"] as? String == "application/vnd.google-apps.document")
        }
    }

    @Test func theFileMustBeGivenOnceAndWithinTheBound() async throws {
        try await withDrive { fake, runtime, token in
            let cases: [[String: JSONValue]] = [
                ["name": .string("x"), "mimeType": .string("text/plain")],
                [
                    "name": .string("x"), "mimeType": .string("text/plain"), "contentBase64": .string("eA=="),
                    "sourceUrl": .string("https://a.example/x"),
                ],
                [
                    "name": .string("x"), "mimeType": .string("text/plain"),
                    "contentBase64": .string(Data(count: 4 * 1_048_576 + 1).base64EncodedString()),
                ],
            ]
            for input in cases {
                let refused = await #expect(throws: ConnectorError.self) { try await Self.upload(runtime, token: token, input) }
                #expect(refused?.code == .invalidInput)
            }
            #expect(fake.requests.isEmpty, "nothing is started at Drive for a file that cannot be sent")
        }
    }
}
