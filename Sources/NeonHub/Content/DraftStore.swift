import Foundation
import Postgres

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
        let rows = try await pool.query("""
            INSERT INTO content_drafts (tenant_id, run_id, title, content, metadata)
            VALUES (\(tenant), \(runID), \(title), \(content), \(metadata))
            RETURNING \(unescaped: Self.columns)
            """)
        guard let row = rows.first else { throw RPCError(.internalServerError, "Internal server error") }
        return try Self.draft(row)
    }

    /// One draft, or nil (also for other tenants' drafts).
    public func get(tenant: String, id: UUID) async throws -> Draft? {
        try await pool.query("SELECT \(unescaped: Self.columns) FROM content_drafts WHERE id = \(id) AND tenant_id = \(tenant)").first.map(Self.draft)
    }

    /// A page of drafts, newest first.
    public func list(tenant: String, status: String?, limit: Int, cursor: String?) async throws -> (items: [Draft], nextCursor: String?) {
        let after = try cursor.map(PageCursor.decode)
        let rows = try await pool.query("""
            SELECT \(unescaped: Self.columns) FROM content_drafts
            WHERE tenant_id = \(tenant) AND (\(status)::text IS NULL OR status = \(status))
              AND (\(after?.key)::timestamptz IS NULL OR (created_at, id) < (\(after?.key)::timestamptz, \(after?.id)))
            ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)
            """)
        let items = try rows.prefix(limit).map(Self.draft)
        let next = rows.count > limit ? try PageCursor.encode(key: rows[limit - 1].decode("created_text", as: String.self), id: rows[limit - 1].decode("id", as: UUID.self)) : nil
        return (items, next)
    }

    /// Applies changes if `version` is current; returns the new draft, or the reason it failed.
    func update(tenant: String, id: UUID, version: Int, title: String?, content: String?, status: String?) async throws -> Draft {
        guard let current = try await get(tenant: tenant, id: id) else { throw RPCError.notFound("Draft") }
        guard current.version == version else {
            throw RPCError(.conflict, "Draft was changed by someone else (version \(current.version), yours \(version)); reload and retry")
        }
        if let status, !DraftLifecycle.canMove(from: current.status, to: status) {
            throw RPCError(.preconditionFailed, "A draft cannot move from \(current.status) to \(status)")
        }
        let rows = try await pool.query("""
            UPDATE content_drafts
            SET title = COALESCE(\(title), title), content = COALESCE(\(content), content), status = COALESCE(\(status), status),
                version = version + 1, updated_at = now()
            WHERE id = \(id) AND tenant_id = \(tenant) AND version = \(version)
            RETURNING \(unescaped: Self.columns)
            """)
        guard let row = rows.first else { throw RPCError(.conflict, "Draft was changed by someone else; reload and retry") }
        return try Self.draft(row)
    }

    static func draft(_ row: PostgresRow) throws -> Draft {
        Draft(id: try row.decode("id", as: UUID.self), runID: try row.decode("run_id", as: UUID?.self), title: try row.decode("title", as: String.self),
              content: try row.decode("content", as: String.self), status: try row.decode("status", as: String.self),
              version: try row.decode("version", as: Int.self), metadata: try row.decodeJSON("metadata", as: JSONValue.self),
              createdAt: try row.decode("created_at", as: Date.self), updatedAt: try row.decode("updated_at", as: Date.self))
    }
}

/// Opaque keyset cursors: base64url of `<timestamp text>|<uuid>`.
enum PageCursor {
    static func encode(key: String, id: UUID) -> String { Base64URL.encode(Array("\(key)|\(id.uuidString)".utf8)) }

    static func decode(_ cursor: String) throws -> (key: String, id: UUID) {
        guard let bytes = Base64URL.decode(cursor) else { throw RPCError(.badRequest, "Invalid cursor") }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let bar = text.lastIndex(of: "|"), let id = UUID(uuidString: String(text[text.index(after: bar)...])) else {
            throw RPCError(.badRequest, "Invalid cursor")
        }
        return (String(text[..<bar]), id)
    }
}
