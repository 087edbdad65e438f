public import Foundation

/// `configs/connector-smoke.config.json` (git-ignored; the committed example documents it):
/// per connector id, the credentials of a real test account, the connection's variables, and
/// optionally the read action to run besides the definition's smoke action. Members whose
/// name starts with `_` are comments. Credentials come straight from the file: the smoke
/// test needs no database and no vault.
public struct SmokeConfig: Sendable {
    /// What one connector is tested with.
    public struct Entry: Sendable {
        /// `accessToken` for OAuth connectors; the definition's credential fields otherwise.
        public var credentials: [String: String]
        /// The connection's variables (`dc`, `shop`, …).
        public var variables: [String: String]
        /// The read action and its input; nil means the definition's accounts listing.
        public var readAction: String?
        /// The read action's input.
        public var readInput: JSONValue
    }

    /// By connector id.
    public var entries: [String: Entry]

    /// Reads the file; a missing or malformed one is an error naming the problem.
    public static func load(_ url: URL) throws(ConnectorError) -> SmokeConfig {
        guard let data = try? Data(contentsOf: url) else {
            throw ConnectorError(.invalidDefinition, "\(url.path) cannot be read (copy configs/connector-smoke.config.example.json to start)")
        }
        return try parse([UInt8](data), name: url.lastPathComponent)
    }

    /// Parses the file's bytes.
    public static func parse(_ bytes: [UInt8], name: String = "connector-smoke.config.json") throws(ConnectorError) -> SmokeConfig {
        guard case .object(let members)? = try? JSONValue.parse(bytes) else {
            throw ConnectorError(.invalidDefinition, "\(name) must hold a JSON object of connectors")
        }
        var entries: [String: Entry] = [:]
        for (id, value) in members where !id.hasPrefix("_") {
            guard case .object = value else { throw ConnectorError(.invalidDefinition, "\(name): $.\(id) must be an object") }
            let credentials = try strings(value["credentials"], "$.\(id).credentials", name)
            let variables = try strings(value["variables"], "$.\(id).variables", name)
            var readAction: String?
            var readInput = JSONValue.object([:])
            if let read = value["read"] {
                guard case .string(let action)? = read["action"] else {
                    throw ConnectorError(.invalidDefinition, "\(name): $.\(id).read.action must be a string")
                }
                readAction = action
                if let input = read["input"] {
                    guard case .object = input else { throw ConnectorError(.invalidDefinition, "\(name): $.\(id).read.input must be an object") }
                    readInput = input
                }
            }
            entries[id] = Entry(credentials: credentials, variables: variables, readAction: readAction, readInput: readInput)
        }
        return SmokeConfig(entries: entries)
    }

    /// The connector ids a config file has entries for (what the audit counts as a smoke entry).
    public static func connectorIDs(in url: URL) -> Set<String> {
        guard let config = try? load(url) else { return [] }
        return Set(config.entries.keys)
    }

    private static func strings(_ value: JSONValue?, _ path: String, _ name: String) throws(ConnectorError) -> [String: String] {
        guard let value else { return [:] }
        guard case .object(let members) = value else { throw ConnectorError(.invalidDefinition, "\(name): \(path) must be an object of strings") }
        var strings: [String: String] = [:]
        for (key, member) in members {
            guard case .string(let text) = member else { throw ConnectorError(.invalidDefinition, "\(name): \(path).\(key) must be a string") }
            strings[key] = text
        }
        return strings
    }
}
