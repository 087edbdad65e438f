import Foundation

/// `google-drive.resumableUpload` (`files.upload`): a file uploaded to Drive through the
/// resumable upload protocol (https://developers.google.com/workspace/drive/api/guides/manage-uploads#resumable,
/// https://developers.google.com/workspace/drive/api/reference/rest/v3/files/create).
///
/// 1. The bytes come from `contentBase64` or are fetched from `sourceUrl` (at most `maxBytes`,
///    before anything is started at Drive).
/// 2. `files.insertSession` opens the session: the file's metadata (`name`, `mimeType`,
///    `parents`) as JSON with `X-Upload-Content-Type`/`X-Upload-Content-Length`; the session
///    URI comes back in `Location`. Nothing exists in Drive yet.
/// 3. The bytes are `PUT` to it in one request, resumed after an interruption from the byte
///    Drive reports (`GoogleResumableUpload`); after `maxInterruptions` the outcome is unknown
///    (`providerTimeout`: the queue does not upload twice).
///
/// The answer is the file resource with `bytes` (the file's size) and `resumes`.
public struct GoogleDriveUploadFlow: ConnectorFlow {
    public let id = "google-drive.resumableUpload"
    /// The largest file accepted (held in memory) and uploaded.
    public var maxBytes: Int
    /// How long the transfer may take and how much interruption it survives.
    var limits: GoogleResumableUpload.Limits

    /// A flow with production bounds: files up to 256 MiB, 5 interruptions, pauses from 1 s,
    /// 15 minutes per bytes `PUT`, 30 s per status check.
    public init(
        maxBytes: Int = 256 * 1_048_576, maxInterruptions: Int = 5, pause: Duration = .seconds(1), putTimeout: Duration = .seconds(900),
        statusTimeout: Duration = .seconds(30)
    ) {
        self.maxBytes = maxBytes
        limits = .init(maxInterruptions: max(0, maxInterruptions), pause: pause, putTimeout: putTimeout, statusTimeout: statusTimeout)
    }

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        let input = call.input
        guard let name = JSONPath.text(input["name"]), let mimeType = JSONPath.text(input["mimeType"]) else {
            throw ConnectorError(.invalidInput, "files.upload needs name and mimeType")
        }
        let file = try await context.fileContent(input, maxBytes: maxBytes)
        let contentType = Self.uploadType(mimeType: mimeType, fetched: file.contentType)
        var metadata: [String: JSONValue] = [
            "name": .string(name), "mimeType": .string(mimeType), "contentLength": .number(Double(file.data.count)),
            "contentType": .string(contentType),
        ]
        metadata["parentId"] = input["parentId"]
        let opened = try await context.perform("files.insertSession", input: .object(metadata))
        guard let sessionURL = JSONPath.text(opened["sessionUrl"]), !sessionURL.isEmpty else {
            throw ConnectorError(.providerUnavailable, "Google Drive opened no upload session (no Location header)")
        }
        let session = try GoogleResumableUpload(
            sessionURL: sessionURL, total: file.data.count, contentType: contentType,
            subject: .init(provider: "Google Drive", resource: "file", urlTemplate: "/upload/drive/v3/files?upload_id={session}"),
            limits: limits, context: context)
        let (resource, resumes) = try await session.transfer(file.data)
        guard case .object(var members) = resource else { return resource }
        members["bytes"] = .number(Double(file.data.count))
        members["resumes"] = .number(Double(resumes))
        return .object(members)
    }

    /// `X-Upload-Content-Type`: the file's own type. That is `mimeType`, unless `mimeType` asks
    /// Drive to convert the file into a Google format (`application/vnd.google-apps.*`): then
    /// the fetched type, or `application/octet-stream` for inline bytes.
    static func uploadType(mimeType: String, fetched: String?) -> String {
        guard mimeType.hasPrefix("application/vnd.google-apps.") else { return mimeType }
        guard let type = fetched?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces), type.contains("/") else {
            return "application/octet-stream"
        }
        return type
    }
}
