import Foundation
import Logging
import TestSupport
import Testing

@testable import NeonHub

/// Mock mode (`USE_MOCK_CONNECTORS=true`): every action of every catalog entry answers
/// through the real runtime from the fixtures beside the definitions, and the product's
/// whole connect → act → test → disconnect flow works with no provider and no secret.
@Suite struct MockModeTests {
    static func mockRuntime() throws -> (ConnectorRuntime, ConnectorCatalog) {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let mock = try MockTransport(catalogDirectory: ConnectorCatalogTests.directory, latency: .zero)
        var configuration = OutboundConfiguration()
        configuration.retry.maxRetries = 0
        let client = OutboundClient(configuration: configuration, transport: mock, logger: Logger(label: "mock"))
        return (ConnectorRuntime(catalog: catalog, client: client, mock: mock), catalog)
    }

    /// The smallest input a schema accepts: required fields only, each its first enum value,
    /// a value of its format, or a value of its type within its bounds.
    static func sample(_ schema: JSONValue) -> JSONValue {
        if case .array(let examples)? = schema["examples"], let first = examples.first { return first }
        if case .array(let options)? = schema["enum"], let first = options.first { return first }
        if let constant = schema["const"] { return constant }
        if case .array(let options)? = schema["oneOf"] ?? schema["anyOf"], let first = options.first {
            var merged = first
            if case .object(var base) = schema, case .object(let extra) = first {
                base.removeValue(forKey: "oneOf"); base.removeValue(forKey: "anyOf")
                for (k, v) in extra { base[k] = v }
                merged = .object(base)
            }
            return sample(merged)
        }
        var type = JSONPath.text(schema["type"])
        if case .array(let types)? = schema["type"] { type = types.compactMap { JSONPath.text($0) }.first { $0 != "null" } }
        if type == nil, schema["properties"] != nil { type = "object" }
        switch type {
        case "object"?:
            var object: [String: JSONValue] = [:]
            var required: [String] = []
            if case .array(let names)? = schema["required"] { required = names.compactMap { JSONPath.text($0) } }
            for name in required { object[name] = sample(schema["properties"]?[name] ?? .object([:])) }
            return .object(object)
        case "array"?:
            var count = 0
            if case .number(let min)? = schema["minItems"] { count = Int(min) }
            return .array(Array(repeating: sample(schema["items"] ?? .object([:])), count: count))
        case "integer"?, "number"?:
            if case .number(let min)? = schema["minimum"] { return .number(min) }
            return .number(1)
        case "boolean"?: return .bool(true)
        case "string"?:
            switch JSONPath.text(schema["format"]) {
            case "date-time"?: return .string("2026-12-01T10:00:00Z")
            case "date"?: return .string("2026-12-01")
            case "email"?: return .string("ada@example.com")
            case "uri"?: return .string("https://example.com/a.png")
            default: break
            }
            if case .string(let pattern)? = schema["pattern"], let example = patternExample(pattern) { return .string(example) }
            var length = 3
            if case .number(let min)? = schema["minLength"] { length = max(length, Int(min)) }
            if case .number(let max)? = schema["maxLength"] { length = min(length, Int(max)) }
            return .string(String(repeating: "a", count: max(length, 1)))
        default:
            return .object([:])
        }
    }

    /// A few patterns the catalog uses, with a value that matches each.
    static func patternExample(_ pattern: String) -> String? {
        let candidates = [
            "urn:li:organization:123", "urn:li:person:abc", "123456789", "2026-12-01", "act_123", "sc-domain:example.com",
            "https://example.com/", "abc", "+14155550123", "US", "a@b.co", "1234567890", "customers/123", "locations/123",
            "accounts/123", "properties/123", "r/test", "t3_abc", "C0123456789", "cus_123", "price_123", "ABC",
        ]
        guard let regex = NSRegularExpressionBox(pattern) else { return nil }
        return candidates.first { regex.matches($0) }
    }

