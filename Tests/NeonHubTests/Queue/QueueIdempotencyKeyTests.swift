import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A tenant's idempotency key names one job, held in `publish_job_keys` since migration 0018
/// rather than by a unique index on `publish_jobs`: whoever inserts a job takes its key, a
/// second insert of a held key adds nothing, deleting or emptying jobs frees their keys, a
/// key cannot be changed under its job (nor the job's id), and an upgraded database keeps the
/// keys it had.
@Suite struct QueueIdempotencyKeyTests {
    static func job(_ tenant: String, _ key: String) -> QueueStore.NewJob {
        QueueStore.NewJob(tenantID: tenant, kind: .action, payload: .object([:]), idempotencyKey: key, maxAttempts: 3)
    }

    static func count(_ pool: PostgresPool, _ sql: PostgresQuery) async throws -> Int {
        try #require(try await pool.query(sql).first).decode(0, as: Int.self)
    }

    /// Inserts a job by hand (as a person with psql, or the webhook receiver, would); returns
    /// its id, or nil when nothing was added.
    static func insert(_ pool: PostgresPool, _ tenant: String, _ key: String) async throws -> UUID? {
        try await pool.query(
            """
            INSERT INTO publish_jobs (tenant_id, kind, status, idempotency_key, max_attempts)
            VALUES (\(tenant), 'action', 'queued', \(key), 3) RETURNING id
            """
        ).first?.decode("id", as: UUID.self)
    }

    @Test func anInsertOfAKeyTheTenantHoldsAddsNothingWhoeverMakesIt() async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let pool = try #require(server.database?.pool)
            let store = server.queue.store
            let first = try await store.enqueue(Self.job("tenant-a", "launch"))
            #expect(first.created)

            let again = try await store.enqueue(Self.job("tenant-a", "launch"))
            #expect(!again.created && again.job.id == first.job.id)
            #expect(try await Self.insert(pool, "tenant-a", "launch") == nil)
            #expect(try await Self.count(pool, "SELECT count(*)::int FROM publish_jobs WHERE idempotency_key = 'launch'") == 1)

            // Another tenant's key of the same name is its own; a job added by hand takes its key.
            let other = try #require(try await Self.insert(pool, "tenant-b", "launch"))
            let found = try await store.enqueue(Self.job("tenant-b", "launch"))
            #expect(!found.created && found.job.id == other)
            let keys = try await pool.query("SELECT tenant_id, job_id FROM publish_job_keys WHERE idempotency_key = 'launch' ORDER BY tenant_id")
                .map { "\(try $0.decode("tenant_id", as: String.self))=\(try $0.decode("job_id", as: UUID.self))" }
            #expect(keys == ["tenant-a=\(first.job.id)", "tenant-b=\(other)"])
        }
    }

    @Test func concurrentEnqueuesOfOneKeyMakeOneJob() async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let store = server.queue.store
            let results = try await withThrowingTaskGroup(of: (id: UUID, created: Bool).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let added = try await store.enqueue(Self.job("tenant-a", "once")); return (added.job.id, added.created)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter(\.created).count == 1)
            #expect(Set(results.map(\.id)).count == 1)
        }
    }

    @Test func deletingOrEmptyingJobsFreesTheirKeys() async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let pool = try #require(server.database?.pool)
            let store = server.queue.store
            let first = try await store.enqueue(Self.job("tenant-a", "weekly"))
            _ = try await store.enqueue(Self.job("tenant-a", "kept"))
            try await pool.execute("DELETE FROM publish_jobs WHERE id = \(first.job.id)")
            #expect(try await Self.count(pool, "SELECT count(*)::int FROM publish_job_keys WHERE idempotency_key = 'weekly'") == 0)
            #expect(try await Self.count(pool, "SELECT count(*)::int FROM publish_job_keys WHERE idempotency_key = 'kept'") == 1)

            let second = try await store.enqueue(Self.job("tenant-a", "weekly"))
            #expect(second.created && second.job.id != first.job.id)

            try await pool.execute("TRUNCATE publish_jobs")
            #expect(try await Self.count(pool, "SELECT count(*)::int FROM publish_job_keys") == 0)
            #expect(try await store.enqueue(Self.job("tenant-a", "weekly")).created)
        }
    }

    @Test func aJobsKeyCannotChangeUnderIt() async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let pool = try #require(server.database?.pool)
            let added = try await server.queue.store.enqueue(Self.job("tenant-a", "fixed"))
            for change: PostgresQuery in [
                "UPDATE publish_jobs SET idempotency_key = 'moved' WHERE id = \(added.job.id)",
                "UPDATE publish_jobs SET tenant_id = 'tenant-b' WHERE id = \(added.job.id)",
                "UPDATE publish_jobs SET id = gen_random_uuid() WHERE id = \(added.job.id)",
            ] {
                let error = await #expect(throws: PostgresError.self) { try await pool.execute(change) }
                #expect(error?.code == "23514")
            }
            // Other columns change as before (every claim and outcome is such an update).
            try await pool.execute("UPDATE publish_jobs SET priority = 5, idempotency_key = 'fixed' WHERE id = \(added.job.id)")
            let key = try await pool.query("SELECT tenant_id || '/' || idempotency_key AS key FROM publish_jobs WHERE id = \(added.job.id)")
            #expect(try key.first?.decode("key", as: String.self) == "tenant-a/fixed")
        }
    }

    /// A database migrated before 0018 keeps its jobs' keys: the migration copies them, and
    /// the keys it copied are held afterwards.
    @Test func anUpgradedDatabaseKeepsTheKeysItHad() async throws {
        let url = try await ThrowawayPostgres.freshDatabase()
        let all = ThrowawayPostgres.migrationsDirectory
        let before = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-before-0018-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: before, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: before) }
        for name in try FileManager.default.contentsOfDirectory(atPath: all.path) where name.hasSuffix(".sql") && name < "0018" {
            try FileManager.default.copyItem(at: all.appendingPathComponent(name), to: before.appendingPathComponent(name))
        }
        let pool = PostgresPool(connectionString: url, configuration: .init(size: 2), logger: Logger(label: "test"))
        defer { pool.shutdown() }
        try await Migrator(directory: before, logger: Logger(label: "test")).migrate(using: pool)
        let old = try #require(try await Self.insert(pool, "tenant-a", "from-before"))

        try await Migrator(directory: all, logger: Logger(label: "test")).migrate(using: pool)
        let keys = try await pool.query("SELECT job_id FROM publish_job_keys WHERE tenant_id = 'tenant-a' AND idempotency_key = 'from-before'")
        #expect(try keys.map { try $0.decode("job_id", as: UUID.self) } == [old])
        #expect(try await Self.insert(pool, "tenant-a", "from-before") == nil)
        let existing = try await QueueStore(pool: pool).enqueue(Self.job("tenant-a", "from-before"))
        #expect(!existing.created && existing.job.id == old)
    }
}
