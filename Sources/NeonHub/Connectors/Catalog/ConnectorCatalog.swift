public import Foundation

/// Every connector definition of `configs/connectors/`, validated: each file against
/// `connector.schema.json` (problems named by file and JSON path), then the rules a schema
/// cannot say (the file is named after the id, action ids are unique, the accounts and smoke
/// actions exist and read, every action input schema is one the runtime can enforce).
public struct ConnectorCatalog: Sendable {
    /// One loaded definition with its source.
    public struct Entry: Sendable {
        /// The decoded definition.
        public var definition: ConnectorDefinition
        /// The file's JSON, as stored in `connector_platforms.definition`.
        public var json: JSONValue
        /// SHA-256 of the file, hex (what `connector_platforms.checksum` records).
        public var checksum: String
        /// Each action's compiled input schema, by action id.
        public var inputSchemas: [String: JSONSchemaDocument]
    }

    /// The definitions, sorted by id.
    public let entries: [Entry]
    private let byID: [String: Int]
    /// The action ids that every connector declaring them declares `read`, as a request.
    private let readOnlyActions: Set<String>

    /// A catalog of already-validated entries.
    init(entries: [Entry]) {
        self.entries = entries.sorted { $0.definition.id < $1.definition.id }
        var index: [String: Int] = [:]
        for (i, entry) in self.entries.enumerated() { index[entry.definition.id] = i }
        byID = index
        let actions = self.entries.flatMap(\.definition.actions)
        // A code flow may do what its label does not say (a warehouse runs any SQL given).
        let writes = Set(actions.filter { $0.kind != "read" || $0.handler != nil }.map(\.id))
        readOnlyActions = Set(actions.map(\.id)).subtracting(writes)
    }

    /// Whether action `id` only reads, whichever connector performs it: it is declared, and
    /// every connector that declares it declares it `read`, as a request template rather than
    /// a code flow (known before the connection, and so its connector, is read).
    public func onlyReads(action id: String) -> Bool { readOnlyActions.contains(id) }

    /// The connector with `id`.
    public subscript(id: String) -> Entry? { byID[id].map { entries[$0] } }

    /// The definitions in id order.
    public var definitions: [ConnectorDefinition] { entries.map(\.definition) }

    /// The name of the definition format file inside the catalog folder.
    public static let schemaFileName = "connector.schema.json"

