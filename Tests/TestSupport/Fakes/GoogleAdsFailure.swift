// Google Ads API error payloads, following the documentation:
//
// - Error shape over REST (`{"error": {"code", "message", "status", "details": [GoogleAdsFailure]}}`,
//   `@type` type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure, each error
//   with `errorCode` (one member: the family and its code), `message`, `trigger`, `location`,
//   `details`; `requestId`): https://developers.google.com/google-ads/api/docs/best-practices/error-types
//   and https://developers.google.com/google-ads/api/reference/rpc/v26/GoogleAdsFailure
// - QuotaErrorDetails (`rateScope`, `rateName`, `retryDelay` as a protobuf Duration "30s"):
//   https://developers.google.com/google-ads/api/reference/rpc/v26/QuotaErrorDetails
// - ErrorLocation (`fieldPathElements[]` of `{fieldName, index}`):
//   https://developers.google.com/google-ads/api/reference/rpc/v26/ErrorLocation
// - Partial failures (HTTP 200, `partialFailureError` a google.rpc.Status with the failure in
//   its details): https://developers.google.com/google-ads/api/docs/best-practices/partial-failures

import Foundation
import HTTPFields

/// One Google Ads error (an entry of `GoogleAdsFailure.errors`): family, code, message and,
/// for an operation of a mutate, its index.
public struct GoogleAdsError: Error, Sendable, Equatable {
    /// The `errorCode` member (`authenticationError`, `quotaError`, `mutateError`…).
    public var family: String
    /// Its value (`OAUTH_TOKEN_EXPIRED`).
    public var code: String
    /// `message`.
    public var message: String
    /// The operation index of a mutate (`location.fieldPathElements[0]`), if any.
    public var operation: Int?
    /// The field path after the operation (`update`, `status`).
    public var fieldPath: [String] = []
    /// `details.quotaErrorDetails.retryDelay` of a quota error.
    public var retryDelay: String?

    /// An error.
    public init(family: String, code: String, message: String, operation: Int? = nil, fieldPath: [String] = [], retryDelay: String? = nil) {
        self.family = family
        self.code = code
        self.message = message
        self.operation = operation
        self.fieldPath = fieldPath
        self.retryDelay = retryDelay
    }

    /// The entry of `GoogleAdsFailure.errors`.
    public var json: [String: Any] {
        var entry: [String: Any] = ["errorCode": [family: code], "message": message]
        if let operation {
            // proto3 JSON leaves an int32 0 out: the first operation has no `index`.
            var first: [String: Any] = ["fieldName": "operations"]
            if operation != 0 { first["index"] = operation }
            entry["location"] = ["fieldPathElements": [first] + fieldPath.map { ["fieldName": $0] }]
        }
        if let retryDelay {
            entry["details"] = [
                "quotaErrorDetails": ["rateScope": "DEVELOPER", "rateName": "Requests per developer token", "retryDelay": retryDelay]
            ]
        }
        return entry
    }
}

/// A failed Google Ads call: HTTP status, canonical status, top message and its errors.
public struct GoogleAdsFailure: Error, Sendable {
    /// HTTP status and `error.code`.
    public var httpStatus: Int
    /// `error.status` (`UNAUTHENTICATED`, `INVALID_ARGUMENT`…).
    public var status: String
    /// `error.message`.
    public var message: String
    /// The GoogleAdsFailure's errors.
    public var errors: [GoogleAdsError]
    /// `requestId`.
    public var requestID: String

    /// A failure.
    public init(httpStatus: Int, status: String, message: String, errors: [GoogleAdsError], requestID: String = "fake-request-id") {
        self.httpStatus = httpStatus
        self.status = status
        self.message = message
        self.errors = errors
        self.requestID = requestID
    }

    /// The `@type` of the details entry.
    public static let failureType = "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure"

    /// The details entry: `{"@type", "errors", "requestId"}`.
    public var detail: [String: Any] { ["@type": Self.failureType, "errors": errors.map(\.json), "requestId": requestID] }

    /// The reply `{"error": {"code", "message", "status", "details": [GoogleAdsFailure]}}`.
    public var reply: FakeProviderServer.Reply {
        .json(httpStatus, object: ["error": ["code": httpStatus, "message": message, "status": status, "details": [detail]]])
    }

    /// 400 INVALID_ARGUMENT with `errors`.
    public static func invalidArgument(_ errors: [GoogleAdsError]) -> GoogleAdsFailure {
        GoogleAdsFailure(httpStatus: 400, status: "INVALID_ARGUMENT", message: "Request contains an invalid argument.", errors: errors)
    }

    /// 401 UNAUTHENTICATED with an `authenticationError`.
    public static func unauthenticated(_ code: String, _ message: String) -> GoogleAdsFailure {
        GoogleAdsFailure(
            httpStatus: 401, status: "UNAUTHENTICATED",
            message:
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            errors: [GoogleAdsError(family: "authenticationError", code: code, message: message)])
    }

    /// 403 PERMISSION_DENIED with an `authorizationError`.
    public static func permissionDenied(_ code: String, _ message: String) -> GoogleAdsFailure {
        GoogleAdsFailure(
            httpStatus: 403, status: "PERMISSION_DENIED", message: "The caller does not have permission",
            errors: [GoogleAdsError(family: "authorizationError", code: code, message: message)])
    }

    /// 429 RESOURCE_EXHAUSTED with a `quotaError` and its retry delay.
    public static func quota(_ code: String = "RESOURCE_TEMPORARILY_EXHAUSTED", retryDelay: String? = "30s") -> GoogleAdsFailure {
        GoogleAdsFailure(
            httpStatus: 429, status: "RESOURCE_EXHAUSTED", message: "Resource has been exhausted (e.g. check quota).",
            errors: [
                GoogleAdsError(
                    family: "quotaError", code: code,
                    message: code == "RESOURCE_EXHAUSTED"
                        ? "Too many requests. Retry in 24 hours." : "Too many requests. Retry in \(retryDelay ?? "30s").",
                    retryDelay: retryDelay)
            ])
    }

    /// 500 INTERNAL with an `internalError`.
    public static let internalError = GoogleAdsFailure(
        httpStatus: 500, status: "INTERNAL", message: "Internal error encountered.",
        errors: [GoogleAdsError(family: "internalError", code: "INTERNAL_ERROR", message: "An internal error has occurred.")])
}
