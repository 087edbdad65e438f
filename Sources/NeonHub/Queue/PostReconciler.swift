import Foundation

/// Looks a post up on its platform when the outcome of publishing it is unknown (the request
/// was sent and no answer came back). The post's text is compared with the account's recent
/// posts, created since shortly before the job first started: a post with the same text
/// (whitespace-normalized) is the job's. Every post of that window is read (the list action's
/// pages up to its `maxItems`), not only the newest page: on a busy account the job's post may
/// be far down the list by the time it is reconciled, and "not on the first page" is not
/// "missing". When the list was cut short and the post was not among what was read, the answer
/// is `inconclusive`, never `missing`. A post another job of the connection already holds as
/// its own (the same text published twice on purpose, under two keys) is not this job's; the
/// job claims the post it adopts before it says so, so two jobs reconciled at once never adopt
/// the same post. Connectors not listed here cannot reconcile, and their unknown jobs go to the dead-letter queue as `outcome_unknown` for a person to decide.
struct PostReconciler: Sendable {
    /// How one connector's posts are listed and matched.
    struct Rule: Sendable {
        /// The publish actions this rule covers.
        var publishActions: Set<String>
        /// The action that lists the account's recent posts.
        var listAction: String
        /// The list action's input, given when the job started (unix seconds).
        var listInput: @Sendable (Date) -> JSONValue
        /// The publish input field holding the post's text.
        var textField: String
        /// The listed item's fields: its text, its id, and its URL (if any).
        var itemText: String
        var itemID: String
        var itemURL: String?
        /// Publish input fields copied into the list input (Business Profile: the account and
        /// location ids its list path takes).
        var carriedFields: [String] = []
    }

    static let rules: [String: Rule] = [
        // GET /{page-id}/posts?since=… (Graph API Page feed), each with message and permalink_url.
        // No `limit`: it would cap the whole read, not the page size.
        "meta": Rule(
            publishActions: ["page.createPost"], listAction: "page.listPosts",
            listInput: { .object(["since": .string(String(Int($0.timeIntervalSince1970)))]) },
            textField: "message", itemText: "message", itemID: "id", itemURL: "permalink"),
        // GET /rest/posts?q=author&author=…&sortBy=CREATED (Posts API), each with commentary.
        "linkedin": Rule(
            publishActions: ["posts.create", "posts.createArticle"], listAction: "posts.list",
            listInput: { _ in .object(["count": .number(50), "sortBy": .string("CREATED")]) },
            textField: "commentary", itemText: "commentary", itemID: "id", itemURL: nil),
        // GET /2/users/{id}/tweets?start_time=… (X API v2 user posts timeline), each with its text.
        // X shortens links to t.co in the stored text: a post with a link is not found by its text
        // and goes to the dead-letter queue as outcome_unknown rather than being posted twice.
        "x": Rule(
            publishActions: ["posts.create"], listAction: "users.posts",
            listInput: { .object(["start_time": .string(ISO8601DateFormatter().string(from: $0))]) },
            textField: "text", itemText: "text", itemID: "id", itemURL: nil),
        // GET /v4/accounts/{a}/locations/{l}/localPosts (My Business API v4), newest first, each with summary and searchUrl.
        "google-business-profile": Rule(
            publishActions: ["localPosts.create"], listAction: "localPosts.list", listInput: { _ in .object([:]) },
            textField: "summary", itemText: "summary", itemID: "id", itemURL: "url", carriedFields: ["accountId", "locationId"]),
    ]

    /// Whether `connector`'s `action` can be reconciled.
    static func canReconcile(connector: String?, action: String?) -> Bool {
        guard let connector, let action, let rule = rules[connector] else { return false }
        return rule.publishActions.contains(action)
    }

    /// Reconciles `job`; `claim` records a remote id as the job's post and answers false when
    /// another job of the connection holds it already.
    func reconcile(
        _ job: QueueJob, service: ConnectorService, claim: @Sendable (String) async throws -> Bool = { _ in true }
    ) async -> ReconcileResult {
        guard let connector = job.connector, let action = job.action, let rule = Self.rules[connector], rule.publishActions.contains(action),
            let connectionID = job.connectionID
        else { return .unsupported }
        guard let text = JSONPath.text(job.payload["input"]?[rule.textField]).map(Self.normalized), !text.isEmpty else { return .unsupported }
        do {
            guard let connection = try await service.connections.get(tenant: job.tenantID, id: connectionID) else { return .unsupported }
            let since = (job.startedAt ?? job.createdAt).addingTimeInterval(-300)
            var input = rule.listInput(since)
            if case .object(var members) = input {
                for field in rule.carriedFields { members[field] = job.payload["input"]?[field] }
                input = .object(members)
            }
            let call = ConnectorCall(connector: connector, action: rule.listAction, input: input, accountID: job.accountID)
            let listed = try await service.perform(call, connection: connection).output
            let items: [JSONValue]
            if case .array(let array)? = listed["items"] {
                items = array
            } else if case .array(let array) = listed {
                items = array
            } else {
                items = []
            }
            let matching = items.filter { JSONPath.text($0[rule.itemText]).map(Self.normalized) == text }
            for item in matching {
                guard let id = JSONPath.text(item[rule.itemID]), try await claim(id) else { continue }
                let url =
                    rule.itemURL.flatMap { JSONPath.text(item[$0]) }
                    ?? ConnectorJobHandler.remoteURL(.object(["id": .string(id)]), connector: connector)
                return .found(remoteID: id, remoteURL: url)
            }
            // Not among the posts read: missing only if they were all the posts of the window.
            if case .bool(true)? = listed["truncated"] { return .inconclusive }
            return .missing
        } catch {
            // The platform could not be asked now: ask again later rather than guess.
            return .unavailable
        }
    }

    static func normalized(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
