import Foundation

/// The `connectors.*` procedures (DESIGN §4).
enum ConnectorProcedures {
    struct CatalogInput: RPCInput {
        static let schema = JSONSchema.object(
            [
                ("category", .string(maxLength: 64)),
                ("availability", .string(enumValues: ["stable", "experimental", "disabled"])),
                ("wave", .string(maxLength: 32)),
            ], required: [])
        let category: String?
        let availability: String?
        let wave: String?
    }

    struct ActionOutput: Encodable, Sendable {
        let id: String
        let name: String
        let kind: String
        let inputSchema: JSONValue
    }

    struct AuthOutput: Encodable, Sendable {
        let type: String
        let scopes: [String]
    }

    struct TriggerOutput: Encodable, Sendable {
        let id: String
        let type: String
        let description: String
        let events: [String]?
    }

    struct ConnectorOutput: RPCOutput {
        static let schema = JSONSchema.object(
            [
                ("id", .string()), ("name", .string()), ("category", .string()), ("wave", .string()), ("availability", .string()),
                ("auth", .object([("type", .string()), ("scopes", .array(.string()))], required: ["type", "scopes"])),
                (
                    "actions",
                    .array(
                        .object(
                            [("id", .string()), ("name", .string()), ("kind", .string(enumValues: ["read", "write"])), ("inputSchema", .any)],
                            required: ["id", "name", "kind", "inputSchema"]))
                ),
                ("triggers", .array(.any)),
            ], required: ["id", "name", "category", "wave", "availability", "auth", "actions", "triggers"])
        let id: String
        let name: String
        let category: String
        let wave: String
        let availability: String
        let auth: AuthOutput
        let actions: [ActionOutput]
        let triggers: [TriggerOutput]

        init(_ d: ConnectorDefinition) {
            id = d.id; name = d.name; category = d.category; wave = d.wave; availability = d.availability
            auth = AuthOutput(type: d.auth.type, scopes: d.auth.scopes ?? [])
            actions = d.actions.map { ActionOutput(id: $0.id, name: $0.name, kind: $0.kind, inputSchema: $0.inputSchema) }
            triggers = d.triggers.map { TriggerOutput(id: $0.id, type: $0.type, description: $0.description, events: $0.events) }
        }
    }

    struct CatalogOutput: RPCOutput {
        static var schema: JSONSchema { .array(ConnectorOutput.schema) }
        let items: [ConnectorOutput]
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(items)
        }
    }

    static func register(in registry: ProcedureRegistry, catalog: ConnectorCatalog) {
        let all = catalog.definitions.map(ConnectorOutput.init)
        // The whole catalog (about 170 KB of JSON) is encoded once; filtered answers are small.
        registry.inlineQuery(
            "connectors.catalog", auth: .user, summary: "The connector catalog, filtered by category, availability or wave",
            answerWithoutInput: CatalogOutput(items: all)
        ) { (input: CatalogInput, _) in
            CatalogOutput(
                items: all.filter { connector in
                    (input.category.map { $0 == connector.category } ?? true)
                        && (input.availability.map { $0 == connector.availability } ?? true)
                        && (input.wave.map { $0 == connector.wave } ?? true)
                })
        }
    }
}
