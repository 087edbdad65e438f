import Foundation
public import HTTPCore
public import HTTPFields

/// The JSON error body every non-success answer uses, in tRPC's shape:
/// `{"error":{"message":…,"code":-32004,"data":{"code":"NOT_FOUND","httpStatus":404,"path":…,"issues":[…]}}}`.
public enum ErrorEnvelope {
    /// The error shape (the value of `error`): message, JSON-RPC code and `data`, with the
    /// validation issues when there are any. `httpStatus` overrides the code's own status.
    static func shape(_ error: RPCError, path: String?, httpStatus: Int? = nil) -> [String: Any] {
        var data: [String: Any] = ["code": error.code.rawValue, "httpStatus": httpStatus ?? error.code.httpStatus]
        if let path { data["path"] = path }
        if !error.issues.isEmpty { data["issues"] = error.issues.map { ["path": $0.path, "message": $0.message] } }
        return ["message": error.message, "code": error.code.jsonRPCCode, "data": data]
    }

    /// The envelope `{"error": shape}` as bytes.
    public static func json(_ error: RPCError, path: String? = nil, httpStatus: Int? = nil) -> [UInt8] {
        encode(["error": shape(error, path: path, httpStatus: httpStatus)])
    }

    /// The shape alone as bytes (what an SSE `serialized-error` event carries).
    static func shapeJSON(_ error: RPCError, path: String?) -> [UInt8] {
        encode(shape(error, path: path))
    }

    /// A complete HTTP response carrying the envelope.
    public static func response(_ error: RPCError, path: String? = nil, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var h = headers
        h.replaceOrAdd(name: "Content-Type", value: "application/json")
        return HTTPResponse(status: error.code.httpStatus, headers: h, body: json(error, path: path))
    }

    /// The server core's protocol-error answer (malformed request, timeout) as an envelope.
    /// `data.httpStatus` is the real status (414, 431, 505… have no tRPC code of their own),
    /// and the answer carries a generated `X-Request-Id` like every other response.
    @Sendable public static func protocolError(status: Int, reason: String) -> HTTPResponse {
        let body = json(RPCError(RPCErrorMapper.code(forHTTPStatus: status), reason), httpStatus: status)
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json", "X-Request-Id": RequestID.resolve(nil)], body: body)
    }

    /// The router's answer for a path no route serves (404).
    @Sendable public static func noRoute(_ request: HTTPRequest) -> HTTPResponse {
        response(RPCError(.notFound, "No route for \(request.method) \(request.path.prefix(200))"))
    }

    /// The router's answer for a method the route does not accept (405, with `Allow`).
    @Sendable public static func methodNotAllowed(_ request: HTTPRequest, allowed: [String]) -> HTTPResponse {
        response(
            RPCError(.methodNotSupported, "\(request.method) is not allowed here"),
            headers: ["Allow": allowed.joined(separator: ", ")])
    }

    private static func encode(_ object: [String: Any]) -> [UInt8] {
        [UInt8]((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }
}
