import Foundation
import HTTPCore

/// The calls one tRPC HTTP request asks for: procedure names (in path order) and their raw
/// inputs, or a request-level error (answered as one error object).
struct TRPCCallParser {
    struct Call {
        var name: String
        var input: JSONValue?
    }

    /// Most calls accepted in one batch.
    static let maxBatch = 50

    /// Parses `/trpc/<a,b>?batch=1&input=…` plus the body.
    static func parse(_ request: HTTPRequest, prefix: String) -> Result<(calls: [Call], isBatch: Bool), RPCError> {
        let rawPath = String(Substring(request.path.utf8.dropFirst(prefix.utf8.count)))
        // The common case, one plain name (`system.ping`), skips the split and the decoding.
        let names = rawPath.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "%") })
            ? rawPath.split(separator: ",", omittingEmptySubsequences: false).map { percentDecoded(String($0)) }
            : [rawPath]
        let params = queryParameters(request.query)
        let isBatch = params["batch"] == "1" || params["batch"] == "true"
        if names.count > 1 && !isBatch { return .failure(RPCError(.badRequest, "Several procedures need batch=1")) }
        if names.count > maxBatch { return .failure(RPCError(.badRequest, "Too many calls in one batch (max \(maxBatch))")) }

        var rawInput: JSONValue?
        if request.method == "GET" || request.method == "HEAD" {
            if let text = params["input"], !text.isEmpty {
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

        if !isBatch {
            return .success(([Call(name: names[0], input: rawInput)], false))
        }
        var map: [String: JSONValue] = [:]
        switch rawInput {
        case .none, .some(.null): break
        case .some(.object(let o)): map = o
        case .some: return .failure(RPCError(.badRequest, "A batch input must be an object keyed by call index"))
        }
        let calls = names.enumerated().map { index, name in
            Call(name: name, input: map[String(index)].flatMap { $0 == .null ? nil : $0 })
        }
        return .success((calls, true))
    }

    /// Percent-decodes (skipping the work when there is no `%`).
    static func percentDecoded(_ s: String) -> String {
        guard s.utf8.contains(UInt8(ascii: "%")) else { return s }
        return s.removingPercentEncoding ?? s
    }

    /// Decodes `a=1&b=%7B%7D` (percent-decoding; `+` stays `+`, as encodeURIComponent writes it).
    static func queryParameters(_ query: String?) -> [String: String] {
        guard let query else { return [:] }
        var out: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecoded(String(parts[0]))
            let value = parts.count > 1 ? percentDecoded(String(parts[1])) : ""
            if out[key] == nil { out[key] = value }
        }
        return out
    }
}
