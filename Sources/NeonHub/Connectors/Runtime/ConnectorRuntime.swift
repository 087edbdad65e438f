import Foundation
import HTTPFields
import Synchronization

/// Executes a connector action from its definition, through the one outbound client: input
/// validated against the action's schema, the request built from its template with the
/// credential placed where the definition says, every pagination style followed up to a
/// bound, the response mapped, and failures classified (retryable, rate-limited with the
/// provider's reset time, auth — refreshed once where the connection can — and permanent
/// with the provider's own code and message). In mock mode the outbound client sits on
/// `MockTransport`, so exactly the same code runs.
public struct ConnectorRuntime: Sendable {
    /// Where the call's credential comes from: opened from the vault just before the request,
    /// or refreshed first (`refresh: true`) after the provider refused it once.
    public typealias CredentialSource = @Sendable (_ refresh: Bool) async throws -> ConnectorCredentialsValue

    let catalog: ConnectorCatalog
    let client: OutboundClient
    let isMock: Bool
    /// App-level settings (`{{app.x}}`), by name (`developerToken` for `GOOGLE_ADS_DEVELOPER_TOKEN`).
    let appSettings: [String: [String: String]]
    /// Base URL overrides from `CONNECTOR_ENDPOINTS_FILE`, by connector.
    let baseURLOverrides: [String: String]
    /// Overrides of actions' own base URLs (`baseUrls` in `CONNECTOR_ENDPOINTS_FILE`): by
    /// connector, then by the URL the definition declares.
    let actionBaseURLOverrides: [String: [String: String]]
    /// Mock mode's transport, which also answers multi-step flows from their fixtures.
    let mock: MockTransport?
    /// The code behind `handler` actions (`Connectors/Providers/`), by handler id.
    let flows: ConnectorFlowRegistry
    /// Whether a flow may fetch media from loopback or private addresses (tests only).
    let allowPrivateMediaHosts: Bool
    /// The server's configured public base URL (`PUBLIC_URL`): templates name it as
    /// `{{server.publicUrl}}`, and the connector's own webhook route as `{{server.webhookUrl}}`
    /// (`<PUBLIC_URL>/webhooks/<connector>`, e.g. Twilio's `StatusCallback`). Nil leaves both out.
    let publicURL: String?
    /// The server secrets of the connectors whose webhook URL is per connection
    /// (`WebhookConnector.urlCarriesSecret`: Mailchimp's `MAILCHIMP_WEBHOOK_KEY`), by connector.
    let connectionWebhookSecrets: [String: String]
    /// Items a read collects at most when neither the input nor the definition says.
    static let defaultMaxItems = 500

    /// A runtime over `catalog` sending through `client` (whose transport is the mock one in mock mode).
    public init(
        catalog: ConnectorCatalog, client: OutboundClient, mock: MockTransport? = nil,
        appSettings: [String: [String: String]] = [:], baseURLOverrides: [String: String] = [:],
        actionBaseURLOverrides: [String: [String: String]] = [:],
        flows: ConnectorFlowRegistry = .standard, allowPrivateMediaHosts: Bool = false, publicURL: String? = nil,
        connectionWebhookSecrets: [String: String] = [:]
    ) {
        self.actionBaseURLOverrides = actionBaseURLOverrides
        self.connectionWebhookSecrets = connectionWebhookSecrets.filter { !$0.value.isEmpty }
        self.catalog = catalog
        self.publicURL = publicURL.flatMap { $0.isEmpty ? nil : ($0.hasSuffix("/") ? String($0.dropLast()) : $0) }
        self.client = client
        self.mock = mock
        self.isMock = mock != nil
        self.appSettings = appSettings
        self.baseURLOverrides = baseURLOverrides
        self.flows = flows
        self.allowPrivateMediaHosts = allowPrivateMediaHosts
    }

    /// The definition and action of a call, or the error that names what is missing.
    func resolve(_ call: ConnectorCall) throws -> (ConnectorCatalog.Entry, ConnectorDefinition.Action) {
        guard let entry = catalog[call.connector] else {
            throw ConnectorError(.unknownConnector, "No connector named \(call.connector.prefix(64))")
        }
        guard entry.definition.availability != "disabled" else {
            throw ConnectorError(.connectorDisabled, "The \(call.connector) connector is disabled")
        }
        guard let action = entry.definition.action(call.action) else {
            throw ConnectorError(.unknownAction, "\(call.connector) has no action \(call.action.prefix(64))")
        }
        return (entry, action)
    }

