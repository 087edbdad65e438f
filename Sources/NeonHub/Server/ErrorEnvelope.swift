import Foundation
import HTTPCore

/// The JSON error body every non-success answer uses, in tRPC's shape:
/// `{"error":{"message":…,"code":-32004,"data":{"code":"NOT_FOUND","httpStatus":404,"path":…}}}`.
public enum ErrorEnvelope {
    /// Encodes the envelope (object, not array).
    public static func json(code: RPCErrorCode, message: String, path: String? = nil, extra: [String: Any] = [:], httpStatus: Int? = nil) -> [UInt8] {
        var data: [String: Any] = ["code": code.rawValue, "httpStatus": httpStatus ?? code.httpStatus]
        if let path { data["path"] = path }
        for (k, v) in extra { data[k] = v }
        let object: [String: Any] = ["error": ["message": message, "code": code.jsonRPCCode, "data": data]]
        let encoded = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return [UInt8](encoded)
    }

    /// A complete HTTP response carrying the envelope.
    public static func response(code: RPCErrorCode, message: String, path: String? = nil, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var h = headers
        h.replaceOrAdd(name: "Content-Type", value: "application/json")
        return HTTPResponse(status: code.httpStatus, headers: h, body: json(code: code, message: message, path: path))
    }

    /// The server core's protocol-error answer (malformed request, timeout) as an envelope.
    /// `data.httpStatus` is the real status (414, 431, 505… have no tRPC code of their own),
    /// and the answer carries a generated `X-Request-Id` like every other response.
    @Sendable public static func protocolError(status: Int, reason: String) -> HTTPResponse {
        let body = json(code: RPCErrorCode.forHTTPStatus(status), message: reason, httpStatus: status)
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json", "X-Request-Id": RequestID.resolve(nil)], body: body)
    }
}
