import Foundation

/// `linkedin.imagePost`: an image post through LinkedIn's Images API
/// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api)
/// as the connector's own actions: the image is fetched from the input's `imageUrl` (at most
/// `maxImageBytes`, JPEG, PNG or GIF), `images.initializeUpload` (owner = the author) answers
/// an upload URL and the `urn:li:image:…`, `images.upload` PUTs the bytes there (with the
/// bearer token, as LinkedIn's examples do), and `posts.createWithImage` creates the post with
/// `content.media.id` = the image URN. The answer is the post URN and the image URN.
public struct LinkedInImagePostFlow: ConnectorFlow {
    public let id = "linkedin.imagePost"
    /// The largest image fetched and uploaded, in bytes.
    public var maxImageBytes: Int

    /// A flow that uploads images of at most `maxImageBytes` (default 20 MiB).
    public init(maxImageBytes: Int = 20 * 1024 * 1024) {
        self.maxImageBytes = maxImageBytes
    }

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        guard let imageURL = JSONPath.text(call.input["imageUrl"]), let author = call.accountID else {
            throw ConnectorError(.invalidInput, "posts.createImage needs imageUrl and an account (the author URN)")
        }
        // The bytes first: nothing is created at LinkedIn for an image that cannot be fetched.
        let media = try await context.fetchMedia(imageURL, maxBytes: maxImageBytes)
        guard Self.isSupportedImage(media.data) else {
            throw ConnectorError(.invalidInput, "posts.createImage: \(imageURL.prefix(200)) is not a JPEG, PNG or GIF image")
        }
        let upload = try await context.perform("images.initializeUpload", input: .object([:]))
        guard let uploadURL = JSONPath.text(upload["uploadUrl"]), let image = JSONPath.text(upload["image"]) else {
            throw ConnectorError(.providerUnavailable, "LinkedIn's initializeUpload answered no uploadUrl or image URN")
        }
        _ = try await context.perform(
            "images.upload",
            input: .object([
                "uploadUrl": .string(uploadURL), "data": .string(media.data.base64EncodedString()),
            ]))
        var post: [String: JSONValue] = ["imageUrn": .string(image)]
        for name in ["commentary", "altText", "visibility", "lifecycleState"] { if let value = call.input[name] { post[name] = value } }
        let created = try await context.perform("posts.createWithImage", input: .object(post))
        guard let postURN = JSONPath.text(created["id"]) else {
            throw ConnectorError(
                .providerUnavailable, "LinkedIn created the post without naming it (no x-restli-id); image \(image) was uploaded for \(author)",
                details: ["image: \(image)"])
        }
        return .object(["id": .string(postURN), "image": .string(image)])
    }

    /// JPEG, PNG or GIF by their signatures (the formats the Images API accepts).
    static func isSupportedImage(_ data: Data) -> Bool {
        let head = [UInt8](data.prefix(8))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return true }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return true }
        return head.starts(with: Array("GIF87a".utf8)) || head.starts(with: Array("GIF89a".utf8))
    }
}
