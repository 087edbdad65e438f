/// The tRPC error codes with their JSON-RPC numbers and HTTP statuses (DESIGN §4).
/// `RPCErrorMapper` is the one place where errors map to these codes.
public enum RPCErrorCode: String, Sendable, CaseIterable, Codable {
    case parseError = "PARSE_ERROR"
    case badRequest = "BAD_REQUEST"
    case unauthorized = "UNAUTHORIZED"
    case forbidden = "FORBIDDEN"
    case notFound = "NOT_FOUND"
    case methodNotSupported = "METHOD_NOT_SUPPORTED"
    case timeout = "TIMEOUT"
    case conflict = "CONFLICT"
    case preconditionFailed = "PRECONDITION_FAILED"
    case payloadTooLarge = "PAYLOAD_TOO_LARGE"
    case unsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
    case unprocessableContent = "UNPROCESSABLE_CONTENT"
    case tooManyRequests = "TOO_MANY_REQUESTS"
    case clientClosedRequest = "CLIENT_CLOSED_REQUEST"
    case internalServerError = "INTERNAL_SERVER_ERROR"
    case notImplemented = "NOT_IMPLEMENTED"
    case badGateway = "BAD_GATEWAY"
    case serviceUnavailable = "SERVICE_UNAVAILABLE"
    case gatewayTimeout = "GATEWAY_TIMEOUT"

    /// The JSON-RPC 2.0 style number tRPC puts in `error.code`.
    public var jsonRPCCode: Int {
        switch self {
        case .parseError: -32700
        case .badRequest: -32600
        case .unauthorized: -32001
        case .forbidden: -32003
        case .notFound: -32004
        case .methodNotSupported: -32005
        case .timeout: -32008
        case .conflict: -32009
        case .preconditionFailed: -32012
        case .payloadTooLarge: -32013
        case .unsupportedMediaType: -32015
        case .unprocessableContent: -32022
        case .tooManyRequests: -32029
        case .clientClosedRequest: -32099
        case .internalServerError, .notImplemented, .badGateway, .serviceUnavailable, .gatewayTimeout: -32603
        }
    }

    /// The HTTP status tRPC answers with.
    public var httpStatus: Int {
        switch self {
        case .parseError, .badRequest: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .methodNotSupported: 405
        case .timeout: 408
        case .conflict: 409
        case .preconditionFailed: 412
        case .payloadTooLarge: 413
        case .unsupportedMediaType: 415
        case .unprocessableContent: 422
        case .tooManyRequests: 429
        case .clientClosedRequest: 499
        case .internalServerError: 500
        case .notImplemented: 501
        case .badGateway: 502
        case .serviceUnavailable: 503
        case .gatewayTimeout: 504
        }
    }
}
