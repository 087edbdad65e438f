import Foundation
import HTTPFields

/// How a provider's own error codes refine the HTTP status (DESIGN §7 "expiry rules"): Meta
/// answers an expired token with 400 and code 190, Slack answers every error with HTTP 200
/// and `ok: false`. The rules come from the definition's `errors` block.
struct ProviderErrorRules: Sendable {
    let rules: ConnectorDefinition.ErrorRules?
    let connector: String
    /// Where a 429 says how long to wait and which limit it was (`resetAfterHeader`, `scopeHeader`).
    var rateLimit: ConnectorDefinition.RateLimit? = nil

    /// The provider's code and message in an error body, if the definition says where.
    func read(_ body: JSONValue) -> (code: String?, message: String?) {
        // `error.code|error.type`: the first path that holds a value (Stripe sends no code on some errors, always a type).
        let message = Self.first(of: rules?.messagePath, in: body, JSONPath.text)
        let code = messageCode(message) ?? Self.first(of: rules?.codePath, in: body, Self.codeText)
        guard let details = details(body) else { return (code, message) }
        return (code, message.map { "\($0) (\(details))" } ?? details)
    }

    /// The code `errors.messageCodePattern` finds in `message` (its first capture), if any.
    func messageCode(_ message: String?) -> String? {
        guard let pattern = rules?.messageCodePattern, let message, let regex = try? Regex(pattern),
            let match = try? regex.firstMatch(in: message), match.output.count > 1, let captured = match.output[1].substring
        else { return nil }
        return captured.isEmpty ? nil : String(captured)
    }

    /// What the entries at `errors.detailsPath` say, the first three joined. In a list, an
    /// entry's `message`, else its `field` and `code` (GitHub's 422 `errors[]`:
    /// `{resource, field, code}` says which field was refused and why, where the message only
    /// says "Validation Failed"); in an object, each member's text (Opsgenie's 422
    /// `errors: {message: "Message can not be empty."}`); a text as it is (Intuit's `Detail`
    /// names the parameter its generic `Message` does not). `a|b`: the first path that holds
    /// something. Nil when there is nothing.
    func details(_ body: JSONValue) -> String? {
        guard let found = Self.first(of: rules?.detailsPath, in: body, { $0 }) else { return nil }
        if let text = JSONPath.text(found) { return text.isEmpty ? nil : text }
        if case .object(let members) = found {
            let texts = members.sorted { $0.key < $1.key }.prefix(3).compactMap { JSONPath.text($0.value) }.filter { !$0.isEmpty }
            return texts.isEmpty ? nil : texts.joined(separator: "; ")
        }
        guard case .array(let entries) = found else { return nil }
        let texts = entries.prefix(3).compactMap { entry -> String? in
            if let message = JSONPath.text(entry["message"]), !message.isEmpty { return message }
            let parts = [JSONPath.text(entry["field"]), JSONPath.text(entry["code"])].compactMap { $0 }
            return parts.isEmpty ? nil : parts.joined(separator: ": ")
        }
        return texts.isEmpty ? nil : texts.joined(separator: "; ")
    }

    /// The first of the `|`-separated `paths` whose value `read` makes something of.
    static func first<T>(of paths: String?, in body: JSONValue, _ read: (JSONValue?) -> T?) -> T? {
        for path in paths?.split(separator: "|") ?? [] {
            if let found = read(JSONPath.value(at: String(path), in: body)) { return found }
        }
        return nil
    }

    /// A code's text: a scalar as it is; an object of one member naming a family and its code
    /// (Google Ads' `errorCode`, `{"quotaError": "RESOURCE_EXHAUSTED"}`) as `family.CODE`.
    static func codeText(_ value: JSONValue?) -> String? {
        if case .object(let members)? = value, members.count == 1, let (family, code) = members.first, let text = JSONPath.text(code) {
            return "\(family).\(text)"
        }
        return JSONPath.text(value)
    }

    /// A 2xx body whose status field says it failed: `ok: false` (Slack), or a code other
    /// than the `successCodes` (TikTok's `error.code` other than `ok`). Bodies that list their
    /// errors are the other rule, `listedError`.
    func isErrorDespiteSuccess(_ body: JSONValue) -> Bool {
        if let okPath = rules?.okPath, JSONPath.value(at: okPath, in: body) == .bool(false) { return true }
        if let success = rules?.successCodes, !success.isEmpty, let code = read(body).code { return !success.contains(code) }
        return false
    }

