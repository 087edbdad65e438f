import Foundation
import HTTPFields

/// The byte transfer of one session of Google's resumable upload protocol, which YouTube videos
/// and Drive files share (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol,
/// https://developers.google.com/workspace/drive/api/guides/manage-uploads#resumable): `PUT` the
/// bytes to the session URI, and after an interruption `PUT` an empty body with
/// `Content-Range: bytes */TOTAL` to learn what arrived. Google answers `308 Resume Incomplete`
/// with `Range: bytes=0-N` (or no `Range`: nothing stored), or 200/201 with the created resource
/// when the file is complete.
///
/// These requests are sent here, not as catalog steps: a 308 is an answer (its `Range` header
/// matters), and a bytes `PUT` is never repeated blindly by the outbound client — only after
/// the status check says where to start. They go through the same outbound client, credential
/// placement, error rules and redaction (the session URI included) as any action, and in mock
/// mode through the fixtures (`PUT` on the session's path).
struct GoogleResumableUpload: Sendable {
    /// What a `PUT` to the session URI came back with.
    enum Reply: Sendable {
        /// 200/201: the upload is complete; the created resource.
        case complete(JSONValue)
        /// 308: bytes `0..<received` are stored.
        case incomplete(received: Int)
        /// No answer (a dropped connection, a timeout) or a 5xx: ask what arrived, then resume.
        case interrupted(ConnectorError)
    }

    /// How long the transfer may take and how much interruption it survives.
    struct Limits: Sendable {
        /// Interruptions (dropped connections, timeouts, 5xx) survived before giving up.
        var maxInterruptions: Int
        /// The first pause before a status check; each later one doubles, up to 32 s.
        var pause: Duration
        /// The bound of one bytes `PUT` (one attempt, never retried by the client).
        var putTimeout: Duration
        /// The bound of one status check.
        var statusTimeout: Duration
    }

    /// Who is uploading what, for messages and metric templates.
    struct Subject: Sendable {
        /// The provider's name in messages ("YouTube").
        var provider: String
        /// What the upload creates ("video").
        var resource: String
        /// The session URI's template for metrics and traces (its `upload_id` is a capability).
        var urlTemplate: String
    }

    let url: URL
    let total: Int
    let contentType: String
    let subject: Subject
    let limits: Limits
    let context: ConnectorFlowContext
    let definition: ConnectorDefinition

    /// A session at `sessionURL`, refused unless it is on the connector's base URL host or
    /// domain (the token is sent there).
    init(sessionURL: String, total: Int, contentType: String, subject: Subject, limits: Limits, context: ConnectorFlowContext) throws {
        let (entry, _) = try context.runtime.resolve(context.call)
        definition = entry.definition
        let base = context.runtime.baseURLOverrides[definition.id] ?? definition.baseUrl
        guard let url = URL(string: sessionURL), ConnectorRequestBuilder.mayReceiveCredential(url, base: URL(string: base)) else {
            throw ConnectorError(.providerUnavailable, "\(subject.provider) answered an upload session URI that is not on its API host")
        }
        self.url = url
        self.total = total
        self.contentType = contentType
        self.subject = subject
        self.limits = limits
        self.context = context
    }

    /// Sends `data` (`total` bytes) and resumes after each interruption from the byte the server
    /// reports, waiting `pause` (doubling) before each status check. Returns the created resource
    /// and how many times the transfer resumed. After `maxInterruptions` the outcome is unknown
    /// (`providerTimeout`: the queue does not upload twice).
    func transfer(_ data: Data) async throws -> (resource: JSONValue, resumes: Int) {
        var interruptions = 0
        var resumes = 0
        var offset = 0
        while true {
            var reply = try await put(data, from: offset)
            var asked = false
            // Settle what the server holds: a 308 says it; an interruption is asked about.
            while case .interrupted(let error) = reply {
                interruptions += 1
                guard interruptions <= limits.maxInterruptions else {
                    throw ConnectorError(
                        .providerTimeout,
                        "The \(subject.provider) upload was interrupted \(interruptions) times; whether the \(subject.resource) was created is unknown (\(error.message))",
                        providerCode: error.providerCode)
                }
                try await context.sleep(for: min(limits.pause * (1 << min(interruptions - 1, 5)), .seconds(32)))
                reply = try await status()
                asked = true
            }
            switch reply {
            case .complete(let resource):
                return (resource, resumes)
            case .incomplete(let received):
                guard received <= data.count else {
                    throw ConnectorError(
                        .providerUnavailable, "\(subject.provider) reports more bytes (\(received)) than the file has (\(data.count))")
                }
                if received <= offset, !asked {
                    // A PUT answered 308 without progress: an interruption of its own kind (one
                    // after a status check was counted already).
                    interruptions += 1
                    guard interruptions <= limits.maxInterruptions else {
                        throw ConnectorError(.providerTimeout, "The \(subject.provider) upload made no progress after \(interruptions) attempts")
                    }
                }
                offset = received
                resumes += 1
            case .interrupted:
                continue
            }
        }
    }

