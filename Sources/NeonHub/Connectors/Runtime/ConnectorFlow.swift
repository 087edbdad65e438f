public import Foundation
import HTTPFields
import Synchronization

/// A catalog action that needs code (`"handler"` in its definition): a multi-step upload, a
/// publish that waits for the provider to process media. A flow never sends HTTP itself: each
/// step is one of the connector's own catalog actions, performed through the context, so every
/// request goes through the same request builder, auth injection, error classification,
/// metrics and redaction as any other action, and mock mode answers it from fixtures.
public protocol ConnectorFlow: Sendable {
    /// The handler id the definitions name (`meta.instagramPublish`).
    var id: String { get }
    /// Performs `call` (its input already validated against the action's schema); the
    /// answer is mapped through the action's `response.fields` like any action's.
    func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue
    /// The longest `call` may take, when the flow bounds itself by its input (a statement's
    /// own timeout) rather than by the caller's default limit; nil keeps that default.
    func timeLimit(for call: ConnectorCall) -> Duration?
}

extension ConnectorFlow {
    /// Flows bound by their steps' own deadlines keep the caller's limit.
    public func timeLimit(for call: ConnectorCall) -> Duration? { nil }
}

/// The flows the runtime knows, by handler id.
public struct ConnectorFlowRegistry: Sendable {
    private let flows: [String: any ConnectorFlow]

    /// A registry of `flows` (a later flow with the same id replaces an earlier one).
    public init(_ flows: [any ConnectorFlow]) {
        var byID: [String: any ConnectorFlow] = [:]
        for flow in flows { byID[flow.id] = flow }
        self.flows = byID
    }

    /// The flow registered under `id`, if any.
    public subscript(id: String) -> (any ConnectorFlow)? { flows[id] }

    /// Every registered handler id.
    public var ids: Set<String> { Set(flows.keys) }

    /// The flows of `Connectors/Providers/` with their production settings.
    public static let standard = ConnectorFlowRegistry([
        InstagramPublishFlow(),
        LinkedInImagePostFlow(),
        GA4PropertiesFlow(),
        GmailSendFlow(),
        GmailDraftFlow(),
        SnowflakeStatementFlow(),
        DatabricksStatementFlow(),
        TikTokVideoPublishFlow(mode: .directPost),
        TikTokVideoPublishFlow(mode: .inbox),
        TikTokVideoPublishFlow(mode: .photo),
        XMediaUploadFlow(),
        GoogleAdsCustomersFlow(),
        GoogleAdsMutateFlow.campaignStatus,
        GoogleAdsMutateFlow.campaignBudget,
        GBPLocationsFlow(),
        MailchimpUpsertMemberFlow(),
        MailchimpRegisterWebhookFlow(),
        YouTubeResumableUploadFlow(),
        GoogleDriveUploadFlow(),
        DropboxUploadFlow(),
    ])
}

/// What a flow may do: perform one of its connector's own catalog actions as a step (as the
/// same account, with the same connection variables and credential), wait without holding a
/// thread, and fetch media a user named by URL. It counts the HTTP attempts of every step.
public struct ConnectorFlowContext: Sendable {
    /// The call the flow performs.
    public let call: ConnectorCall
    /// Whether the runtime answers from mock fixtures (no network).
    public var isMock: Bool { runtime.isMock }
    /// Where the provider delivers this connection's events (`ConnectorRuntime.webhookURL`), if configured.
    public var webhookURL: String? { runtime.webhookURL(call.connector, connectionID: call.connectionID) }
    let runtime: ConnectorRuntime
    let credentials: FlowCredentials
    let tally: FlowTally

    init(call: ConnectorCall, runtime: ConnectorRuntime, credentials: @escaping ConnectorRuntime.CredentialSource) {
        self.call = call
        self.runtime = runtime
        self.credentials = FlowCredentials(source: credentials)
        self.tally = FlowTally()
    }

