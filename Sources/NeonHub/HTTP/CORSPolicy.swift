public import HTTPCore
public import HTTPFields

/// CORS for the origins in `CORS_ORIGINS`: response headers for allowed origins and the
/// answer to preflight requests (credentials allowed; `X-Request-Id`, `Retry-After` and
/// `WWW-Authenticate` exposed). Every response says `Vary: Origin` while CORS is on, since
/// whether it carries `Access-Control-Allow-Origin` depends on the request's origin.
public struct CORSPolicy: Sendable {
    let origins: Set<String>
    let allowAll: Bool

    /// Creates a policy; `*` allows any origin (echoed, since credentials are allowed).
    public init(origins: [String]) {
        self.origins = Set(origins)
        allowAll = origins.contains("*")
    }

    /// Whether CORS is configured at all.
    public var isEnabled: Bool { allowAll || !origins.isEmpty }

    func allows(_ origin: String) -> Bool { allowAll || origins.contains(origin) }

    /// The response headers a cross-origin caller may read.
    static let exposedHeaders = "X-Request-Id, Retry-After, WWW-Authenticate"

    /// Headers to add to a normal response.
    public func headers(for request: HTTPRequest) -> HTTPHeaders {
        guard let origin = request.headers["origin"], allows(origin) else { return ["Vary": "Origin"] }
        return [
            "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
            "Access-Control-Expose-Headers": Self.exposedHeaders, "Vary": "Origin",
        ]
    }

    /// The answer to `OPTIONS` with `Access-Control-Request-Method`, or nil if not a preflight.
    public func preflight(_ request: HTTPRequest) -> HTTPResponse? {
        guard request.method == "OPTIONS", let method = request.headers["access-control-request-method"] else { return nil }
        guard let origin = request.headers["origin"], allows(origin) else {
            return HTTPResponse(status: 403, contentType: "application/json", body: #"{"error":{"message":"Origin not allowed"}}"#)
        }
        var headers: HTTPHeaders = [
            "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": request.headers["access-control-request-headers"]
                ?? "authorization, content-type, trpc-accept, x-request-id",
            "Access-Control-Max-Age": "600", "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        ]
        _ = method
        headers.add(name: "Access-Control-Expose-Headers", value: Self.exposedHeaders)
        return HTTPResponse(status: 204, headers: headers)
    }
}
