public import Foundation
import HTTPCore
import HTTPFields
import TimeUnits

/// Whole HTTP requests for end-to-end tests against a running server, over `TestClient`'s
/// real socket: one connection per request, the response read to its end.
public struct HTTPTestClient: Sendable {
    /// `http://127.0.0.1:<port>`.
    public let baseURL: String

    /// A response.
    public struct Reply: Sendable {
        /// The status code.
        public var status: Int
        /// The header fields (repeated names joined with ", ").
        public var headers: [String: String]
        /// The body.
        public var body: Data
        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// A header, by case-insensitive name.
        public func header(_ name: String) -> String? {
            headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
        /// The body as a JSON object (empty when it is not one).
        public func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
        }
    }

    /// A base URL this client cannot use.
    public struct Failure: Error {
        /// A failure.
        public init() {}
    }

    /// A client for `baseURL` (`http://127.0.0.1:<port>`).
    public init(baseURL: String) { self.baseURL = baseURL }

    /// Sends one request; a body gets its `Content-Length`. The default `timeout` is long
    /// because a response can wait that long in the full suite: its 1,600 tests run at once on
    /// two cores, and a request that takes a second alone has taken over 30 (a 30-second
    /// timeout failed a passing test). It is a guard against a hang, not a latency check.
    public func request(
        _ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil,
        timeout: Double = 120
    ) async throws -> Reply {
        guard let url = URL(string: baseURL), let host = url.host, let port = url.port else { throw Failure() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" } else if method == "POST" || method == "PUT" { head += "Content-Length: 0\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8) + (body.map { [UInt8]($0) } ?? [])
        let started = ContinuousClock.now
        let response: TestClient.Response
        do {
            response = try await blocking {
                let client = try TestClient(port: port, timeout: timeout)
                try client.send(bytes)
                var response = try client.readResponse(head: method == "HEAD")
                while response.status == 100 { response = try client.readResponse(head: method == "HEAD") }
                return response
            }
        } catch let failure as TestClient.Failure {
            // Which request, and after how long: a failure in a long test otherwise names neither.
            let seconds = (ContinuousClock.now - started).inSeconds
            throw TestClient.Failure(
                description: "\(method) \(path) on port \(port), after \(String(format: "%.1f", seconds)) s: \(failure.description)")
        }
        var joined: [String: String] = [:]
        for field in response.headers {
            joined[field.name] = joined[field.name].map { "\($0), \(field.value)" } ?? field.value
        }
        return Reply(status: response.status, headers: joined, body: Data(response.body))
    }

    /// `GET path`.
    public func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        try await request("GET", path, headers: headers)
    }
}
