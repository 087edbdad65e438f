import Foundation
import HTTPFields
import Synchronization

@testable import HTTPCore

/// A handler with a few routes that exercise the server: echo, slow (answered later from
/// another thread), big (compressible), huge (a mebibyte, answered at once, counted), large
/// (16 MiB), stream (chunked), abort (no answer: the connection closes) and a default that
/// names the request.
struct TestHandler: HTTPHandler {
    /// How many `/huge` requests were answered (the tests that use it run one at a time).
    static let hugeAnswered = Atomic<Int>(0)
    static let hugeBody = [UInt8](repeating: UInt8(ascii: "h"), count: 1 << 20)
    static let largeBody = [UInt8](repeating: UInt8(ascii: "l"), count: 16 << 20)

    func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        switch request.path {
        case "/huge":
            Self.hugeAnswered.add(1, ordering: .relaxed)
            responder.respond(
                HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream", "X-N": request.query ?? ""], body: Self.hugeBody))
        case "/echo":
            responder.respond(HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: request.body))
        case "/slow":
            let millis = Int(request.query?.split(separator: "=").last ?? "300") ?? 300
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(millis)) {
                responder.respond(HTTPResponse(status: 200, contentType: "text/plain", body: "slow done"))
            }
        case "/big":
            let text = String(repeating: "NeonHub says hello to the compressible world. ", count: 100)
            responder.respond(HTTPResponse(status: 200, contentType: "text/plain", body: text))
        case "/abort":
            DispatchQueue.global().async {
                responder.abort()
                responder.respond(HTTPResponse(status: 200, contentType: "text/plain", body: "too late"))
            }
        case "/large":
            responder.respond(HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: Self.largeBody))
        case "/stream":
            let stream = responder.startStream(status: 200, headers: ["Content-Type": "application/jsonl"])
            DispatchQueue.global().async {
                for i in 0..<3 { stream.write(Array("{\"n\":\(i)}\n".utf8)) }
                stream.finish()
            }
        default:
            responder.respond(HTTPResponse(status: 200, contentType: "text/plain", body: "\(request.method) \(request.path)"))
        }
    }
}

/// Starts a server on an ephemeral loopback port for one test.
func withTestServer<T>(
    _ configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    _ body: (HTTPServer) throws -> T
) throws -> T {
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, eventLoopCount: 2)
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, handler: TestHandler())
    try server.start()
    defer {
        server.shutdown()
        server.waitUntilStopped()
    }
    return try body(server)
}