    /// Validates the input against the action's schema; every violation is one line.
    func validate(_ call: ConnectorCall, entry: ConnectorCatalog.Entry) throws {
        guard let schema = entry.inputSchemas[call.action] else { return }
        let violations = schema.validate(call.input)
        guard violations.isEmpty else {
            throw ConnectorError(
                .invalidInput,
                "Invalid input for \(call.connector).\(call.action): "
                    + violations.prefix(5).map(\.description).joined(separator: "; "),
                details: violations.map(\.description))
        }
    }

    /// Performs `call`. `credentials` is asked once, and once more with `refresh: true` when
    /// the provider refuses the credential; a second refusal is final (`providerAuth`).
    public func execute(_ call: ConnectorCall, credentials: CredentialSource) async throws -> ConnectorResult {
        let (entry, action) = try resolve(call)
        try validate(call, entry: entry)
        guard let template = action.request else {
            if let handler = action.handler, let flow = flows[handler] {
                return try await perform(flow, call: call, entry: entry, action: action, credentials: credentials)
            }
            if let answer = mock?.lastStep(connector: call.connector, action: call.action) {
                return ConnectorResult(output: answer, attempts: 1, pages: 1)
            }
            throw ConnectorError(.unknownAction, "\(call.connector).\(call.action) needs the \(action.handler ?? "?") flow, which is not built yet")
        }
        // One key per call, reused by every retry of it (the outbound client's and the one after a refresh).
        let call = Self.withIdempotencyKey(call, action: action)
        var credential = try await credentials(false)
        do {
            return try await run(call, entry: entry, action: action, template: template, credential: credential)
        } catch let error as ConnectorError where error.code == .providerAuth && credential.canRefresh {
            credential = try await credentials(true)
            return try await run(call, entry: entry, action: action, template: template, credential: credential)
        }
    }

    /// `call` with an idempotency key where the action sends one: the caller's (the queue's
    /// job key), or one generated for this call, so a write the provider deduplicates by key is
    /// safe to retry and every retry carries the same key.
    static func withIdempotencyKey(_ call: ConnectorCall, action: ConnectorDefinition.Action) -> ConnectorCall {
        guard action.idempotencyHeader != nil || action.sendsIdempotencyKeyInTemplate, call.idempotencyKey?.isEmpty ?? true else { return call }
        var keyed = call
        keyed.idempotencyKey = "neonhub-" + UUID().uuidString.lowercased()
        return keyed
    }

    /// What `{{server.x}}` names: the public URL and the webhook URL of the call's connection
    /// (`webhookURL`), if configured.
    func serverScope(_ connector: String, connectionID: UUID?) -> JSONValue {
        guard let publicURL else { return .object([:]) }
        var scope: [String: JSONValue] = ["publicUrl": .string(publicURL)]
        if let url = webhookURL(connector, connectionID: connectionID) { scope["webhookUrl"] = .string(url) }
        return .object(scope)
    }

    /// Where `connector`'s provider delivers the events of connection `connectionID`: the
    /// webhook route (`<PUBLIC_URL>/webhooks/<connector>`), or — for a connector whose URLs carry
    /// a per-connection secret (Mailchimp) — that connection's own URL (`WebhookURLToken`).
    /// Nil without `PUBLIC_URL`, or for such a connector without its server secret or a connection.
    func webhookURL(_ connector: String, connectionID: UUID?) -> String? {
        guard let publicURL else { return nil }
        guard WebhookConnector(rawValue: connector)?.urlCarriesSecret == true else { return "\(publicURL)/webhooks/\(connector)" }
        guard let secret = connectionWebhookSecrets[connector], let connectionID else { return nil }
        return WebhookURLToken.url(publicURL: publicURL, connector: connector, connectionID: connectionID, secret: secret)
    }

    /// Runs a registered flow: its steps perform the connector's own actions through `run`.
    private func perform(
        _ flow: any ConnectorFlow, call: ConnectorCall, entry: ConnectorCatalog.Entry, action: ConnectorDefinition.Action,
        credentials: CredentialSource
    ) async throws -> ConnectorResult {
        var call = call
        call.input = Self.applyingDefaults(to: call.input, schema: action.inputSchema)
        // The context lives only while the flow runs: the credential source does not outlive the call.
        return try await withoutActuallyEscaping(credentials) { credentials in
            let context = ConnectorFlowContext(call: call, runtime: self, credentials: credentials)
            let answer = try await flow.run(call, context: context)
            return ConnectorResult(
                output: map(answer, headers: HTTPHeaders(), fields: action.response?.fields),
                attempts: max(1, context.attempts), pages: 1)
        }
    }

