import Dispatch
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Postgres

@Suite struct PostgresPoolTests {
    @Test func runsQueriesTransactionsAndPipelines() async throws {
        try await TestDatabase.with { db in
            let observed = Atomic<Int>(0)
            var configuration = PostgresPoolConfiguration(size: 3, observer: { _, _ in observed.add(1, ordering: .relaxed) })
            // Twenty inserts queue for three connections: on a loaded machine the default 2 s
            // acquire timeout is a race this test is not about.
            configuration.acquireTimeout = .seconds(30)
            let pool = db.pool(configuration)
            defer { pool.shutdown() }
            try await pool.execute("CREATE TABLE items (n int PRIMARY KEY)")
            let inserted = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<20 {
                    group.addTask { try await pool.execute("INSERT INTO items VALUES (\(n))") }
                }
                return try await group.reduce(0, +)
            }
            #expect(inserted == 20)
            let sum = try await pool.withTransaction { connection in
                try connection.execute("INSERT INTO items VALUES (\(100))")
                return try connection.query("SELECT sum(n) AS s FROM items").first?.decode("s", as: Int.self)
            }
            #expect(sum == 290)
            let results = try await pool.pipelineTransaction(["INSERT INTO items VALUES (\(101))", "SELECT count(*) AS c FROM items"])
            #expect(try results[1].rows.first?.decode("c", as: Int.self) == 22)
            let plain = try await pool.pipeline(["SELECT 1 AS a", "SELECT 2 AS b"])
            #expect(plain.count == 2)
            #expect(await pool.ping())
            #expect(observed.load(ordering: .relaxed) >= 25)
        }
    }

    @Test func connectionsComeBackClean() async throws {
        try await TestDatabase.with { db in
            let pool = db.pool(.init(size: 1))
            defer { pool.shutdown() }
            try await pool.execute("CREATE TABLE items (n int)")
            // Leave a transaction open: the pool rolls it back on return.
            try await pool.withConnection { connection in
                try connection.execute("BEGIN")
                try connection.execute("INSERT INTO items VALUES (1)")
            }
            let status = try await pool.withConnection { $0.transactionStatus }
            #expect(status == .idle)
            #expect(try await pool.query("SELECT * FROM items").isEmpty)
            // A failed transaction is cleaned up too.
            _ = try? await pool.withConnection { connection in
                try connection.execute("BEGIN")
                try connection.execute("SELECT broken(")
            }
            #expect(try await pool.query("SELECT 1 AS one").count == 1)
        }
    }

    @Test(.timeLimit(.minutes(1))) func exhaustedPoolFailsAfterAcquireTimeout() async throws {
        try await TestDatabase.with { db in
            let pool = db.pool(.init(size: 1, acquireTimeout: .milliseconds(300)))
            defer { pool.shutdown() }
            let release = DispatchSemaphore(value: 0)
            let started = DispatchSemaphore(value: 0)
            let holder = Task {
                try await pool.withConnection { connection in
                    started.signal()
                    release.wait()
                    return try connection.query("SELECT 1").count
                }
            }
            try await blocking { started.wait() }
            let start = ContinuousClock.now
            let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
            let waited = ContinuousClock.now - start
            #expect(error?.kind == .unavailable)
            #expect(waited >= .milliseconds(250))
            #expect(waited < .seconds(30), "bounded by the acquire timeout, not by the holder (who waits for the test)")
            release.signal()
            #expect(try await holder.value == 1)
            // Free again: the next borrow succeeds.
            #expect(try await pool.query("SELECT 1").count == 1)
        }
    }

    @Test(.timeLimit(.minutes(1))) func cancelledWaiterStopsWaiting() async throws {
        try await TestDatabase.with { db in
            let pool = db.pool(.init(size: 1, acquireTimeout: .seconds(120)))
            defer { pool.shutdown() }
            let release = DispatchSemaphore(value: 0)
            let started = DispatchSemaphore(value: 0)
            let holder = Task {
                try await pool.withConnection { _ in
                    started.signal()
                    release.wait()
                }
            }
            try await blocking { started.wait() }
            let waiter = Task { try await pool.query("SELECT 1") }
            try await Task.sleep(for: .milliseconds(100))
            let start = ContinuousClock.now
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(ContinuousClock.now - start < .seconds(60), "well before the 120 s acquire timeout")
            release.signal()
            try await holder.value
            #expect(try await pool.query("SELECT 1").count == 1)
        }
    }

    @Test func waitersAreServedWhenAConnectionFreesUp() async throws {
        try await TestDatabase.with { db in
            let pool = db.pool(.init(size: 2, acquireTimeout: .seconds(120)))
            defer { pool.shutdown() }
            let total = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await pool.withConnection { connection in
                            try connection.query("SELECT pg_sleep(0.05) AS s").count
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(total == 8)
        }
    }

    @Test func brokenConnectionIsReplaced() async throws {
        try await TestDatabase.with { db in
            let pool = db.pool(.init(size: 1))
            defer { pool.shutdown() }
            let firstPID = try await pool.query("SELECT pg_backend_pid() AS pid").first?.decode("pid", as: Int32.self)
            let admin = try db.connect()
            // Waits (up to 5 s) until the backend has exited, not a fixed pause a slow run outlasts.
            try admin.query("SELECT pg_terminate_backend(\(try #require(firstPID)), 5000)")
            let secondPID = try await pool.query("SELECT pg_backend_pid() AS pid").first?.decode("pid", as: Int32.self)
            #expect(secondPID != nil)
            #expect(secondPID != firstPID)
        }
    }

    @Test func unreachableDatabaseFailsFast() async throws {
        let pool = PostgresPool(
            connectionString: "host=/tmp/neonhub-missing-socket port=5999 user=postgres dbname=x",
            configuration: .init(size: 2), logger: TestDatabase.logger)
        let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        // "Fast" means the connect failure itself is reported (`unavailable`), not a timeout
        // after waiting: no wall-clock bound, which a loaded machine turns into a flaky test.
        #expect(error?.kind == .unavailable)
        #expect(await pool.ping() == false)
    }

    @Test func shutdownRejectsNewWork() async throws {
        try await TestDatabase.with { db in
            let pool = db.pool(.init(size: 1))
            let before = try await pool.query("SELECT 1")
            #expect(before.count == 1)
            pool.shutdown()
            let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
            #expect(error?.kind == .unavailable)
        }
    }

    @Test func recoversAfterTheDatabaseRestarts() async throws {
        // A dedicated cluster, so that stopping it does not disturb the other tests.
        let cluster = try EmbeddedCluster.throwaway(logger: TestDatabase.logger)
        do {
            let connectionString = try await blocking { try cluster.start() }
            try await restartScenario(cluster: cluster, connectionString: connectionString)
        } catch {
            try? await blocking { try cluster.stop() }
            throw error
        }
        try await blocking { try cluster.stop() }
    }

    private func restartScenario(cluster: EmbeddedCluster, connectionString: String) async throws {
        let pool = PostgresPool(
            connectionString: connectionString, configuration: .init(size: 2, acquireTimeout: .seconds(1)),
            logger: TestDatabase.logger)
        defer { pool.shutdown() }
        try await pool.execute("CREATE TABLE items (n int)")
        try await pool.execute("INSERT INTO items VALUES (1)")

        try await blocking { try cluster.stopServer() }
        let start = ContinuousClock.now
        let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT count(*) FROM items") }
        #expect(error?.kind == .unavailable)
        // "Fast" means no hang: below the 30 s statement timeout it would otherwise wait for. The
        // bound is loose on purpose: the suite runs a database-kill load test beside this one.
        #expect(ContinuousClock.now - start < .seconds(25))
        #expect(await pool.ping() == false)

        try await blocking { try cluster.start() }
        let rows = try await pool.query("SELECT count(*) AS c FROM items")
        #expect(try rows.first?.decode("c", as: Int.self) == 1)
        #expect(await pool.ping())
    }
}
