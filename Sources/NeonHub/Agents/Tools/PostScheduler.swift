public import Foundation

/// Where agents hand the posts they write to be published: the publish queue. The queue
/// publishes each post once (DESIGN §10); the run records the job it created.
public protocol PostScheduler: Sendable {
    /// Queues `post` for `tenant`; answers `{jobId, status, runAfter, created}`. `runID` is the
    /// run that scheduled it (recorded on the job).
    func schedulePost(_ post: ScheduledPost, tenant: String, runID: UUID?) async throws -> JSONValue
}

/// One post for the queue: the platform, the connection and account it goes to, its text,
/// and when.
public struct ScheduledPost: Sendable {
    /// `facebook` or `linkedin` (the platforms the queue can publish text posts to).
    public var platform: String
    /// The connection to publish through.
    public var connectionID: UUID
    /// The Page or organization/member to post as.
    public var accountID: String?
    /// The post's text.
    public var text: String
    /// A local or absolute ISO 8601 time (see `publish.schedule`); nil publishes now.
    public var runAt: String?
    /// The IANA zone of a local `runAt`.
    public var timeZone: String?

    /// A post.
    public init(platform: String, connectionID: UUID, accountID: String? = nil, text: String, runAt: String? = nil, timeZone: String? = nil) {
        self.platform = platform
        self.connectionID = connectionID
        self.accountID = accountID
        self.text = text
        self.runAt = runAt
        self.timeZone = timeZone
    }
}

/// The `publish.schedule` tool: hands a post to the queue, recorded in the run's tool
/// executions with the job id it created.
public struct PublishScheduleTool: Sendable {
    /// The queue.
    public let scheduler: any PostScheduler
    /// The tool's name in `tool_executions`.
    public static let name = "publish.schedule"

    /// Creates the tool.
    public init(scheduler: any PostScheduler) { self.scheduler = scheduler }

    /// Schedules `post` as a recorded call of the run.
    public func schedule(_ post: ScheduledPost, toolbox: any AgentToolbox) async throws -> JSONValue {
        let input: JSONValue = .object([
            "platform": .string(post.platform), "connectionId": .string(post.connectionID.uuidString),
            "accountId": post.accountID.map(JSONValue.string) ?? .null, "text": .string(post.text),
            "runAt": post.runAt.map(JSONValue.string) ?? .null, "timeZone": post.timeZone.map(JSONValue.string) ?? .null,
        ])
        let scheduler = self.scheduler, tenant = toolbox.tenantID, runID = toolbox.runID
        return try await toolbox.call(Self.name, input: input, timeout: .seconds(30)) {
            try await scheduler.schedulePost(post, tenant: tenant, runID: runID)
        }
    }
}