    /// Loads and validates every `<id>.json` of `directory` (schema files excluded). Every
    /// problem of every file is collected; any problem throws `invalidDefinition` listing them.
    public static func load(directory: URL) throws -> ConnectorCatalog {
        let schemaURL = directory.appendingPathComponent(schemaFileName)
        let schema: JSONSchemaDocument
        do {
            schema = try JSONSchemaDocument(contentsOf: schemaURL)
        } catch {
            throw ConnectorError(.invalidDefinition, "cannot load the connector schema \(schemaURL.path): \(error)")
        }
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".schema.json") }.sorted()
        } catch {
            throw ConnectorError(.invalidDefinition, "cannot read the connector catalog \(directory.path): \(error.localizedDescription)")
        }
        var problems: [String] = []
        var entries: [Entry] = []
        for file in files {
            let url = directory.appendingPathComponent(file)
            let display = "\(directory.lastPathComponent)/\(file)"
            switch loadEntry(url, schema: schema) {
            case .success(let entry): entries.append(entry)
            case .failure(let lines): problems += lines.map { "\(display): \($0)" }
            }
        }
        guard problems.isEmpty else {
            throw ConnectorError(
                .invalidDefinition, problems[0] + (problems.count > 1 ? " (and \(problems.count - 1) more)" : ""),
                details: problems)
        }
        return ConnectorCatalog(entries: entries)
    }

    private enum Loaded {
        case success(Entry)
        case failure([String])
    }

    private static func loadEntry(_ url: URL, schema: JSONSchemaDocument) -> Loaded {
        let bytes: [UInt8]
        let json: JSONValue
        do {
            bytes = [UInt8](try Data(contentsOf: url))
            json = try JSONValue.parse(bytes)
        } catch {
            return .failure(["$: not valid JSON (\(error))"])
        }
        let violations = schema.validate(json)
        guard violations.isEmpty else { return .failure(violations.map(\.description)) }
        let definition: ConnectorDefinition
        do {
            definition = try JSONDecoder().decode(ConnectorDefinition.self, from: Data(bytes))
        } catch {
            return .failure(["$: \(error)"])
        }
        var problems = rules(definition, fileStem: url.deletingPathExtension().lastPathComponent)
        var inputSchemas: [String: JSONSchemaDocument] = [:]
        for (index, action) in definition.actions.enumerated() {
            do {
                inputSchemas[action.id] = try JSONSchemaDocument(action.inputSchema)
            } catch {
                problems.append("$.actions[\(index)].inputSchema: \(error)")
            }
        }
        guard problems.isEmpty else { return .failure(problems) }
        return .success(Entry(definition: definition, json: json, checksum: SHA256Digest.hex(bytes), inputSchemas: inputSchemas))
    }

    /// What the schema cannot express.
    static func rules(_ definition: ConnectorDefinition, fileStem: String) -> [String] {
        var problems: [String] = []
        if definition.id != fileStem { problems.append("$.id: \"\(definition.id)\" does not match the file name \(fileStem).json") }
        var seen: Set<String> = []
        for (index, action) in definition.actions.enumerated() where !seen.insert(action.id).inserted {
            problems.append("$.actions[\(index)].id: \"\(action.id)\" is declared twice")
        }
        func mustRead(_ id: String, _ path: String) {
            guard let action = definition.action(id) else { return problems.append("\(path): no action \"\(id)\"") }
            if action.kind != "read" { problems.append("\(path): \"\(id)\" is not a read action") }
        }
        if let accounts = definition.accounts { mustRead(accounts.action, "$.accounts.action") }
        if let smoke = definition.smoke { mustRead(smoke.action, "$.smoke.action") }
        for (index, trigger) in definition.triggers.enumerated() {
            if let action = trigger.action, definition.action(action) == nil {
                problems.append("$.triggers[\(index)].action: no action \"\(action)\"")
            }
        }
        for key in (definition.errors?.statusClasses ?? [:]).keys.sorted() where Int(key).map({ (400..<600).contains($0) }) != true {
            problems.append("$.errors.statusClasses: \"\(key.prefix(16))\" is not an error status")
        }
        if definition.auth.type == "oauth2" && (definition.auth.authorizeUrl == nil || definition.auth.tokenUrl == nil) {
            problems.append("$.auth: oauth2 needs authorizeUrl and tokenUrl")
        }
        if let pattern = definition.errors?.messageCodePattern, (try? Regex(pattern)) == nil {
            problems.append("$.errors.messageCodePattern: not a regular expression")
        }
        if let certificate = definition.auth.clientCertificate {
            let fields = Dictionary((definition.auth.credentials ?? []).map { ($0.name, $0.secret) }) { first, _ in first }
            if fields[certificate.certificate] != false { problems.append("$.auth.clientCertificate.certificate: not a non-secret credential field") }
            if !definition.auth.takesCustomerClient {
                problems.append(
                    "$.auth.clientCertificate: a client certificate goes with a client-credentials grant of the customer's client (clientId, clientSecret)"
                )
            }
            if fields[certificate.privateKey] != true { problems.append("$.auth.clientCertificate.privateKey: not a secret credential field") }
        }
        if let signIn = definition.auth.signIn {
            if definition.auth.tokenUrl == nil { problems.append("$.auth.signIn: a sign-in needs auth.tokenUrl, where it is sent") }
            if RefreshSchedule.seconds(signIn.lifetime) == nil { problems.append("$.auth.signIn.lifetime: not an ISO 8601 duration") }
            if (signIn.body == nil) == (signIn.form == nil) { problems.append("$.auth.signIn: a sign-in sends either body (JSON) or form") }
            if let assertion = signIn.assertion {
                if signIn.form == nil { problems.append("$.auth.signIn.assertion: an assertion is sent in form, as {{assertion}}") }
                let field = definition.auth.credentials?.first { $0.name == assertion.privateKey }
                if field?.secret != true { problems.append("$.auth.signIn.assertion.privateKey: not a secret credential field") }
                if let lifetime = assertion.lifetime, RefreshSchedule.seconds(lifetime) == nil {
                    problems.append("$.auth.signIn.assertion.lifetime: not an ISO 8601 duration")
                }
            }
        }
        if definition.auth.signIn == nil && (definition.auth.refresh?.strategy == "sign_in" || definition.auth.revokeStyle == "session") {
            problems.append("$.auth: the sign_in refresh strategy and the session revoke style need auth.signIn")
        }
        for (index, variable) in (definition.variables ?? []).enumerated()
        where (variable.fromToken != nil || variable.fromCallback != nil || variable.fromAccount != nil) && variable.pattern == nil {
            // The connection's credential (or the app's secret) is sent to the host such a value names.
            problems.append("$.variables[\(index)]: a variable taken from the provider's answer needs a pattern")
        }
        return problems
    }

}
