import Foundation

/// One GraphQL request to the fake shop (https://shopify.dev/docs/api/admin-graphql): the
/// operation's declared variables checked (a missing non-null variable is GraphQL's
/// "was provided invalid value" error), its cost calculated and charged to the bucket
/// (https://shopify.dev/docs/api/usage/rate-limits), its root field answered by
/// `ShopifyFake+Operations`, and `extensions.cost` reported with the unused points refunded.
struct ShopifyGraphQL {
    let query: String
    let variables: [String: Any]

    /// Whether the operation is a mutation.
    var isMutation: Bool { query.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("mutation") }

    /// The operation's first root field (`products`, `productCreate`…).
    var root: String? {
        guard let brace = query.firstIndex(of: "{") else { return nil }
        let rest = query[query.index(after: brace)...].drop { $0 == " " || $0 == "\n" }
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        return name.isEmpty ? nil : String(name)
    }

    /// The variables the operation declares, with their types (`first` → `Int!`).
    var declared: [(name: String, type: String)] {
        guard let brace = query.firstIndex(of: "{"), let open = query[..<brace].firstIndex(of: "("),
            let close = query[..<brace].lastIndex(of: ")")
        else { return [] }
        return query[query.index(after: open)..<close].split(separator: ",").compactMap { part in
            let pieces = part.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count == 2, pieces[0].hasPrefix("$") else { return nil }
            return (String(pieces[0].dropFirst()), pieces[1].split(separator: "=").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? pieces[1])
        }
    }

    /// Page size of a connection (`first`), as the request gives it.
    var first: Int { (variables["first"] as? NSNumber)?.intValue ?? 0 }

    static let connections: Set<String> = ["products", "orders", "customers", "locations", "webhookSubscriptions"]

    /// The requested cost: objects 1, connections 2 + first × the node's cost, mutations 10.
    var requestedCost: Double {
        if isMutation { return 10 }
        switch root {
        case "shop": return 2  // the shop and its primaryDomain
        case "inventoryItem": return 1 + 2 + Double(first) * 2  // each level and its location
        case let name? where Self.connections.contains(name): return 2 + Double(first)
        default: return 1
        }
    }

    func answer(in fake: ShopifyFake) -> FakeProviderServer.Reply {
        for (name, type) in declared where type.hasSuffix("!") && (variables[name] == nil || variables[name] is NSNull) {
            return .json(
                200,
                object: [
                    "errors": [
                        [
                            "message": "Variable $\(name) of type \(type) was provided invalid value", "locations": [["line": 1, "column": 1]],
                            "extensions": ["value": NSNull(), "problems": [["path": [] as [Any], "explanation": "Expected value to not be null"]]],
                        ] as [String: Any]
                    ]
                ])
        }
        guard let root, let operation = fake.operation(root) else {
            return .json(
                200,
                object: [
                    "errors": [
                        [
                            "message": "Field '\(root ?? "")' doesn't exist on type '\(isMutation ? "Mutation" : "QueryRoot")'",
                            "extensions": ["code": "undefinedField", "typeName": isMutation ? "Mutation" : "QueryRoot", "fieldName": root ?? ""],
                        ] as [String: Any]
                    ]
                ])
        }
        let requested = requestedCost
        guard requested <= 1000 else {
            return .json(
                200,
                object: [
                    "errors": [
                        [
                            "message": "Query cost is \(Int(requested)), which exceeds the single query max cost limit (1000).",
                            "extensions": [
                                "code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": 1000,
                                "documentation": "https://shopify.dev/api/usage/rate-limits",
                            ],
                        ] as [String: Any]
                    ]
                ])
        }
        let charged = fake.charge(requested)
        guard charged.ok else {
            return .json(
                200,
                object: [
                    "errors": [
                        ["message": "Throttled", "extensions": ["code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"]]
                            as [String: Any]
                    ],
                    "extensions": fake.costExtension(requested: requested, actual: nil, available: charged.available),
                ])
        }
        let result = operation(self)
        if let errors = result.errors {
            let available = fake.refund(requested)
            return .json(200, object: ["errors": errors, "extensions": fake.costExtension(requested: requested, actual: 0, available: available)])
        }
        let actual = isMutation ? requested : result.returned.map { root == "inventoryItem" ? 3 + Double($0) * 2 : 2 + Double($0) } ?? requested
        let available = fake.refund(requested - actual)
        return .json(
            200, object: ["data": [root: result.data], "extensions": fake.costExtension(requested: requested, actual: actual, available: available)])
    }

    /// A connection of `nodes` (first/after with base64 offset cursors): the page and how many it holds.
    func page(_ nodes: [[String: Any]]) -> (connection: [String: Any], count: Int) {
        let start =
            (variables["after"] as? String).flatMap { Data(base64Encoded: $0) }.flatMap {
                String(decoding: $0, as: UTF8.self).split(separator: ":").last
            }
            .flatMap { Int($0) } ?? 0
        let size = max(0, min(first, 250))
        let slice = Array(nodes.dropFirst(start).prefix(size))
        let end = start + slice.count
        let cursor = Data("offset:\(end)".utf8).base64EncodedString()
        let connection: [String: Any] = [
            "edges": slice.map { ["node": $0, "cursor": Data("offset:\(start + 1)".utf8).base64EncodedString()] },
            "pageInfo": ["hasNextPage": end < nodes.count, "endCursor": slice.isEmpty ? NSNull() as Any : cursor as Any] as [String: Any],
        ]
        return (connection, slice.count)
    }

    /// A term of Shopify's search syntax in the `query` variable (`status:active`, `email:a@b.c`).
    func searchTerm(_ name: String) -> String? {
        guard let text = variables["query"] as? String else { return nil }
        return text.split(separator: " ").first { $0.lowercased().hasPrefix("\(name):") }.map { String($0.dropFirst(name.count + 1)).lowercased() }
    }
}

/// What an operation answers: its data, or top-level errors, and for connections how many nodes
/// it returned (the actual cost).
struct ShopifyOperationResult {
    var data: Any
    var errors: [[String: Any]]? = nil
    var returned: Int? = nil
}