    /// The error a 2xx body lists (`errors.errorListPaths`): the first non-empty list's first
    /// entry's code and the messages of its first three entries. An object entry's code is its
    /// `extensions.code` (GraphQL) or `code`, its message `message`; an array entry is
    /// `[code, message, …]` (Reddit's `json.errors`).
    func listedError(_ body: JSONValue) -> (code: String?, message: String?)? {
        for path in rules?.errorListPaths ?? [] {
            for value in Self.values(at: JSONPath.segments(path)[...], in: body) {
                // A list of errors, or one error object (Power BI's `results.0.tables.0.error` on a cut-short result).
                let entries: [JSONValue]
                switch value {
                case .array(let list): entries = list
                case .object(let members) where !members.isEmpty: entries = [value]
                default: continue
                }
                guard let first = entries.first else { continue }
                let messages = entries.prefix(3).compactMap { Self.listed($0).message }
                return (Self.listed(first).code, messages.isEmpty ? nil : messages.joined(separator: "; "))
            }
        }
        return nil
    }

    /// One entry of an error list: its code and message.
    private static func listed(_ entry: JSONValue) -> (code: String?, message: String?) {
        if case .array(let items) = entry {
            return (items.first.flatMap(JSONPath.text), items.count > 1 ? JSONPath.text(items[1]) : nil)
        }
        return (JSONPath.text(JSONPath.value(at: "extensions.code", in: entry)) ?? JSONPath.text(entry["code"]), JSONPath.text(entry["message"]))
    }

    /// Every value at `segments` under `value`; a `*` segment stands for each member of an object.
    static func values(at segments: ArraySlice<String>, in value: JSONValue) -> [JSONValue] {
        guard let key = segments.first else { return [value] }
        if key == "*", case .object(let members) = value {
            return members.sorted { $0.key < $1.key }.flatMap { values(at: segments.dropFirst(), in: $0.value) }
        }
        guard let next = JSONPath.value(at: key, in: value) else { return [] }
        return values(at: segments.dropFirst(), in: next)
    }

    /// The class `errors.statusClasses` gives a status, if it names one.
    func classify(status: Int?) -> ConnectorError.Code? {
        guard let status, let named = rules?.statusClasses?[String(status)] else { return nil }
        switch named {
        case "auth": return .providerAuth
        case "rate_limited": return .providerRateLimited
        case "permanent": return .providerRejected
        case "retryable": return .providerUnavailable
        default: return nil
        }
    }

    /// The class a provider code puts an error in, if the rules name it.
    func classify(providerCode code: String?) -> ConnectorError.Code? {
        guard let code else { return nil }
        // `family.*` names every code of a family (`quotaError.*`).
        func contains(_ list: [JSONValue]?) -> Bool {
            list?.contains {
                guard let entry = JSONPath.text($0) else { return false }
                return entry == code || entry.hasSuffix(".*") && code.hasPrefix(entry.dropLast())
            } ?? false
        }
        if contains(rules?.authCodes) { return .providerAuth }
        if contains(rules?.rateLimitCodes) { return .providerRateLimited }
        if contains(rules?.retryableCodes) { return .providerUnavailable }
        if contains(rules?.permanentCodes) { return .providerRejected }
        return nil
    }

    /// A short plain-text error body as the provider's message (Trello's "invalid value for
    /// idList"): the excerpt is already redacted; JSON and HTML bodies are not messages.
    static func plainText(_ excerpt: String?) -> String? {
        guard let text = excerpt?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty, text.count <= 200,
            let first = text.first, !"{[<".contains(first)
        else { return nil }
        return text
    }

    /// The definition's sentence for a provider code (`errors.explanations`), if any.
    func explanation(of code: String?) -> String? {
        guard let code else { return nil }
        return rules?.explanations?[code]
    }

    /// The connector error for a failed outbound call: the HTTP class, refined by the
    /// provider's code where the rules know it.
    func error(from failure: OutboundError) -> ConnectorError {
        let (code, parsed) = Self.split(failure.message)
        let message = parsed ?? Self.plainText(failure.bodyExcerpt)
        let retryAfter =
            failure.resetAt.map { max(1, Int($0.timeIntervalSinceNow.rounded(.up))) }
            ?? failure.retryAfter.map { Int($0.components.seconds) }
        let said = (message.map { ": \($0)" } ?? "") + (explanation(of: code).map { " — \($0)" } ?? "")
        let status = failure.status.map { " (HTTP \($0))" } ?? ""
        if let refined = classify(providerCode: code) ?? classify(status: failure.status) {
            return limited(
                ConnectorError(refined, "\(connector) refused the request\(status)\(said)", retryAfterSeconds: retryAfter, providerCode: code),
                failure)
        }
        switch failure.code {
        case .auth:
            return ConnectorError(.providerAuth, "\(connector) refused the credentials\(status)\(said)", providerCode: code)
        case .rateLimited:
            let scope = failure.rateLimitScope.map { " (\($0.prefix(32)) limit)" } ?? ""
            return limited(
                ConnectorError(
                    .providerRateLimited, "\(connector) is rate-limiting these calls\(status)\(scope)\(said)",
                    retryAfterSeconds: retryAfter, providerCode: code), failure)
        case .permanent:
            return ConnectorError(.providerRejected, "\(connector) refused the request\(status)\(said)", providerCode: code)
        case .retryable, .network:
            return ConnectorError(
                .providerUnavailable, "\(connector) is unavailable\(status)\(said)", retryAfterSeconds: retryAfter, providerCode: code)
        case .timeout:
            let how = parsed.map { ": \($0)" } ?? " in time"
            return ConnectorError(.providerTimeout, "\(connector) did not answer\(how); a write may or may not have happened", providerCode: code)
        }
    }

