import Foundation
import HTTPFields

// The error answers of `DropboxFake` (plain-text 400s, 401 AuthError, 409 endpoint errors, 429
// RateLimitError with Retry-After) and its content hash, as documented at
//   https://www.dropbox.com/developers/documentation/http/documentation (“Errors”),
//   https://developers.dropbox.com/error-handling-guide and
//   https://www.dropbox.com/developers/reference/content-hash
// (DropboxFake.swift's header cites the page of each answer).
extension DropboxFake {
    func reply(for fault: Fault) -> Reply {
        switch fault {
        case .rateLimited(let reason, let retryAfter):
            var headers = HTTPHeaders()
            headers.add(name: "Retry-After", value: String(retryAfter))
            return .json(
                429, #"{"error_summary":"\#(reason)/..","error":{"reason":{".tag":"\#(reason)"},"retry_after":\#(retryAfter)}}"#,
                headers: headers)
        case .auth(let tag): return Self.authError(tag)
        case .endpointError(let summary, let errorJSON): return .json(409, #"{"error_summary":"\#(summary)","error":\#(errorJSON)}"#)
        case .plainText(let status, let text): return Self.text(status, text)
        }
    }

    // MARK: - Pieces

    /// A refused request: the reply Dropbox gives.
    struct Refusal: Error {
        var reply: Reply
    }

    /// A plain-text answer (`text/plain; charset=utf-8`).
    static func text(_ status: Int, _ text: String) -> Reply {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        return Reply(status: status, headers: headers, body: Array(text.utf8))
    }

    /// A 400 as Dropbox words it: `Error in call to API function "<endpoint>": <detail>`.
    static func badInput(_ endpoint: String, _ detail: String) -> Reply {
        text(400, "Error in call to API function \"\(endpoint)\": \(detail)")
    }

    /// 401 with `AuthError` `tag` (`missing_scope` names the scope needed).
    static func authError(_ tag: String, requiredScope: String? = nil) -> Reply {
        var headers = HTTPHeaders()
        headers.add(name: "WWW-Authenticate", value: "Bearer realm=\"Dropbox-API\"")
        let extra = requiredScope.map { #","required_scope":"\#($0)""# } ?? ""
        return .json(401, #"{"error_summary":"\#(tag)/..","error":{".tag":"\#(tag)"\#(extra)}}"#, headers: headers)
    }

    /// 409 with an endpoint error: `error_summary` and the `error` union.
    static func endpointError(_ summary: String, _ error: [String: Any]) -> Reply {
        .json(409, object: ["error_summary": summary, "error": error])
    }

    /// `path/not_found/..`, the `LookupError` of a path that holds nothing.
    static func notFound(_ tag: String = "path") -> Reply {
        endpointError("\(tag)/not_found/..", [".tag": tag, tag: [".tag": "not_found"]])
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// Dropbox's content hash: the SHA-256 of the concatenated SHA-256 digests of each 4 MiB block,
    /// as lowercase hex (https://www.dropbox.com/developers/reference/content-hash).
    public static func contentHash(_ bytes: [UInt8]) -> String {
        let block = 4 * 1024 * 1024
        var digests: [UInt8] = []
        for start in stride(from: 0, to: bytes.count, by: block) {
            digests += PKCE.sha256(Array(bytes[start..<min(bytes.count, start + block)]))
        }
        return PKCE.sha256(digests).map { String(format: "%02x", $0) }.joined()
    }
}
