import Foundation

/// `dropbox.upload` (`files.upload`): a file uploaded to Dropbox through the content endpoint
/// `POST https://content.dropboxapi.com/2/files/upload`
/// (https://www.dropbox.com/developers/documentation/http/documentation#files-upload).
///
/// The bytes come from `contentBase64` or are fetched from `sourceUrl` (at most `maxBytes`;
/// Dropbox takes up to 150 MiB in one request, larger files need an upload session, which is
/// not built). The arguments travel as JSON in the `Dropbox-API-Arg` header, which must be
/// HTTP-header-safe: every character outside ASCII is escaped as `\uXXXX` (Dropbox's
/// "Request and response formats"), so a path such as `/Präsentation.pdf` arrives intact. The
/// step `files.uploadContent` sends them with the raw bytes as `application/octet-stream`.
///
/// The answer is Dropbox's file metadata (`id`, `path_display`, `size`, `rev`, `content_hash`).
public struct DropboxUploadFlow: ConnectorFlow {
    public let id = "dropbox.upload"
    /// The largest file accepted (held in memory) and uploaded in one request.
    public var maxBytes: Int

    /// A flow for files up to Dropbox's 150 MiB single-request limit.
    public init(maxBytes: Int = 150 * 1_048_576) {
        self.maxBytes = maxBytes
    }

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        let input = call.input
        guard let path = JSONPath.text(input["path"]), path.hasPrefix("/") else {
            throw ConnectorError(.invalidInput, "files.upload needs a path that starts with /")
        }
        let file = try await context.fileContent(input, maxBytes: maxBytes)
        let argument: JSONValue = .object([
            "path": .string(path), "mode": input["mode"] ?? .string("add"), "autorename": input["autorename"] ?? .bool(true),
            "mute": .bool(false),
        ])
        return try await context.perform(
            "files.uploadContent",
            input: .object(["arg": .string(Self.headerSafe(argument.jsonText)), "content": .string(file.data.base64EncodedString())]))
    }

    /// JSON text with every character outside ASCII (and DEL) escaped as `\uXXXX`, UTF-16
    /// surrogate pairs beyond the Basic Multilingual Plane: what Dropbox accepts in
    /// `Dropbox-API-Arg`. JSON's own escapes are left as they are.
    static func headerSafe(_ json: String) -> String {
        json.utf16.map { $0 < 0x7F ? String(UnicodeScalar(UInt8($0))) : String(format: "\\u%04x", UInt32($0)) }.joined()
    }
}