    @Test func everyActionOfEveryConnectorAnswersInMockMode() async throws {
        let (runtime, catalog) = try Self.mockRuntime()
        var answered = 0, unbuiltFlows: [String] = [], failures: [String] = []
        for definition in catalog.definitions {
            for action in definition.actions {
                let input = Self.sample(action.inputSchema)
                let call = ConnectorCall(
                    connector: definition.id, action: action.id, input: input, accountID: "mock-account",
                    variables: Dictionary(uniqueKeysWithValues: (definition.variables ?? []).map { ($0.name, $0.example ?? "mock") }))
                do {
                    let result = try await runtime.execute(call) { _ in .none }
                    #expect(result.output != .null || action.kind == "write", "\(definition.id).\(action.id)")
                    answered += 1
                } catch let error as ConnectorError where error.code == .unknownAction && action.handler != nil {
                    unbuiltFlows.append("\(definition.id).\(action.id)")
                } catch {
                    failures.append("\(definition.id).\(action.id): \(error)")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        // Registered flows run their steps against the fixtures instead of being skipped.
        #expect(!unbuiltFlows.contains("meta.instagram.publish") && !unbuiltFlows.contains("linkedin.posts.createImage"))
        let total = catalog.definitions.reduce(0) { $0 + $1.actions.count }
        #expect(answered + unbuiltFlows.count == total)
        #expect(answered >= total - 6, "answered \(answered) of \(total); flows without fixtures: \(unbuiltFlows)")
    }

    @Test func everyDocumentedErrorFixtureIsClassified() async throws {
        let (runtime, catalog) = try Self.mockRuntime()
        let fixtures = ConnectorCatalogTests.directory.appendingPathComponent("fixtures")
        for definition in catalog.definitions {
            let json = try JSONValue.parse([UInt8](try Data(contentsOf: fixtures.appendingPathComponent("\(definition.id).json"))))
            let smoke = definition.smoke.flatMap { definition.action($0.action) }.flatMap { $0.request != nil ? $0.id : nil }
            guard case .array(let errors)? = json["errors"], let read = smoke ?? definition.actions.first(where: { $0.request != nil })?.id
            else { continue }
            let action = try #require(definition.action(read))
            for error in errors {
                let name = JSONPath.text(error["name"]) ?? ""
                let call = ConnectorCall(
                    connector: definition.id, action: read, input: Self.sample(action.inputSchema), accountID: "mock-account",
                    variables: Dictionary(uniqueKeysWithValues: (definition.variables ?? []).map { ($0.name, $0.example ?? "mock") }),
                    mockError: name)
                let thrown = await #expect(throws: ConnectorError.self, "\(definition.id) \(name)") { try await runtime.execute(call) { _ in .none } }
                #expect(
                    [.providerAuth, .providerRateLimited, .providerRejected, .providerUnavailable].contains(thrown?.code), "\(definition.id) \(name)")
                if error["status"] == .number(429) { #expect(thrown?.code == .providerRateLimited, "\(definition.id) \(name)") }
                if error["status"] == .number(401) { #expect(thrown?.code == .providerAuth, "\(definition.id) \(name)") }
            }
        }
    }

    @Test func connectActTestAndDisconnectWithNoProvider() async throws {
        try await withDatabaseApp({ $0.useMockConnectors = true }) { server, client in
            let admin = ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(role: .admin))"]
            let connect = try await client.request(
                "POST", "/trpc/connectors.connect", headers: admin,
                body: try JSONSerialization.data(withJSONObject: ["connector": "slack", "credentials": [:], "name": "Team Slack"]))
            #expect(connect.status == 200)
            let connection = try #require(resultData(try connect.json()))
            let id = try #require(connection["id"] as? String)
            #expect(connection["status"] as? String == "active")

            let (status, envelope) = try await client.mutation(
                "connectors.executeAction", ["connectionId": id, "action": "conversations.list", "input": [:]])
            #expect(status == 200)
            let data = try #require(resultData(envelope))
            #expect(((data["output"] as? [String: Any])?["items"] as? [Any])?.isEmpty == false)
            let runID = try #require(data["runId"] as? String)
            let (_, run) = try await client.query("agents.getRun", ["id": runID])
            let tools = try #require(resultData(run)?["toolExecutions"] as? [[String: Any]])
            #expect(tools.map { $0["tool"] as? String } == ["connector.action"])
            #expect(resultData(run)?["agent"] as? String == "connector")

            let (_, tested) = try await client.mutation("connectors.testConnection", ["connectionId": id])
            #expect(resultData(tested)?["status"] as? String == "ok")
            let (_, listed) = try await client.query("connectors.listConnections", ["connector": "slack"])
            let items = try #require(resultData(listed)?["items"] as? [[String: Any]])
            #expect(items.count == 1)
            #expect((items[0]["lastHealthCheck"] as? [String: Any])?["status"] as? String == "ok")

            // Another tenant sees nothing of it.
            let (otherStatus, _) = try await client.query("connectors.getConnection", ["id": id], tenant: "tenant-b")
            #expect(otherStatus == 404)

            let disconnect = try await client.request(
                "POST", "/trpc/connectors.disconnect", headers: admin,
                body: try JSONSerialization.data(withJSONObject: ["connectionId": id]))
            #expect(disconnect.status == 200)
            let (after, refused) = try await client.mutation(
                "connectors.executeAction", ["connectionId": id, "action": "conversations.list", "input": [:]])
            #expect(after == 412)
            #expect(errorCode(refused) == "PRECONDITION_FAILED")
            // A user (not admin) may not connect.
            let (forbidden, _) = try await client.mutation("connectors.connect", ["connector": "slack", "credentials": [:]])
            #expect(forbidden == 403)
        }
    }
}
