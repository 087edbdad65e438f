import Foundation

/// Builds the OpenAPI 3.1 document of every procedure from the registry: queries as GET with
/// a JSON `input` query parameter, mutations as POST with a JSON body, subscriptions as GET
/// answering `text/event-stream`, success envelopes with the output schema, the shared error
/// envelope and the answers every procedure can give (400, 401, 403, 429). It promises no
/// more than the server accepts: schemathesis holds it to that (`scripts/conformance.sh`).
public enum OpenAPIDocument {
    /// The document as JSON bytes.
    public static func json(registry: ProcedureRegistry, version: String) -> [UInt8] {
        let data =
            (try? JSONSerialization.data(
                withJSONObject: document(registry: registry, version: version),
                options: [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted])) ?? Data()
        return [UInt8](data)
    }

    static func document(registry: ProcedureRegistry, version: String) -> [String: Any] {
        var paths: [String: Any] = [:]
        for p in registry.all {
            let operation = operation(p)
            paths["/trpc/\(p.name)"] = [p.kind == .mutation ? "post" : "get": operation]
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "NeonHub API", "version": version,
                "description":
                    "tRPC-compatible procedures. Queries: GET /trpc/<name>?input=<JSON>; mutations: POST /trpc/<name> with a JSON body; subscriptions: GET as Server-Sent Events. Batches: comma-separated names with batch=1.",
            ],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]],
                "schemas": ["ErrorEnvelope": errorSchema],
                "responses": [
                    "Error": errorResponse("Error envelope"),
                    "BadRequest": errorResponse("Malformed or invalid input (BAD_REQUEST, with the failing field paths in data.issues)"),
                    "Unauthorized": errorResponse(
                        "Missing, malformed or invalid bearer token (UNAUTHORIZED)",
                        headers: [
                            "WWW-Authenticate": ["description": "Bearer error=\"invalid_token\"", "schema": ["type": "string"]]
                        ]),
                    "Forbidden": errorResponse("The caller's role may not call this procedure (FORBIDDEN)"),
                    "TooManyRequests": errorResponse(
                        "Rate limit exceeded (TOO_MANY_REQUESTS)",
                        headers: [
                            "Retry-After": ["description": "Seconds until a call is accepted again", "schema": ["type": "integer", "minimum": 1]]
                        ]),
                ],
            ],
        ]
    }

    /// One procedure's operation, derived from its declaration alone: the input is required
    /// when its schema refuses the empty input; every procedure may answer 400 (malformed or
    /// invalid input), 401 (a presented token that is not valid, or none where one is needed)
    /// and 429 (the rate limit); admin procedures 403; subscriptions stream
    /// `text/event-stream`.
    static func operation(_ p: Procedure) -> [String: Any] {
        var responses: [String: Any] = [
            "200": success(p),
            "400": ["$ref": "#/components/responses/BadRequest"],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "429": ["$ref": "#/components/responses/TooManyRequests"],
            "default": ["$ref": "#/components/responses/Error"],
        ]
        if p.auth == .admin { responses["403"] = ["$ref": "#/components/responses/Forbidden"] }
        var operation: [String: Any] = [
            "operationId": p.name,
            "summary": p.summary,
            "tags": [String(p.name.split(separator: ".").first ?? "")],
            "responses": responses,
            "x-trpc-kind": p.kind.rawValue,
            "x-auth": p.auth.rawValue,
            // A public procedure takes a token but needs none (a presented one must be valid).
            "security": p.auth == .public ? [[String: [String]](), ["bearer": [String]()]] : [["bearer": [String]()]],
        ]
        let input = p.inputSchema.jsonObject
        let required = !p.inputSchema.acceptsNoInput
        switch p.kind {
        case .query, .subscription:
            operation["parameters"] = [
                [
                    "name": "input", "in": "query", "required": required,
                    "description": required ? "The input as URL-encoded JSON" : "The input as URL-encoded JSON (absent: no input)",
                    "content": ["application/json": ["schema": input]],
                ]
            ]
        case .mutation:
            // tRPC refuses a POST without a JSON content type (415), so the body is always
            // sent; `{}` is the empty input.
            operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": input]]]
        }
        return operation
    }

    /// The 200 answer: the success envelope, or for a subscription the event stream (each
    /// `data:` line one event of the output schema, `event: ping` every 10 s).
    static func success(_ p: Procedure) -> [String: Any] {
        if p.kind == .subscription {
            return [
                "description":
                    "Server-Sent Events as tRPC v11 httpSubscriptionLink reads them: `event: connected`, one message per event (its JSON in `data`, with `id` when resumable), `event: ping` every 10 s, then `event: return` or `event: serialized-error` (the error shape)",
                "content": ["text/event-stream": ["schema": serverSentEventSchema(p.outputSchema)]],
            ]
        }
        return ["description": "Success envelope", "content": ["application/json": ["schema": successSchema(p.outputSchema)]]]
    }

    /// One Server-Sent Event (`event`, `data`, `id`, as OpenAPI 3.2's `itemSchema` reads a
    /// stream): a message carries one event as JSON, `serialized-error` the error shape.
    static func serverSentEventSchema(_ event: JSONSchema?) -> [String: Any] {
        func json(_ schema: [String: Any]) -> [String: Any] { ["contentMediaType": "application/json", "contentSchema": schema] }
        let errorShape = (errorSchema["properties"] as? [String: Any])?["error"] ?? [:]
        return [
            "type": "object", "required": ["event", "data"],
            "properties": [
                "event": ["type": "string", "enum": ["connected", "message", "ping", "return", "serialized-error"]],
                "data": ["type": "string"], "id": ["type": "string"], "retry": ["type": "integer"],
            ],
            "oneOf": [
                ["properties": ["event": ["const": "message"], "data": json(event?.jsonObject ?? [:])]],
                ["properties": ["event": ["const": "serialized-error"], "data": json(errorShape as? [String: Any] ?? [:])]],
                ["properties": ["event": ["enum": ["connected", "ping", "return"]]]],
            ],
        ]
    }

    static func errorResponse(_ description: String, headers: [String: Any]? = nil) -> [String: Any] {
        var response: [String: Any] = [
            "description": description,
            "content": ["application/json": ["schema": ["$ref": "#/components/schemas/ErrorEnvelope"]]],
        ]
        if let headers { response["headers"] = headers }
        return response
    }

    static func successSchema(_ output: JSONSchema?) -> [String: Any] {
        var result: [String: Any] = ["type": "object"]
        if let output {
            result["properties"] = ["data": output.jsonObject]
            result["required"] = ["data"]
        }
        return ["type": "object", "properties": ["result": result], "required": ["result"]]
    }

    static var errorSchema: [String: Any] {
        [
            "type": "object", "required": ["error"],
            "properties": [
                "error": [
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
                                "issues": [
                                    "type": "array",
                                    "items": [
                                        "type": "object",
                                        "properties": [
                                            "path": ["type": "array", "items": ["type": "string"]], "message": ["type": "string"],
                                        ],
                                    ],
                                ],
                            ],
                        ],
                    ],
                ]
            ],
        ]
    }
}
