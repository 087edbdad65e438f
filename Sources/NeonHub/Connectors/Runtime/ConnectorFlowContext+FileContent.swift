public import Foundation

extension ConnectorFlowContext {
    /// The bytes of a file an upload action names in one of two ways: inline as
    /// `contentBase64`, or by `sourceUrl`, fetched as `fetchMedia` does (no credential sent,
    /// private addresses refused). Exactly one must be given; at most `maxBytes`, and not
    /// empty. The content type is the fetched one (nil for inline bytes).
    public func fileContent(_ input: JSONValue, maxBytes: Int) async throws -> (data: Data, contentType: String?) {
        let inline = JSONPath.text(input["contentBase64"])
        let source = JSONPath.text(input["sourceUrl"])
        switch (inline, source) {
        case (let encoded?, nil):
            guard let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else {
                throw ConnectorError(.invalidInput, "\(call.action): contentBase64 is not base64")
            }
            guard !data.isEmpty else { throw ConnectorError(.invalidInput, "\(call.action): contentBase64 holds no bytes") }
            guard data.count <= maxBytes else {
                throw ConnectorError(.invalidInput, "\(call.action): the file is \(data.count) bytes, more than the \(maxBytes) allowed")
            }
            return (data, nil)
        case (nil, let url?):
            return try await fetchMedia(url, maxBytes: maxBytes)
        case (.some, .some):
            throw ConnectorError(.invalidInput, "\(call.action): give contentBase64 or sourceUrl, not both")
        case (nil, nil):
            throw ConnectorError(.invalidInput, "\(call.action): give the file as contentBase64 or sourceUrl")
        }
    }
}
