import HTTPFields

/// What the serializer needs to know about the request a response answers.
struct ResponseContext: Equatable {
    var version: HTTPVersion
    var isHead: Bool
    var keepAlive: Bool
    var acceptsGzip: Bool

    init(request: HTTPRequest) {
        version = request.version
        isHead = request.method == "HEAD"
        keepAlive = request.keepAlive
        acceptsGzip = request.headers["accept-encoding"].map(Gzip.isAccepted(by:)) ?? false
    }

    init(version: HTTPVersion, isHead: Bool, keepAlive: Bool, acceptsGzip: Bool) {
        self.version = version
        self.isHead = isHead
        self.keepAlive = keepAlive
        self.acceptsGzip = acceptsGzip
    }
}
