public import Foundation

extension PublishService: PostScheduler {
    /// How a platform's text post is published: the connector, its action, and the input
    /// field of the text.
    static let textPosts: [String: (connector: String, action: String, field: String)] = [
        "facebook": ("meta", "page.createPost", "message"),
        "linkedin": ("linkedin", "posts.create", "commentary"),
    ]

    /// Queues an agent's post (`publish.schedule` on the post's connection).
    public func schedulePost(_ post: ScheduledPost, tenant: String, runID: UUID?) async throws -> JSONValue {
        guard let route = Self.textPosts[post.platform] else { throw QueueError(.invalidJob, "The queue does not publish to \(post.platform)") }
        guard let connection = try await connections.get(tenant: tenant, id: post.connectionID) else {
            throw QueueError(.referenceNotFound, "Connection not found")
        }
        guard connection.connector == route.connector else {
            throw QueueError(.invalidJob, "A \(post.platform) post needs a \(route.connector) connection, not \(connection.connector)")
        }
        let added = try await schedule(
            Request(
                tenantID: tenant, connectionID: post.connectionID, action: route.action, accountID: post.accountID,
                input: .object([route.field: .string(post.text)]), runAt: post.runAt, timeZone: post.timeZone,
                runID: runID))
        return .object([
            "jobId": .string(added.job.id.uuidString), "status": .string(added.job.status.rawValue),
            "runAfter": .string(ISO8601DateFormatter().string(from: added.job.runAfter)), "created": .bool(added.created),
        ])
    }
}
