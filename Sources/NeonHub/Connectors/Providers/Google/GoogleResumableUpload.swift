import Foundation
import HTTPFields

/// The byte transfer of one YouTube resumable upload session
/// (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol, steps 3
/// and 4): `PUT` the bytes to the session URI, and after an interruption `PUT` an empty body
/// with `Content-Range: bytes */TOTAL` to learn what arrived. YouTube answers
/// `308 Resume Incomplete` with `Range: bytes=0-N` (or no `Range`: nothing stored), or 200/201
/// with the video resource when the file is complete.
///
/// These requests are sent here, not as catalog steps: a 308 is an answer (its `Range` header
/// matters), and a bytes `PUT` is never repeated blindly by the outbound client — only after
/// the status check says where to start. They go through the same outbound client, credential
/// placement, error rules and redaction (the session URI included) as any action, and in mock
/// mode through the fixtures (`PUT /upload/youtube/v3/videos`).
struct YouTubeUploadSession: Sendable {
    /// What a `PUT` to the session URI came back with.
    enum Reply: Sendable {
        /// 200/201: the upload is complete; the video resource.
        case complete(JSONValue)
        /// 308: bytes `0..<received` are stored.
        case incomplete(received: Int)
        /// No answer (a dropped connection, a timeout) or a 5xx: ask what arrived, then resume.
        case interrupted(ConnectorError)
    }

    let url: URL
    let total: Int
    let contentType: String
    let context: ConnectorFlowContext
    let definition: ConnectorDefinition
    /// The bound of a bytes `PUT` (one attempt, never retried by the client).
    let putTimeout: Duration
    /// The bound of a status check.
    let statusTimeout: Duration

    /// A session at `sessionURL`, refused unless it is on the connector's base URL host or
    /// domain (the token is sent there).
    init(
        sessionURL: String, total: Int, contentType: String, context: ConnectorFlowContext, putTimeout: Duration, statusTimeout: Duration
    ) throws {
        let (entry, _) = try context.runtime.resolve(context.call)
        definition = entry.definition
        let base = context.runtime.baseURLOverrides[definition.id] ?? definition.baseUrl
        guard let url = URL(string: sessionURL), ConnectorRequestBuilder.mayReceiveCredential(url, base: URL(string: base)) else {
            throw ConnectorError(.providerUnavailable, "YouTube answered an upload session URI that is not on its API host")
        }
        self.url = url
        self.total = total
        self.contentType = contentType
        self.context = context
        self.putTimeout = putTimeout
        self.statusTimeout = statusTimeout
    }

    /// Sends the bytes from `offset` to the end in one request (`Content-Range` when resuming).
    func put(_ data: Data, from offset: Int) async throws -> Reply {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "Content-Type", value: contentType)
        if offset > 0 { headers.replaceOrAdd(name: "Content-Range", value: "bytes \(offset)-\(total - 1)/\(total)") }
        let start = data.startIndex + offset
        return try await send(headers: headers, body: Data(data[start..<data.endIndex]), step: "bytes", timeout: putTimeout, mayRepeat: false)
    }

    /// Asks what arrived: an empty `PUT` with `Content-Range: bytes */TOTAL`.
    func status() async throws -> Reply {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "Content-Range", value: "bytes */\(total)")
        return try await send(headers: headers, body: Data(), step: "status", timeout: statusTimeout, mayRepeat: true)
    }

    /// One `PUT` with the connection's credential (refreshed once after YouTube refuses it).
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
                method: "PUT", url: url, urlTemplate: "/upload/youtube/v3/videos?upload_id={session}",
                labels: OutboundLabels(connector: definition.id, action: "\(context.call.action).\(step)"), headers: headers, body: body,
                retry: .never, deadline: timeout, attemptTimeout: timeout, secrets: sent.secrets + [url.absoluteString],
                messageReader: rules.messageReader)
            request.acceptedStatuses = [308]
            request.rateLimitReader = rules.rateLimitReader
            do {
                let response = try await context.runtime.client.send(request)
                context.tally.add(response.attempts)
                if response.status == 308 { return .incomplete(received: Self.received(response.headers["Range"])) }
                let video = (try? JSONValue.parse([UInt8](response.body))) ?? .null
                guard JSONPath.text(video["id"]) != nil else {
                    throw ConnectorError(.providerUnavailable, "YouTube completed the upload without a video id (HTTP \(response.status))")
                }
                return .complete(video)
            } catch let failure as OutboundError {
                context.tally.add(failure.attempts)
                let error = rules.error(from: failure)
                switch failure.code {
                case .network, .timeout, .retryable:
                    return .interrupted(error)
                case .permanent where failure.status == 404:
                    throw ConnectorError(
                        .providerUnavailable, "The YouTube upload session expired (HTTP 404); the upload starts again from the beginning",
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
