public import Foundation
public import Postgres

/// SQL for `content_drafts`, always scoped by tenant, with optimistic versioning.
public struct DraftStore: Sendable {
    let pool: PostgresPool

    /// Creates a store over the pool.
    public init(pool: PostgresPool) { self.pool = pool }

    /// A stored draft.
    public struct Draft: Sendable {
        public var id: UUID
        public var runID: UUID?
        public var title: String
        public var content: String
        public var status: String
        public var version: Int
        public var metadata: JSONValue
        public var createdAt: Date
        public var updatedAt: Date
    }

    static let columns = "id, run_id, title, content, status, version, metadata, created_at, updated_at, created_at::text AS created_text"

    func insert(tenant: String, runID: UUID, title: String, content: String, metadata: JSONValue) async throws -> Draft {
        // One draft per run: a run whose draft exists (a retry under the same idempotency key
        // after the first answer was lost) gets that draft back.
        let rows = try await pool.query(
            """
            WITH inserted AS (
                INSERT INTO content_drafts (tenant_id, run_id, title, content, metadata)
                VALUES (\(tenant), \(runID), \(title), \(content), \(metadata))
                ON CONFLICT (run_id) WHERE run_id IS NOT NULL DO NOTHING
                RETURNING \(unescaped: Self.columns)
            )
            SELECT * FROM inserted
            UNION ALL
            SELECT \(unescaped: Self.columns) FROM content_drafts WHERE run_id = \(runID) AND tenant_id = \(tenant)
            LIMIT 1
            """)
        guard let row = rows.first else { throw DraftError(.notStored, "The draft was not stored") }
        return try Self.draft(row)
    }

    /// One draft, or nil (also for other tenants' drafts).
    public func get(tenant: String, id: UUID) async throws -> Draft? {
        try await pool.query("SELECT \(unescaped: Self.columns) FROM content_drafts WHERE id = \(id) AND tenant_id = \(tenant)").first.map(Self.draft)
    }

    /// A page of drafts, newest first.
    public func list(tenant: String, status: String?, limit: Int, cursor: String?) async throws -> Page<Draft> {
        let after = try cursor.map(PageCursor.decode)
        let rows = try await pool.query(
            """
            SELECT \(unescaped: Self.columns) FROM content_drafts
            WHERE tenant_id = \(tenant) AND (\(status)::text IS NULL OR status = \(status))
              AND (\(after?.key)::timestamptz IS NULL OR (created_at, id) < (\(after?.key)::timestamptz, \(after?.id)))
            ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)
            """)
        let items = try rows.prefix(limit).map(Self.draft)
        return Page(items: items, nextCursor: try PageCursor.next(after: rows, limit: limit))
    }

    /// Applies changes if `version` is current; returns the new draft, or the reason it failed.
    func update(tenant: String, id: UUID, version: Int, title: String?, content: String?, status: String?) async throws -> Draft {
        guard let current = try await get(tenant: tenant, id: id) else { throw DraftError(.notFound, "Draft not found") }
        guard current.version == version else {
            throw DraftError(.versionConflict, "Draft was changed by someone else (version \(current.version), yours \(version)); reload and retry")
        }
        if let status, !DraftLifecycle.canMove(from: current.status, to: status) {
            throw DraftError(.invalidTransition, "A draft cannot move from \(current.status) to \(status)")
        }
        let rows = try await pool.query(
            """
            UPDATE content_drafts
            SET title = COALESCE(\(title), title), content = COALESCE(\(content), content), status = COALESCE(\(status), status),
                version = version + 1, updated_at = now()
            WHERE id = \(id) AND tenant_id = \(tenant) AND version = \(version)
            RETURNING \(unescaped: Self.columns)
            """)
        guard let row = rows.first else { throw DraftError(.versionConflict, "Draft was changed by someone else; reload and retry") }
        return try Self.draft(row)
    }

    static func draft(_ row: PostgresRow) throws -> Draft {
        Draft(
            id: try row.decode("id", as: UUID.self), runID: try row.decode("run_id", as: UUID?.self), title: try row.decode("title", as: String.self),
            content: try row.decode("content", as: String.self), status: try row.decode("status", as: String.self),
            version: try row.decode("version", as: Int.self), metadata: try row.decode("metadata", as: JSONValue.self),
            createdAt: try row.decode("created_at", as: Date.self), updatedAt: try row.decode("updated_at", as: Date.self))
    }
}
