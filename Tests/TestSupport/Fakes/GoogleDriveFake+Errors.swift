// The Google Drive fake's errors, in the shape and with the reasons and messages of
// https://developers.google.com/workspace/drive/api/guides/handle-errors (and
// https://cloud.google.com/apis/design/errors for the canonical `status`); see
// GoogleDriveFake.swift for the rest of the sources.

import Foundation
import HTTPFields

extension GoogleDriveFake {
    /// A Drive API error: the HTTP status and canonical status (as `GoogleAPIError`) with the
    /// Drive API's `errors[0]` (`domain`, `reason`, `message`, `location`).
    public struct DriveError: Error, Sendable {
        /// Status, canonical status, top-level `message` and headers.
        public var base: GoogleAPIError
        /// `errors[0].reason` (`notFound`, `userRateLimitExceeded`, …).
        public var reason: String
        /// `errors[0].domain` (`global`, `usageLimits`).
        public var domain: String
        /// `errors[0].location` and `locationType` (`fileId`/`parameter`, `Authorization`/`header`).
        public var location: (name: String, type: String)?

        /// An error with `message` both at the top and in `errors[0]`.
        public init(
            _ code: Int, reason: String, domain: String = "global", message: String, location: (name: String, type: String)? = nil,
            headers: [String: String] = [:]
        ) {
            base = GoogleAPIError(code: code, status: Self.canonical[code] ?? "", message: message, headers: headers)
            self.reason = reason
            self.domain = domain
            self.location = location
        }

        static let canonical = [
            400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
            500: "INTERNAL", 503: "UNAVAILABLE",
        ]

        /// 401 authError "Invalid Credentials" (documented).
        public static let invalidCredentials = DriveError(
            401, reason: "authError", message: "Invalid Credentials", location: ("Authorization", "header"),
            headers: ["WWW-Authenticate": #"Bearer realm="https://accounts.google.com/", error="invalid_token""#])
        /// 403 userRateLimitExceeded (documented).
        public static let userRateLimitExceeded = DriveError(
            403, reason: "userRateLimitExceeded", domain: "usageLimits", message: "User Rate Limit Exceeded")
        /// 403 rateLimitExceeded (documented).
        public static let rateLimitExceeded = DriveError(403, reason: "rateLimitExceeded", domain: "usageLimits", message: "Rate Limit Exceeded")
        /// 429 rateLimitExceeded, "Too many requests" (documented).
        public static let tooManyRequests = DriveError(429, reason: "rateLimitExceeded", domain: "usageLimits", message: "Rate Limit Exceeded")
        /// 403 storageQuotaExceeded (documented).
        public static let storageQuotaExceeded = DriveError(
            403, reason: "storageQuotaExceeded", domain: "usageLimits", message: "The user's Drive storage quota has been exceeded.")
        /// 500 backendError (documented).
        public static let backendError = DriveError(500, reason: "backendError", message: "Backend Error")
        /// 503 backendError, as the upload server answers an interrupted PUT.
        public static let unavailable = DriveError(503, reason: "backendError", message: "Backend Error")

        /// 404 notFound "File not found: <id>." at `location` (documented).
        public static func notFound(_ id: String, location: String = "fileId") -> DriveError {
            DriveError(404, reason: "notFound", message: "File not found: \(id).", location: (location, "parameter"))
        }

        /// 403 insufficientFilePermissions (documented).
        public static func insufficientFilePermissions(_ id: String) -> DriveError {
            DriveError(403, reason: "insufficientFilePermissions", message: "The user does not have sufficient permissions for file \(id).")
        }

        /// 400 with `reason` (`badRequest`, `invalid`, `required`, `invalidParameter`, `parseError`).
        public static func bad(_ reason: String, _ message: String, location: String? = nil) -> DriveError {
            DriveError(400, reason: reason, message: message, location: location.map { ($0, "parameter") })
        }

        /// The reply: `{"error": {"code", "message", "status"?, "errors": [{domain, reason, message, …}]}}`.
        public var reply: FakeProviderServer.Reply {
            var entry: [String: Any] = ["domain": domain, "reason": reason, "message": base.message]
            if let location {
                entry["location"] = location.name
                entry["locationType"] = location.type
            }
            var error: [String: Any] = ["code": base.code, "message": base.message, "errors": [entry]]
            if !base.status.isEmpty { error["status"] = base.status }
            var fields = HTTPHeaders()
            for (name, value) in base.headers.sorted(by: { $0.key < $1.key }) { fields.add(name: name, value: value) }
            return .json(base.code, object: ["error": error], headers: fields)
        }
    }
}
