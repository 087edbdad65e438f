import Foundation
import HTTPFields
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// `posts.createImage` (the `linkedin.imagePost` flow) run by the real runtime against the
/// LinkedIn fake, which implements the Images API (an image must be uploaded to the URL
/// `initializeUpload` handed out before a post may reference it), with the image served by a
/// second loopback server standing for the customer's media host.
@Suite struct LinkedInImagePostFlowTests {
    static let author = "urn:li:organization:1001"
    /// A 1×1 PNG.
    static let png = ConnectorFlowContext.mockPNG

    static func runtime(_ fake: LinkedInFake, maxImageBytes: Int = 1 << 20, allowPrivateMediaHosts: Bool = true) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: "linkedin"),
            baseURLOverrides: ["linkedin": fake.baseURL],
            flows: ConnectorFlowRegistry([LinkedInImagePostFlow(maxImageBytes: maxImageBytes)]),
            allowPrivateMediaHosts: allowPrivateMediaHosts)
    }

    /// Runs `body` with a started LinkedIn fake and a media host serving `image` at `/media/photo`.
    func withFakes(
        image: [UInt8] = Array(png), contentType: String = "image/png",
        _ body: (LinkedInFake, FakeProviderServer) async throws -> Void
    ) async throws {
        let fake = LinkedInFake(organizations: LinkedInRuntimeTests.organizations)
        try fake.start()
        let media = FakeProviderServer()
        media.on("GET", "/media/photo", reply: FakeProviderServer.Reply(status: 200, headers: ["Content-Type": contentType], body: image))
        try media.start()
        defer { media.stop() }
        try await fake.server.serving { try await body(fake, media) }
    }

    static func createImage(_ runtime: ConnectorRuntime, _ input: [String: JSONValue], token: String) async throws -> ConnectorResult {
        try await runtime.execute(ConnectorCall(connector: "linkedin", action: "posts.createImage", input: .object(input), accountID: author)) { _ in
            .token(token)
        }
    }

    @Test func anImagePostUploadsTheBytesThenReferencesTheImageURN() async throws {
        try await withFakes { fake, media in
            let token = fake.issueAccessToken()
            let result = try await Self.createImage(
                try Self.runtime(fake),
                [
                    "commentary": .string("Fresh from the roaster"), "imageUrl": .string("\(media.baseURL)/media/photo"),
                    "altText": .string("Beans cooling"),
                ], token: token)
            let postURN = try #require(JSONPath.text(result.output["id"]))
            let image = try #require(JSONPath.text(result.output["image"]))
            #expect(image.hasPrefix("urn:li:image:"))
            #expect(postURN.hasPrefix("urn:li:ugcPost:"))
            #expect(fake.isUploaded(image))

            // The post LinkedIn holds references the uploaded image, with its alt text and the required defaults.
            let post = try #require(fake.post(postURN))
            let content = try #require((post["content"] as? [String: Any])?["media"] as? [String: Any])
            #expect(content["id"] as? String == image)
            #expect(content["altText"] as? String == "Beans cooling")
            #expect(post["author"] as? String == Self.author)
            #expect(post["visibility"] as? String == "PUBLIC")
            #expect(post["lifecycleState"] as? String == "PUBLISHED")

            let sent = fake.requests
            #expect(
                sent.map { "\($0.method) \($0.path)" } == [
                    "POST /rest/images", "PUT \(sent[1].path)", "POST /rest/posts",
                ])
            let initialize = sent[0]
            #expect(initialize.queryItems["action"] == ["initializeUpload"])
            #expect(((initialize.json as? [String: Any])?["initializeUploadRequest"] as? [String: Any])?["owner"] as? String == Self.author)
            #expect(initialize.header("LinkedIn-Version") == "202603")
            #expect(initialize.header("X-Restli-Protocol-Version") == "2.0.0")
            let upload = sent[1]
            #expect(upload.path.hasPrefix("/dms-uploads/"))
            #expect(upload.body == Array(Self.png))
            #expect(upload.header("Authorization") == "Bearer \(token)")  // as LinkedIn's upload example sends it
            #expect(upload.header("Content-Type") == "application/octet-stream")
            #expect(sent[2].header("Authorization") == "Bearer \(token)")

            // The media host was asked once, and never given the LinkedIn token.
            let fetched = media.requests
            #expect(fetched.count == 1)
            #expect(fetched.first?.header("Authorization") == nil)
            #expect(result.attempts == 4)
        }
    }

    @Test func mediaThatIsNotAnImageOrTooLargeCreatesNothingAtLinkedIn() async throws {
        try await withFakes(image: Array("<html>not an image</html>".utf8), contentType: "text/html") { fake, media in
            let thrown = await #expect(throws: ConnectorError.self) {
                try await Self.createImage(
                    try Self.runtime(fake), ["commentary": .string("x"), "imageUrl": .string("\(media.baseURL)/media/photo")],
                    token: fake.issueAccessToken())
            }
            #expect(thrown?.code == .invalidInput)
            #expect(fake.requests.isEmpty)
        }
        try await withFakes(image: Array(Self.png) + Array(repeating: 0, count: 4096)) { fake, media in
            let thrown = await #expect(throws: ConnectorError.self) {
                try await Self.createImage(
                    try Self.runtime(fake, maxImageBytes: 1024), ["commentary": .string("x"), "imageUrl": .string("\(media.baseURL)/media/photo")],
                    token: fake.issueAccessToken())
            }
            #expect(thrown?.code == .invalidInput)
            #expect(thrown?.message.contains("1024") == true)
            #expect(fake.requests.isEmpty)
        }
    }

    @Test func aMediaURLOnTheServersOwnNetworkIsRefused() async throws {
        try await withFakes { fake, media in
            let thrown = await #expect(throws: ConnectorError.self) {
                try await Self.createImage(
                    try Self.runtime(fake, allowPrivateMediaHosts: false),
                    ["commentary": .string("x"), "imageUrl": .string("\(media.baseURL)/media/photo")], token: fake.issueAccessToken())
            }
            #expect(thrown?.code == .invalidInput)
            #expect(media.requests.isEmpty)
            #expect(fake.requests.isEmpty)
        }
        #expect(
            MediaHost.isPrivate("127.0.0.1") && MediaHost.isPrivate("10.1.2.3") && MediaHost.isPrivate("169.254.169.254")
                && MediaHost.isPrivate("localhost") && MediaHost.isPrivate("[::1]") && MediaHost.isPrivate("192.168.0.10"))
        #expect(!MediaHost.isPrivate("cdn.example.com") && !MediaHost.isPrivate("8.8.8.8"))
    }

    /// Redirects of a media URL are followed here, each hop checked like the first URL: a
    /// relative one is followed; one to another scheme (or, outside tests, to a private
    /// address such as a cloud metadata endpoint) is refused before anything goes there; a
    /// chain longer than five is refused.
    @Test func eachRedirectOfAMediaURLIsCheckedBeforeItIsFollowed() async throws {
        try await withFakes { fake, media in
            let hop = { (to: String) in FakeProviderServer.Reply(status: 302, headers: ["Location": to]) }
            media.on("GET", "/media/short", reply: hop("/media/photo"))
            media.on("GET", "/media/file", reply: hop("file:///etc/passwd"))
            for index in 0..<6 { media.on("GET", "/media/loop\(index)", reply: hop("/media/loop\(index + 1)")) }
            media.on("GET", "/media/loop6", reply: hop("/media/photo"))
            let token = fake.issueAccessToken()
            let posted = try await Self.createImage(
                try Self.runtime(fake), ["commentary": .string("via a short link"), "imageUrl": .string("\(media.baseURL)/media/short")],
                token: token)
            #expect(posted.output["id"] != nil)
            #expect(media.requests.map(\.path) == ["/media/short", "/media/photo"])

            for (path, words) in [("/media/file", "http(s) URL"), ("/media/loop0", "redirected too often")] {
                let thrown = await #expect(throws: ConnectorError.self) {
                    try await Self.createImage(
                        try Self.runtime(fake), ["commentary": .string("x"), "imageUrl": .string("\(media.baseURL)\(path)")], token: token)
                }
                #expect(thrown?.code == .invalidInput)
                #expect(thrown?.message.contains(words) == true, "\(thrown?.message ?? "")")
            }
            #expect(!media.requests.map(\.path).contains("/media/loop6"))
        }
        // Outside tests private hosts are refused, at a redirect's target as at the first URL.
        let fake = LinkedInFake()
        let context = ConnectorFlowContext(
            call: ConnectorCall(connector: "linkedin", action: "posts.createImage", input: .object([:])),
            runtime: try Self.runtime(fake, allowPrivateMediaHosts: false), credentials: { _ in .none })
        for target in ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/x", "http://localhost:8080/"] {
            #expect(throws: ConnectorError.self) { _ = try context.checkedMediaURL(URL(string: target)) }
        }
        #expect(try context.checkedMediaURL(URL(string: "https://cdn.example.com/a.png")).host == "cdn.example.com")
    }

    @Test func theTokenIsOnlyEverSentToAnUploadURLOnTheProvidersDomain() async throws {
        try await withFakes { fake, _ in
            let elsewhere = FakeProviderServer()
            try elsewhere.start()
            defer { elsewhere.stop() }
            let thrown = await #expect(throws: ConnectorError.self) {
                try await Self.runtime(fake).execute(
                    ConnectorCall(
                        connector: "linkedin", action: "images.upload",
                        input: .object([
                            "uploadUrl": .string("\(elsewhere.baseURL)/dms-uploads/sp/v2/x/uploaded-image/0"),
                            "data": .string(Self.png.base64EncodedString()),
                        ]), accountID: Self.author)
                ) { _ in .token(fake.issueAccessToken()) }
            }
            #expect(thrown?.code == .invalidInput)
            #expect(elsewhere.requests.isEmpty)
        }
        let api = URL(string: "https://api.linkedin.com")
        #expect(ConnectorRequestBuilder.mayReceiveCredential(URL(string: "https://www.linkedin.com/dms-uploads/sp/v2/a")!, base: api))
        #expect(ConnectorRequestBuilder.mayReceiveCredential(URL(string: "https://api.linkedin.com/mediaUpload/a")!, base: api))
        #expect(!ConnectorRequestBuilder.mayReceiveCredential(URL(string: "https://linkedin.com.evil.net/a")!, base: api))
        #expect(!ConnectorRequestBuilder.mayReceiveCredential(URL(string: "http://www.linkedin.com/a")!, base: api))
        #expect(!ConnectorRequestBuilder.mayReceiveCredential(URL(string: "https://evil.net/a")!, base: api))
    }
}
