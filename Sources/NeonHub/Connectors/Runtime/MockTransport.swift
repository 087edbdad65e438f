public import Foundation
import HTTPFields

/// The transport of mock mode (`USE_MOCK_CONNECTORS=true`): answers every request from the
/// connector's fixtures (`configs/connectors/fixtures/<id>.json`) instead of the network,
/// below the same outbound client, so templating, retries, error classes, pagination and
/// response mapping all run as they do against the provider. A request may ask for one of
/// the fixtures' documented errors by name with the `X-NeonHub-Mock-Error` header.
public struct MockTransport: OutboundTransport {
    /// The header that selects a named error fixture.
    public static let errorHeader = "X-NeonHub-Mock-Error"

    struct Route: Sendable {
        var name: String
        var method: String
        var segments: [Substring]
        var query: [String: String]
        /// Members a JSON request body must have (a page asked for by a body offset); a dotted
        /// name is a path (`variables.after`: a GraphQL cursor).
        var bodyMatch: [String: JSONValue] = [:]
        var status: Int
        var headers: HTTPHeaders
        var body: Data
    }

    struct Fixtures: Sendable {
        var routes: [Route]
        var errors: [String: Route]
        var latency: Duration
    }

    private let fixtures: [String: Fixtures]
    private let latencyOverride: Duration?

    /// Loads every `fixtures/<id>.json` of `directory` (the catalog folder); `latency`
    /// overrides each file's simulated latency.
    public init(catalogDirectory directory: URL, latency: Duration? = nil) throws {
        let folder = directory.appendingPathComponent("fixtures", isDirectory: true)
        var loaded: [String: Fixtures] = [:]
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for file in files where file.hasSuffix(".json") {
            let json: JSONValue
            do {
                json = try JSONValue.parse([UInt8](try Data(contentsOf: folder.appendingPathComponent(file))))
            } catch {
                throw ConnectorError(.invalidDefinition, "fixtures/\(file): not valid JSON")
            }
            guard case .string(let connector)? = json["connector"] else { continue }
            loaded[connector] = Self.fixtures(json)
        }
        fixtures = loaded
        latencyOverride = latency
    }

    /// The connectors that have fixtures.
    public var connectors: Set<String> { Set(fixtures.keys) }