    /// Sends one template action (every page of it) with `credential`.
    func run(
        _ call: ConnectorCall, entry: ConnectorCatalog.Entry, action: ConnectorDefinition.Action,
        template: ConnectorDefinition.RequestTemplate, credential: ConnectorCredentialsValue
    ) async throws -> ConnectorResult {
        let definition = entry.definition
        let rules = ProviderErrorRules(rules: definition.errors, connector: definition.id, rateLimit: definition.rateLimit)
        let builder = ConnectorRequestBuilder(
            definition: definition, baseURLOverride: baseURLOverrides[definition.id],
            actionBaseURLOverrides: actionBaseURLOverrides[definition.id] ?? [:])
        var scope: [String: JSONValue] = [
            "input": Self.applyingDefaults(to: call.input, schema: action.inputSchema),
            "vars": .object(call.variables.mapValues { .string($0) }),
            "account": .object(call.accountID.map { ["id": .string($0)] } ?? [:]),
            "app": .object((appSettings[definition.id] ?? [:]).mapValues { .string($0) }),
            "server": serverScope(definition.id, connectionID: call.connectionID),
            "call": .object(call.idempotencyKey.map { ["idempotencyKey": .string($0)] } ?? [:]),
        ]
        let pagination = action.pagination.flatMap { $0.style == "none" ? nil : $0 }
        let limit = Self.readBound(call.input, action: action, pagination: pagination)

        var items: [JSONValue] = []
        var pages = 0
        var attempts = 0
        var nextURL: URL?
        var truncated = false
        var lastBody: JSONValue = .null
        var lastHeaders = HTTPHeaders()
        let costBucket = definition.rateLimit.costBucket.map(CostBucketRule.init)
        var waitedForCost = false
        while true {
            var extraQuery: [(String, String)] = []
            if let pagination, nextURL == nil, let name = pagination.limitParam, let size = pagination.pageSize, template.query?[name] == nil {
                extraQuery.append((name, String(size)))
            }
            if let pagination, nextURL == nil, pages > 0 || (pagination.style == "page" && pagination.sendsFirstPage == true) {
                switch pagination.style {
                case "cursor" where pagination.cursorParam != nil && !(template.query ?? [:]).values.contains(where: { $0.contains("{{page.") }):
                    extraQuery.append((pagination.cursorParam!, JSONPath.text(scope["page"]?["cursor"]) ?? ""))
                case "page" where pagination.pageParam != nil:
                    extraQuery.append((pagination.pageParam!, JSONPath.text(scope["page"]?["number"]) ?? "1"))
                case "offset" where pagination.offsetParam != nil:
                    extraQuery.append((pagination.offsetParam!, JSONPath.text(scope["page"]?["offset"]) ?? "0"))
                default: break
                }
            }
            let sent = try credential.credentials.forRequest()
            var built = try builder.build(template, renderer: TemplateRenderer(scope: scope), credentials: sent, extraQuery: extraQuery)
            if let nextURL { built.url = nextURL; if template.method == "GET" { built.body = nil } }
            if let header = action.idempotencyHeader, let key = call.idempotencyKey { built.headers.replaceOrAdd(name: header, value: key) }
            if isMock {
                built.headers.replaceOrAdd(name: MockTransport.connectorHeader, value: definition.id)
                if let name = call.mockError { built.headers.replaceOrAdd(name: MockTransport.errorHeader, value: name) }
            }
            let attemptCounter = AttemptCounter()
            var request = OutboundRequest(
                method: built.method, url: built.url, urlTemplate: built.urlTemplate,
                labels: OutboundLabels(connector: definition.id, action: action.id), headers: built.headers, body: built.body,
                retry: action.kind == "read"
                    || call.idempotencyKey != nil && (action.idempotencyHeader != nil || action.sendsIdempotencyKeyInTemplate)
                    ? .safe : .byMethod,
                secrets: sent.secrets + Self.secretInputs(call.input, schema: action.inputSchema) + appSecrets(definition.id),
                messageReader: rules.messageReader,
                hook: { attempt in attemptCounter.add(attempt.number) })
            request.clientIdentity = credential.clientIdentity
            // A redirect followed by the transport drops `Authorization` when it leaves the
            // host, but not a credential in a header of the provider's own (Shopify's
            // `X-Shopify-Access-Token`, Google Ads' app-wide `developer-token`): such a request
            // follows redirects here, on its own origin only (`sendFollowingSameOrigin`).
            if Self.carriesCredentialOutsideAuthorization(built.headers, secrets: request.secrets) {
                request.followsRedirects = false
                request.acceptedStatuses.formUnion(ConnectorFlowContext.redirectStatuses)
            }
            request.rateLimitReader = rules.rateLimitReader
            request.repeatableAnswer = rules.repeatableAnswer
            request.messageHeader = definition.errors?.messageHeader
            let response: OutboundResponse
            do {
                response = try await sendFollowingSameOrigin(request, connector: definition.id)
                attempts += attemptCounter.count
                ToolAttempts.current?.request(sentTimes: attemptCounter.count)  // retries only: pages are not retries
            } catch let failure as OutboundError {
                throw rules.error(from: failure)
            }
            let body =
                response.body.isEmpty
                ? JSONValue.null : ((try? JSONValue.parse([UInt8](response.body))) ?? .string(String(decoding: response.body, as: UTF8.self)))
            if rules.isErrorDespiteSuccess(body) {
                let (code, message) = rules.read(body)
                let kind = rules.classify(providerCode: code) ?? .providerRejected
                throw ConnectorError(kind, "\(definition.id) refused the request: \(message ?? code ?? "error")", providerCode: code)
            }
            if let listed = rules.listedError(body) {
                let kind = rules.classify(providerCode: listed.code) ?? .providerRejected
                if kind == .providerRateLimited, let costBucket, let wait = costBucket.wait(after: body) {
                    // A throttled query: wait for the bucket once (not in mock mode), then the same page again.
                    guard wait.withinBound, !waitedForCost, !isMock else {
                        throw CostBucketRule.limited(definition.id, seconds: wait.seconds, code: listed.code, message: listed.message)
                    }
                    waitedForCost = true
                    try await CostBucketRule.sleep(wait.seconds)
                    continue
                }
                throw ConnectorError(
                    kind, "\(definition.id) refused the request: \(listed.message ?? listed.code ?? "error")", providerCode: listed.code)
            }
            pages += 1
            lastBody = body
            lastHeaders = response.headers
            guard let pagination else { break }
            let pageItems: [JSONValue]
            if let path = pagination.itemsPath, case .array(let found)? = JSONPath.value(at: path, in: body) {
                pageItems = found
            } else {
                pageItems = []
            }
            items += pageItems
            if items.count >= limit {
                truncated =
                    items.count > limit || hasMore(pagination, body: body, headers: response.headers, count: pageItems.count, seen: items.count)
                items = Array(items.prefix(limit))
                break
            }
            // Where the next page starts, by style; nil ends the read.
            // A page is short against the size this request asked for (an input `count` may differ from `pageSize`).
            // A cursor or offset sent in a JSON body (`{{page.offset}}`) has its page size there too.
            let asked = pagination.limitParam.flatMap { name in
                URLComponents(url: built.url, resolvingAgainstBaseURL: false)?.queryItems?.last { $0.name == name }?.value.flatMap { Int($0) }
                    ?? built.body.flatMap { try? JSONValue.parse([UInt8]($0)) }.flatMap { JSONPath.text($0[name]) }.flatMap { Int($0) }
            }
            guard !pageItems.isEmpty,
                let advanced = advance(
                    pagination, body: body, headers: response.headers, count: pageItems.count,
                    pageSize: asked ?? pagination.pageSize, scope: &scope, base: built.url)
            else { break }
            // A next page on another host would receive the connection's credential: not followed.
            if let next = advanced.url, !ConnectorRequestBuilder.mayReceiveCredential(next, base: built.url) {
                throw ConnectorError(
                    .providerRejected,
                    "\(definition.id) pointed its next page at another host (\(next.host ?? "none")); it was not followed with the connection's credential"
                )
            }
            nextURL = advanced.url
            guard pages < 100 else { truncated = true; break }  // a provider that never stops paging
            // The next page costs what this one asked for: wait for the bucket to hold it first.
            if let wait = costBucket?.wait(after: body), wait.withinBound, !isMock { try await CostBucketRule.sleep(wait.seconds) }
            waitedForCost = false
        }
        let output: JSONValue
        if pagination != nil {
            let mapped = items.map { map($0, headers: lastHeaders, fields: action.response?.fields) }
            var members: [String: JSONValue] = ["items": .array(mapped), "pages": .number(Double(pages)), "truncated": .bool(truncated)]
            for (name, path) in action.response?.keep ?? [:] where members[name] == nil {
                if let kept = JSONPath.value(at: path, in: lastBody) { members[name] = kept }
            }
            output = .object(members)
        } else {
            var value = lastBody
            if let path = action.response?.path, !path.hasPrefix("headers.") { value = JSONPath.value(at: path, in: lastBody) ?? .null }
            output = map(value, headers: lastHeaders, fields: action.response?.fields)
        }
        return ConnectorResult(output: output, attempts: attempts, pages: pages, rateLimit: RateLimitReading(headers: lastHeaders))
    }