    /// Sends the bytes from `offset` to the end in one request (`Content-Range` when resuming).
    func put(_ data: Data, from offset: Int) async throws -> Reply {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "Content-Type", value: contentType)
        if offset > 0 { headers.replaceOrAdd(name: "Content-Range", value: "bytes \(offset)-\(total - 1)/\(total)") }
        let start = data.startIndex + offset
        return try await send(
            headers: headers, body: Data(data[start..<data.endIndex]), step: "bytes", timeout: limits.putTimeout, mayRepeat: false)
    }

    /// Asks what arrived: an empty `PUT` with `Content-Range: bytes */TOTAL`.
    func status() async throws -> Reply {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "Content-Range", value: "bytes */\(total)")
        return try await send(headers: headers, body: Data(), step: "status", timeout: limits.statusTimeout, mayRepeat: true)
    }

    /// One `PUT` with the connection's credential (refreshed once after the provider refuses it).
    private func send(headers extra: HTTPHeaders, body: Data, step: String, timeout: Duration, mayRepeat: Bool) async throws -> Reply {
        let rules = ProviderErrorRules(rules: definition.errors, connector: definition.id, rateLimit: definition.rateLimit)
        let builder = ConnectorRequestBuilder(definition: definition, baseURLOverride: context.runtime.baseURLOverrides[definition.id])
        var credential = try await context.credentials.current()
        while true {
            let sent = try credential.credentials.forRequest()
            var headers = extra
            var unusedQuery: [(String, String)] = []
            builder.inject(sent, headers: &headers, query: &unusedQuery)
            headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
            if context.isMock {
                headers.replaceOrAdd(name: MockTransport.connectorHeader, value: definition.id)
                if let name = context.call.mockError { headers.replaceOrAdd(name: MockTransport.errorHeader, value: name) }
            }
            var request = OutboundRequest(
                method: "PUT", url: url, urlTemplate: subject.urlTemplate,
                labels: OutboundLabels(connector: definition.id, action: "\(context.call.action).\(step)"), headers: headers, body: body,
                retry: .never, deadline: timeout, attemptTimeout: timeout, secrets: sent.secrets + [url.absoluteString],
                messageReader: rules.messageReader)
            request.acceptedStatuses = [308]
            request.rateLimitReader = rules.rateLimitReader
            do {
                let response = try await context.runtime.client.send(request)
                context.tally.add(response.attempts)
                if response.status == 308 { return .incomplete(received: Self.received(response.headers["Range"])) }
                let resource = (try? JSONValue.parse([UInt8](response.body))) ?? .null
                guard JSONPath.text(resource["id"]) != nil else {
                    throw ConnectorError(
                        .providerUnavailable,
                        "\(subject.provider) completed the upload without a \(subject.resource) id (HTTP \(response.status))")
                }
                return .complete(resource)
            } catch let failure as OutboundError {
                context.tally.add(failure.attempts)
                let error = rules.error(from: failure)
                switch failure.code {
                case .network, .timeout, .retryable:
                    return .interrupted(error)
                case .permanent where failure.status == 404:
                    throw ConnectorError(
                        .providerUnavailable,
                        "The \(subject.provider) upload session expired (HTTP 404); the upload starts again from the beginning",
                        providerCode: error.providerCode)
                default:
                    guard error.code == .providerAuth, credential.canRefresh,
                        let renewed = try await context.credentials.refreshed(after: credential)
                    else { throw error }
                    credential = renewed
                    // A refused bytes PUT stored nothing we can count on: ask what arrived first.
                    if !mayRepeat { return .interrupted(error) }
                }
            }
        }
    }

    /// Bytes stored by a `Range: bytes=0-N` header: N + 1; none (or unreadable): 0.
    static func received(_ range: String?) -> Int {
        guard let range, let dash = range.lastIndex(of: "-"), let last = Int(range[range.index(after: dash)...].trimmingCharacters(in: .whitespaces))
        else { return 0 }
        return last + 1
    }
}
