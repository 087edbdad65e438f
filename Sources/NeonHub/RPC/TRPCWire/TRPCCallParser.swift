import Foundation
import HTTPCore

/// Reads one tRPC HTTP request in two steps, so that the answer follows the order of
/// DESIGN §4: first what the path and query name (the procedures, in path order, and whether
/// it is a batch), which is enough to route, authenticate and authorize; then, only for calls
/// that got that far, their raw inputs (from `input=` or the body).
struct TRPCCallParser {
    /// What a request names: procedure names in path order, batch or not, and its query.
    struct Target {
        var names: [String]
        var isBatch: Bool
        /// The query parameters, form-decoded.
        var parameters: [String: String]
    }

    /// Most calls accepted in one batch.
    static let maxBatch = 50

    /// Reads `/trpc/<a,b>?batch=1&…` (path and query only; the input is not touched).
    static func target(_ request: HTTPRequest, prefix: String) -> Result<Target, RPCError> {
        let rawPath = String(Substring(request.path.utf8.dropFirst(prefix.utf8.count)))
        // The common case, one plain name (`system.ping`), skips the split and the decoding.
        let names =
            rawPath.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "%") })
            ? rawPath.split(separator: ",", omittingEmptySubsequences: false).map { percentDecoded(String($0)) }
            : [rawPath]
        let params = QueryString.parameters(request.query)
        let isBatch = params["batch"] == "1" || params["batch"] == "true"
        if names.count > 1 && !isBatch { return .failure(RPCError(.badRequest, "Several procedures need batch=1")) }
        if names.count > maxBatch { return .failure(RPCError(.badRequest, "Too many calls in one batch (max \(maxBatch))")) }
        return .success(Target(names: names, isBatch: isBatch, parameters: params))
    }

    /// The raw input of each named call, by position (nil: no input). A malformed JSON input,
    /// or a batch input that is not an object keyed by call index, fails the whole request.
    static func inputs(_ request: HTTPRequest, target: Target) -> Result<[JSONValue?], RPCError> {
        var rawInput: JSONValue?
        if request.method == "GET" || request.method == "HEAD" {
            if let text = target.parameters["input"], !text.isEmpty {
                guard let value = try? JSONValue.parse(Array(text.utf8)) else {
                    return .failure(RPCError(.badRequest, "Malformed JSON in input"))
                }
                rawInput = value
            }
        } else if !request.body.isEmpty {
            guard let value = try? JSONValue.parse(request.body) else {
                return .failure(RPCError(.badRequest, "Malformed JSON body"))
            }
            rawInput = value
        }
        if !target.isBatch { return .success([rawInput]) }
        var map: [String: JSONValue] = [:]
        switch rawInput {
        case .none, .some(.null): break
        case .some(.object(let o)): map = o
        case .some: return .failure(RPCError(.badRequest, "A batch input must be an object keyed by call index"))
        }
        return .success(target.names.indices.map { index in map[String(index)].flatMap { $0 == .null ? nil : $0 } })
    }

    /// Percent-decodes a path segment (skipping the work when there is no `%`); in a path `+`
    /// is a plain `+`.
    static func percentDecoded(_ s: String) -> String {
        guard s.utf8.contains(UInt8(ascii: "%")) else { return s }
        return s.removingPercentEncoding ?? s
    }
}