    /// A rate-limit error with the reset time and the limit's scope the provider gave.
    private func limited(_ error: ConnectorError, _ failure: OutboundError) -> ConnectorError {
        guard error.code == .providerRateLimited else { return error }
        var error = error
        error.resetAt = failure.resetAt
        error.rateLimitScope = failure.rateLimitScope.map { String($0.prefix(32)) }
        return error
    }

    /// The reader the outbound client uses on 429 answers, from the definition: the body's
    /// `errors.retryAfterPath` (seconds, decimals allowed), else `Retry-After`, else the
    /// `rateLimit.resetAfterHeader`; and the `rateLimit.scopeHeader`. Nil when the definition
    /// names none of them (the client reads `Retry-After` itself).
    var rateLimitReader: OutboundRequest.RateLimitReader? {
        let bodyPath = rules?.retryAfterPath, resetHeader = rateLimit?.resetAfterHeader, scopeHeader = rateLimit?.scopeHeader
        let resetAtHeader = rateLimit?.resetAtHeader
        guard bodyPath != nil || resetHeader != nil || scopeHeader != nil || resetAtHeader != nil else { return nil }
        return { headers, data in
            func seconds(_ value: Double?) -> Duration? {
                guard let value, value.isFinite, value >= 0 else { return nil }
                return .milliseconds(Int64((min(value, RetryAfter.longest) * 1000).rounded(.up)))
            }
            var wait: Duration?
            if let bodyPath, let body = try? JSONValue.parse([UInt8](data)) {
                switch JSONPath.value(at: bodyPath, in: body) {
                case .number(let value)?: wait = seconds(value)
                // A protobuf Duration in JSON (Google's `retryDelay`: "30s", "1.5s").
                case .string(let text)? where text.hasSuffix("s"): wait = seconds(Double(text.dropLast()))
                default: break
                }
            }
            if wait == nil { wait = RetryAfter.parse(headers["Retry-After"]) }
            if wait == nil, let resetHeader { wait = seconds(headers[resetHeader].flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }) }
            if wait == nil, let resetAtHeader, let epoch = headers[resetAtHeader].flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) {
                wait = seconds(max(0, epoch - Date().timeIntervalSince1970))
            }
            let scope = scopeHeader.flatMap { headers[$0] }.flatMap { $0.isEmpty ? nil : $0 }
            return RateLimitSignal(retryAfter: wait, scope: scope)
        }
    }

    /// The reader the outbound client uses on error bodies: `code␟message`.
    var messageReader: OutboundRequest.MessageReader {
        let rules = self
        return { data in
            guard let body = try? JSONValue.parse([UInt8](data)) else { return nil }
            let (code, message) = rules.read(body)
            guard code != nil || message != nil else { return nil }
            return (code ?? "") + "\u{1F}" + (message ?? "")
        }
    }

    /// Answers the definition's `codeHeader` names as retryable (Opsgenie's request status read
    /// before the request was processed: 404 `RequestNotProcessed`); nil without such a header.
    var repeatableAnswer: OutboundRequest.RepeatableAnswer? {
        guard let header = rules?.codeHeader else { return nil }
        let codes = Set((rules?.retryableCodes ?? []).compactMap(JSONPath.text))
        return { _, headers in headers[header].map { codes.contains($0.trimmingCharacters(in: .whitespaces)) } ?? false }
    }

    /// Splits what `messageReader` produced.
    static func split(_ text: String?) -> (code: String?, message: String?) {
        guard let text else { return (nil, nil) }
        let parts = text.split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { return (nil, text) }
        return (parts[0].isEmpty ? nil : parts[0], parts[1].isEmpty ? nil : String(parts[1].prefix(300)))
    }
}