    /// App-level settings sent with the requests (Google Ads' `developer-token`): redacted
    /// from logs and errors like the connection's own credential.
    func appSecrets(_ connector: String) -> [String] {
        (appSettings[connector] ?? [:]).values.filter { !$0.isEmpty }.sorted()
    }

    /// The input as the templates see it: every top-level property the caller left out that
    /// the action's schema gives a `default` takes that default, so a field the provider
    /// requires (LinkedIn's `visibility`, `lifecycleState`) is sent with the value the schema
    /// documents instead of being dropped. The read bound is `readBound`.
    static func applyingDefaults(to input: JSONValue, schema: JSONValue) -> JSONValue {
        guard case .object(var members) = input, case .object(let properties)? = schema["properties"] else { return input }
        for (name, property) in properties where members[name] == nil {
            if let value = property["default"] { members[name] = value }
        }
        return .object(members)
    }

    /// The values of top-level input properties the schema marks `writeOnly` (a credential the
    /// caller hands over with the call, such as Discord's webhook token in the path): redacted
    /// from everything the outbound client logs or throws, like the connection's own credential.
    static func secretInputs(_ input: JSONValue, schema: JSONValue) -> [String] {
        guard case .object(let members) = input, case .object(let properties)? = schema["properties"] else { return [] }
        return properties.compactMap { name, property in
            guard property["writeOnly"] == .bool(true), let value = JSONPath.text(members[name]), !value.isEmpty else { return nil }
            return value
        }
    }

