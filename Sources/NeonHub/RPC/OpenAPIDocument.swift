import Foundation
/// Builds the OpenAPI 3.1 document of every procedure from the registry: queries as GET with
/// a JSON `input` query parameter, mutations as POST with a JSON body, success envelopes with
/// the output schema, and the shared error envelope.
public enum OpenAPIDocument {
    /// The document as JSON bytes.
    public static func json(registry: ProcedureRegistry, version: String) -> [UInt8] {
        let data = (try? JSONSerialization.data(withJSONObject: document(registry: registry, version: version),
                                                options: [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted])) ?? Data()
        return [UInt8](data)
    }

    static func document(registry: ProcedureRegistry, version: String) -> [String: Any] {
        var paths: [String: Any] = [:]
        for p in registry.all {
            let success: [String: Any] = [
                "description": "Success envelope",
                "content": ["application/json": ["schema": successSchema(p.outputSchema)]],
            ]
            var responses: [String: Any] = ["200": success, "default": ["$ref": "#/components/responses/Error"]]
            if p.auth != .public { responses["401"] = ["$ref": "#/components/responses/Error"] }
            var operation: [String: Any] = [
                "operationId": p.name,
                "summary": p.summary,
                "tags": [String(p.name.split(separator: ".").first ?? "")],
                "responses": responses,
                "x-trpc-kind": p.kind.rawValue,
                "x-auth": p.auth.rawValue,
            ]
            if p.auth != .public { operation["security"] = [["bearer": [String]()]] }
            let input = p.inputSchema.jsonObject
            switch p.kind {
            case .query, .subscription:
                operation["parameters"] = [[
                    "name": "input", "in": "query", "required": false,
                    "description": "The input as URL-encoded JSON",
                    "content": ["application/json": ["schema": input]],
                ]]
                paths["/trpc/\(p.name)"] = ["get": operation]
            case .mutation:
                operation["requestBody"] = ["required": false, "content": ["application/json": ["schema": input]]]
                paths["/trpc/\(p.name)"] = ["post": operation]
            }
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "NeonHub API", "version": version,
                     "description": "tRPC-compatible procedures. Queries: GET /trpc/<name>?input=<JSON>; mutations: POST /trpc/<name> with a JSON body. Batches: comma-separated names with batch=1."],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]],
                "schemas": ["ErrorEnvelope": errorSchema],
                "responses": ["Error": ["description": "Error envelope",
                                        "content": ["application/json": ["schema": ["$ref": "#/components/schemas/ErrorEnvelope"]]]]],
            ],
        ]
    }

    static func successSchema(_ output: JSONSchema?) -> [String: Any] {
        var result: [String: Any] = ["type": "object"]
        if let output {
            result["properties"] = ["data": output.jsonObject]
            result["required"] = ["data"]
        }
        return ["type": "object", "properties": ["result": result], "required": ["result"]]
    }

    static var errorSchema: [String: Any] { [
        "type": "object", "required": ["error"],
        "properties": ["error": [
            "type": "object", "required": ["message", "code", "data"],
            "properties": [
                "message": ["type": "string"],
                "code": ["type": "integer"],
                "data": [
                    "type": "object", "required": ["code", "httpStatus"],
                    "properties": [
                        "code": ["type": "string", "enum": RPCErrorCode.allCases.map(\.rawValue)],
                        "httpStatus": ["type": "integer"],
                        "path": ["type": "string"],
                        "issues": ["type": "array", "items": ["type": "object", "properties": [
                            "path": ["type": "array", "items": ["type": "string"]], "message": ["type": "string"]]]],
                    ],
                ],
            ],
        ]],
    ] }
}