    public func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        guard let connector = request.headers[Self.connectorHeader], let set = fixtures[connector] else {
            return Self.response(404, #"{"error":"mock mode has no fixtures for this connector"}"#)
        }
        let latency = latencyOverride ?? set.latency
        if latency > .zero { try await Task.sleep(for: latency) }
        if let name = request.headers[Self.errorHeader] {
            guard let route = set.errors[name] else { return Self.response(400, #"{"error":"unknown mock error"}"#) }
            return TransportResponse(status: route.status, headers: route.headers, body: route.body)
        }
        let query = Self.queryItems(request.url)
        let segments = Self.pathSegments(request.url)
        let sent = request.body.flatMap { try? JSONValue.parse([UInt8]($0)) }
        let match = set.routes.first { route in
            route.method == request.method && route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { Self.segment($0, matches: $1) }
                && route.query.allSatisfy { query[$0.key] == $0.value }
                && route.bodyMatch.allSatisfy { member in
                    (sent?[member.key] ?? sent.flatMap { JSONPath.value(at: member.key, in: $0) }) == member.value
                }
        }
        guard let match else {
            return Self.response(404, #"{"error":"no mock fixture for this request"}"#)
        }
        return TransportResponse(status: match.status, headers: match.headers, body: match.body)
    }

    /// Set by the runtime on mock requests so the transport knows whose fixtures to use
    /// (never sent anywhere: the mock transport is the end of the line).
    static let connectorHeader = "X-NeonHub-Mock-Connector"

    private static func fixtures(_ json: JSONValue) -> Fixtures {
        func route(_ value: JSONValue) -> Route? {
            guard case .number(let status)? = value["status"] else { return nil }
            var headers = HTTPHeaders()
            if case .object(let fields)? = value["headers"] {
                for (name, v) in fields.sorted(by: { $0.key < $1.key }) { headers.add(name: name, value: JSONPath.text(v) ?? "") }
            }
            let bodyValue = value["body"] ?? .null
            var body = Data()
            if case .string(let text) = bodyValue, !(headers["content-type"]?.contains("json") ?? false) {
                body = Data(text.utf8)
            } else if bodyValue != .null {
                body = Data(bodyValue.jsonBytes)
                if headers["content-type"] == nil { headers.add(name: "Content-Type", value: "application/json") }
            }
            var query: [String: String] = [:]
            if case .object(let q)? = value["query"] { for (k, v) in q { query[k] = JSONPath.text(v) ?? "" } }
            let method = JSONPath.text(value["method"]) ?? ""
            let path = JSONPath.text(value["path"]) ?? "/"
            var members: [String: JSONValue] = [:]
            if case .object(let constraints)? = value["bodyMatch"] { members = constraints }
            return Route(
                name: JSONPath.text(value["name"]) ?? "", method: method, segments: path.split(separator: "/", omittingEmptySubsequences: false),
                query: query, bodyMatch: members, status: Int(status), headers: headers, body: body)
        }
        var routes: [Route] = []
        if case .array(let items)? = json["routes"] { routes = items.compactMap(route) }
        // Routes constrained by query or body values first: the first match wins.
        routes = routes.enumerated().sorted {
            ($0.element.query.count + $0.element.bodyMatch.count, -$0.offset) > ($1.element.query.count + $1.element.bodyMatch.count, -$1.offset)
        }
        .map(\.element)
        var errors: [String: Route] = [:]
        if case .array(let items)? = json["errors"] {
            for item in items { if let name = JSONPath.text(item["name"]), let r = route(item) { errors[name] = r } }
        }
        var latency = Duration.zero
        if case .number(let ms)? = json["latencyMs"] { latency = .milliseconds(Int64(ms)) }
        return Fixtures(routes: routes, errors: errors, latency: latency)
    }

    /// The answer of a multi-step flow's last step in the fixtures (routes named
    /// `<action> (<handler>): <step>`), for mock mode, where the flow's steps need no code.
    public func lastStep(connector: String, action: String) -> JSONValue? {
        guard let route = fixtures[connector]?.routes.last(where: { $0.name.hasPrefix(action + " (") }), (200..<300).contains(route.status) else {
            return nil
        }
        return route.body.isEmpty ? .object([:]) : (try? JSONValue.parse([UInt8](route.body)))
    }

    /// A route segment against a request's: `*` matches any, `*:verb` any ending in `:verb`
    /// (Google's custom methods, `properties/{id}:runReport`), anything else itself.
    static func segment(_ pattern: Substring, matches segment: Substring) -> Bool {
        if pattern == "*" { return true }
        if pattern.hasPrefix("*:") { return segment.hasSuffix(pattern.dropFirst()) && segment.count > pattern.count - 1 }
        return pattern == segment
    }

    /// The URL's path segments, each percent-decoded on its own: a value the runtime encoded
    /// as one segment (a Search Console site URL `https%3A%2F%2Fexample.com%2F`) stays one
    /// segment, matched by `*`.
    static func pathSegments(_ url: URL) -> [Substring] {
        var encoded = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? url.path
        if encoded.count > 1, encoded.hasSuffix("/") { encoded.removeLast() }  // as URL.path reads it: fixtures omit it
        return (encoded.isEmpty ? "/" : encoded).split(separator: "/", omittingEmptySubsequences: false)
            .map { Substring($0.removingPercentEncoding ?? String($0)) }
    }

    static func queryItems(_ url: URL) -> [String: String] {
        var items: [String: String] = [:]
        for item in URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? [] { items[item.name] = item.value ?? "" }
        return items
    }

    private static func response(_ status: Int, _ body: String) -> TransportResponse {
        TransportResponse(status: status, headers: ["Content-Type": "application/json"], body: Data(body.utf8))
    }
}