    /// Performs the connector's catalog action `action` with `input` (validated against its
    /// schema) and returns its mapped output. The credential is asked once per flow; when the
    /// provider refuses it, it is refreshed once (where the connection can) and the step is
    /// repeated; a second refusal is final. A step may not itself be a flow.
    public func perform(_ action: String, input: JSONValue) async throws -> JSONValue {
        var step = ConnectorCall(
            connector: call.connector, action: action, input: input, accountID: call.accountID,
            variables: call.variables, mockError: call.mockError)
        step.connectionID = call.connectionID
        let (entry, definition) = try runtime.resolve(step)
        guard let template = definition.request else {
            throw ConnectorError(.invalidDefinition, "\(call.connector).\(action) is a flow and cannot be a step of \(call.action)")
        }
        try runtime.validate(step, entry: entry)
        let credential = try await credentials.current()
        do {
            let result = try await runtime.run(step, entry: entry, action: definition, template: template, credential: credential)
            tally.add(result.attempts)
            return result.output
        } catch let error as ConnectorError where error.code == .providerAuth && credential.canRefresh {
            guard let renewed = try await credentials.refreshed(after: credential) else { throw error }
            let result = try await runtime.run(step, entry: entry, action: definition, template: template, credential: renewed)
            tally.add(result.attempts)
            return result.output
        }
    }

    /// Waits `duration` without blocking a thread; throws `CancellationError` when the call is cancelled.
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }

    /// Performs `action` with `input` in a task of its own, which the caller's cancellation
    /// does not reach, and does not wait for it: what a flow sends when the work it started at
    /// the provider must stop although its caller gave up (a statement's cancel). Best effort:
    /// its outcome is counted and logged like any step's, and otherwise dropped.
    public func performDetached(_ action: String, input: JSONValue) {
        // The flow's credential source lives only while the flow runs: the step uses the
        // credential the flow's steps used (none yet: nothing was started that needs stopping).
        guard let credential = credentials.cached else { return }
        let detached = ConnectorFlowContext(call: call, runtime: runtime, credentials: { _ in credential })
        Task { _ = try? await detached.perform(action, input: input) }
    }

    /// One read of work the flow started at the provider: after `pause` (no thread held),
    /// performs `action` with `input`. When the caller gives up meanwhile (the task is
    /// cancelled: a tool's time limit, a queue worker stopped past its grace), nobody will read
    /// the work again, so `cancelAction` is sent with the same input (`performDetached`) before
    /// the cancellation is rethrown.
    public func poll(_ action: String, input: JSONValue, after pause: Duration, cancellingWith cancelAction: String) async throws -> JSONValue {
        do {
            try await sleep(for: pause)
            return try await perform(action, input: input)
        } catch  where Task.isCancelled {
            performDetached(cancelAction, input: input)
            throw error
        }
    }

    /// The bytes at `url` (http or https, no credential sent), at most `maxBytes`, with the
    /// `Content-Type` the server gave. In mock mode nothing is fetched: a 1×1 PNG stands for
    /// the media. Refused: other schemes, and loopback or private literal addresses unless
    /// the runtime allows them (tests) — checked again at every redirect, which is followed
    /// here (at most 5) rather than by the transport, so a public URL cannot bounce the fetch
    /// to a cloud metadata address or another internal host.
    public func fetchMedia(_ url: String, maxBytes: Int) async throws -> (data: Data, contentType: String?) {
        if isMock { return (Self.mockPNG, "image/png") }
        var target = try checkedMediaURL(URL(string: url))
        var response: OutboundResponse
        var hops = 0
        while true {
            var request = OutboundRequest(
                method: "GET", url: target, urlTemplate: "{media}",
                labels: OutboundLabels(connector: call.connector, action: call.action + ".media"),
                retry: .safe)
            request.followsRedirects = false
            request.acceptedStatuses = Self.redirectStatuses
            do {
                response = try await runtime.client.send(request)
            } catch let failure as OutboundError {
                let kind: ConnectorError.Code =
                    failure.code == .timeout
                    ? .providerTimeout : failure.status.map { (400..<500).contains($0) } == true ? .invalidInput : .providerUnavailable
                throw ConnectorError(
                    kind, "\(call.action): could not fetch the media (\(failure.status.map { "HTTP \($0)" } ?? failure.code.rawValue))")
            }
            guard Self.redirectStatuses.contains(response.status) else { break }
            hops += 1
            guard hops <= 5, let location = response.headers["Location"] else {
                throw ConnectorError(.invalidInput, "\(call.action): the media URL redirected too often, or nowhere")
            }
            tally.add(response.attempts)
            target = try checkedMediaURL(URL(string: location, relativeTo: target)?.absoluteURL)
        }
        tally.add(response.attempts)
        if let declared = response.headers["Content-Length"].flatMap(Int.init), declared > maxBytes {
            throw ConnectorError(.invalidInput, "\(call.action): the media is \(declared) bytes, more than the \(maxBytes) allowed")
        }
        guard response.body.count <= maxBytes else {
            throw ConnectorError(.invalidInput, "\(call.action): the media is more than the \(maxBytes) bytes allowed")
        }
        guard !response.body.isEmpty else { throw ConnectorError(.invalidInput, "\(call.action): the media URL answered no bytes") }
        return (response.body, response.headers["Content-Type"])
    }

    /// The redirects `fetchMedia` follows itself.
    static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]

    /// `url` if media may be fetched from it: http(s), a host, and not a loopback or private
    /// address unless the runtime allows them.
    func checkedMediaURL(_ url: URL?) throws -> URL {
        guard let url, let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", let host = url.host, !host.isEmpty else {
            throw ConnectorError(.invalidInput, "\(call.action): the media URL must be an http(s) URL")
        }
        if !runtime.allowPrivateMediaHosts && MediaHost.isPrivate(host) {
            throw ConnectorError(.invalidInput, "\(call.action): the media URL may not point at a loopback or private address")
        }
        return url
    }

    /// HTTP requests made by the steps so far (retries included).
    var attempts: Int { tally.count }

    /// A 1×1 transparent PNG (mock mode's stand-in for fetched media).
    /// Written out as bytes (signature, IHDR, IDAT, IEND) rather than an opaque base64 blob.
    static let mockPNG = Data([
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
        0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f,
        0x0f, 0x00, 0x02, 0x87, 0x01, 0x80, 0xeb, 0x47, 0xba, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
        0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ])
}

