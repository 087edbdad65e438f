import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// Found by a review: the runs of a replica that died were failed only when some process
/// started, so with the survivors running on they stayed `running` for good. Every live
/// process's lease now sweeps: a runner whose lock is free at two sweeps in a row is dead.
@Suite struct RunnerLeaseSweepTests {
    @Test func aRunnerIsDeadOnlyWhenFreeAtTwoSweepsInARow() {
        let first = RunnerLease.confirm(free: [1, 2], suspects: [])
        #expect(first.dead.isEmpty && first.suspects == [1, 2])
        // Runner 2 took its lock back (a reconnect): never failed. Runner 1 stayed free: dead.
        let second = RunnerLease.confirm(free: [1, 3], suspects: first.suspects)
        #expect(second.dead == [1] && second.suspects == [3])
        let third = RunnerLease.confirm(free: [2], suspects: second.suspects)
        #expect(third.dead.isEmpty && third.suspects == [2])
    }

    @Test func aLiveLeaseFailsTheRunsOfDeadRunnersAndNoOtherRuns() async throws {
        try await withDatabaseApp({ _ in }) { server, _ in
            let database = try #require(server.database)
            let pool = database.pool
            let lease = RunnerLease(connectionString: database.connectionString, logger: Logger(label: "test"), sweepInterval: .milliseconds(200))
            // Another live process: its lock held on a connection of its own.
            let liveRunner: Int64 = 777_001
            let other = try PostgresConnection(connectionString: database.connectionString)
            defer { other.close() }
            _ = try other.query("SELECT pg_advisory_lock(\(RunnerLease.lockClass), \(Int32(liveRunner)))")
            let dead = UUID(), live = UUID(), own = UUID()
            for (id, runner) in [(dead, Int64(424_243)), (live, liveRunner), (own, lease.runnerID)] {
                try await pool.execute(
                    """
                    INSERT INTO agent_runs (id, tenant_id, agent, intent, status, input, started_at, runner_id)
                    VALUES (\(id), 'tenant-a', 'seo', 'analyze', 'running', '{}', now(), \(runner))
                    """)
            }
            lease.start()
            defer { lease.stop() }
            let deadline = ContinuousClock.now + .seconds(60)
            var status = "running"
            while status == "running", ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                status = try await pool.query("SELECT status FROM agent_runs WHERE id = \(dead)")[0].decode("status", as: String.self)
            }
            #expect(status == "failed")
            let error = try await pool.query("SELECT error->>'code' AS code FROM agent_runs WHERE id = \(dead)")[0]
            #expect(try error.decode("code", as: String.self) == "ABANDONED")
            // A few more sweeps: the live runner's and the lease's own runs are left alone.
            try await Task.sleep(for: .milliseconds(800))
            for id in [live, own] {
                #expect(try await pool.query("SELECT status FROM agent_runs WHERE id = \(id)")[0].decode("status", as: String.self) == "running")
            }
            // The sweeps left no lock behind: the dead runner's lease can be taken again at once.
            let locks = try await pool.query(
                "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = \(Int64(RunnerLease.lockClass)) AND objid::bigint = 424243"
            )
            #expect(try locks[0].decode("n", as: Int.self) == 0)
        }
    }
}