    /// Applies `fields` (output name → dot path, or `headers.<name>`, either optionally followed
    /// by ` | lastPathSegment`) to a value; to each element of a list (a `response.path` naming
    /// an array: Search Console `siteEntry`; Discord's bare lists).
    func map(_ value: JSONValue, headers: HTTPHeaders, fields: [String: String]?) -> JSONValue {
        guard let fields, !fields.isEmpty else { return value }
        if case .array(let elements) = value { return .array(elements.map { map($0, headers: headers, fields: fields) }) }
        var mapped: [String: JSONValue] = [:]
        for (name, field) in fields {
            let (path, lastSegment) = Self.fieldFilter(field)
            var found: JSONValue?
            if path.hasPrefix("headers.") {
                found = headers[String(path.dropFirst(8))].map { .string($0) }
            } else {
                found = JSONPath.value(at: path, in: value)
            }
            if lastSegment { found = found.flatMap(Self.lastPathSegment) }
            if let found { mapped[name] = found }
        }
        return .object(mapped)
    }

    /// A field's path and whether it ends in ` | lastPathSegment`: the text after the last `/` of
    /// a URL or path (NetSuite answers a created record with only its `Location`, `…/customer/107`).
    static func fieldFilter(_ field: String) -> (path: String, lastSegment: Bool) {
        let suffix = " | lastPathSegment"
        guard field.hasSuffix(suffix) else { return (field, false) }
        return (String(field.dropLast(suffix.count)), true)
    }

    /// The last non-empty segment of the path of a URL (or of a bare path), query left out.
    static func lastPathSegment(_ value: JSONValue) -> JSONValue? {
        guard let text = JSONPath.text(value) else { return nil }
        let path = URLComponents(string: text)?.path ?? text
        return path.split(separator: "/").last.map { .string(String($0)) }
    }
}