/// The credential of one flow: asked once, refreshed at most once.
final class FlowCredentials: Sendable {
    private let source: ConnectorRuntime.CredentialSource
    // Guards the credential in use and whether it was already refreshed.
    private let state = Mutex<(value: ConnectorCredentialsValue?, refreshed: Bool)>((nil, false))

    init(source: @escaping ConnectorRuntime.CredentialSource) { self.source = source }

    /// The credential in use, if a step asked for one.
    var cached: ConnectorCredentialsValue? { state.withLock { $0.value } }

    func current() async throws -> ConnectorCredentialsValue {
        if let value = state.withLock({ $0.value }) { return value }
        let value = try await source(false)
        state.withLock { if $0.value == nil { $0.value = value } }
        return value
    }

    /// A refreshed credential, or nil when the flow already refreshed once.
    func refreshed(after stale: ConnectorCredentialsValue) async throws -> ConnectorCredentialsValue? {
        let first = state.withLock { state -> Bool in
            guard !state.refreshed else { return false }
            state.refreshed = true
            return true
        }
        guard first else { return nil }
        let value = try await source(true)
        state.withLock { $0.value = value }
        return value
    }
}

/// Counts the HTTP attempts of a flow's steps.
final class FlowTally: Sendable {
    private let value = Atomic<Int>(0)
    func add(_ attempts: Int) { value.add(attempts, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}

/// Which media hosts a flow may not fetch from (a user-supplied URL must not reach the
/// server's own network): loopback, private, link-local and unspecified literal addresses.
enum MediaHost {
    static func isPrivate(_ host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if name == "localhost" || name.hasSuffix(".localhost") || name.hasSuffix(".local") || name.hasSuffix(".internal") { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        if octets.count == 4, octets.allSatisfy({ $0.map { (0...255).contains($0) } == true }) {
            let a = octets[0]!, b = octets[1]!
            return a == 0 || a == 10 || a == 127 || (a == 169 && b == 254) || (a == 172 && (16...31).contains(b))
                || (a == 192 && b == 168) || (a == 100 && (64...127).contains(b))
        }
        if name.contains(":") {
            return name == "::" || name == "::1" || name.hasPrefix("fc") || name.hasPrefix("fd") || name.hasPrefix("fe80")
                || name.hasPrefix("::ffff:")
        }
        return false
    }
}
