import Foundation
import Logging
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

#if canImport(Glibc)
    import Glibc
#endif

/// The operator's test of issue #19: `agents.run` under concurrent load while the database is
/// killed with SIGKILL (postmaster and children) and restarted. On a cluster of its own, so
/// that no other test loses its database.
@Suite struct DatabaseKillEndToEndTests {
    /// One `agents.run` call as the client saw it.
    struct Outcome: Sendable {
        var key: String?
        var status: Int
        var code: String?
        var retryAfter: String?
        var runID: String?
    }

    static let tenant = "tenant-kill"

    /// What the load workers share with the test's timeline.
    final class Progress: Sendable {
        let successes = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
    }

    @Test func killingTheDatabaseMidRunAnswers503AndLosesNothing() async throws {
        let logger = Logger(label: "kill-test")
        // Commits wait for their WAL write, as in production: an answered run must survive.
        let cluster = try EmbeddedCluster.throwaway(logger: logger, settings: ["synchronous_commit": "on", "max_connections": "60"])
        do {
            let url = try await runOnOwnThread { try cluster.start() }
            try await withTestApp({
                $0.useDatabase = true
                $0.databaseURL = url
                $0.migrationsDirectory = ThrowawayPostgres.migrationsDirectory.path
                $0.jwtSecret = testJWTSecret
                $0.rateLimitPerMinute = 1_000_000_000
            }) { server, client in
                try await exercise(cluster: cluster, server: server, client: client)
            }
        } catch {
            _ = try? await runOnOwnThread { try cluster.stop() }
            throw error
        }
        _ = try? await runOnOwnThread { try cluster.stop() }
    }

    private func exercise(cluster: EmbeddedCluster, server: NeonHubServer, client: HTTPTestClient) async throws {
        let pool = try #require(server.database?.pool)
        let progress = Progress()
        // Far above the phases' waits below: the callers stop when told to, not at this bound.
        let deadline = ContinuousClock.now + .seconds(300)
        let workers = 8

        let outcomes = try await withThrowingTaskGroup(of: [Outcome].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var seen: [Outcome] = []
                    var call = 0
                    while !progress.stop.load(ordering: .relaxed), call < 4000, ContinuousClock.now < deadline {
                        // Every other call carries an idempotency key.
                        let key = call % 2 == 0 ? "kill-\(worker)-\(call)" : nil
                        let outcome = try await Self.run(client, key: key, text: "hello \(worker) \(call)")
                        if outcome.status == 200 {
                            progress.successes.wrappingAdd(1, ordering: .relaxed)
                        } else {
                            try await Task.sleep(for: .milliseconds(10))
                        }  // keep the 503 flood (and its log) small
                        seen.append(outcome)
                        call += 1
                    }
                    return seen
                }
            }
            // Warm up, kill, hold the database down, restart, let runs succeed again.
            try await waitUntil("runs succeed before the kill", timeout: .seconds(60)) { progress.successes.load(ordering: .relaxed) >= 40 }
            try await runOnOwnThread { try Self.killCluster(cluster) }
            try await waitUntil("/health reports the database unreachable", timeout: .seconds(60)) {
                (try? await client.request("GET", "/health", timeout: 10).status) == 503
            }
            try await Task.sleep(for: .milliseconds(700))
            _ = try await runOnOwnThread { try cluster.start() }
            try await waitUntil("/health reports the database back", timeout: .seconds(60)) {
                (try? await client.request("GET", "/health", timeout: 10).status) == 200
            }
            let afterRecovery = progress.successes.load(ordering: .relaxed)
            try await waitUntil("runs succeed after recovery", timeout: .seconds(60)) {
                progress.successes.load(ordering: .relaxed) >= afterRecovery + 40
            }
            progress.stop.store(true, ordering: .relaxed)
            var all: [Outcome] = []
            for try await part in group { all += part }
            return all
        }

        // No 500: every failure is a 503 SERVICE_UNAVAILABLE with Retry-After.
        let failures = outcomes.filter { $0.status != 200 }
        #expect(outcomes.filter { $0.status == 500 }.isEmpty)
        for failure in failures {
            #expect(failure.status == 503, "\(failure)")
            #expect(failure.code == "SERVICE_UNAVAILABLE", "\(failure)")
            #expect(failure.retryAfter != nil, "\(failure)")
        }
        #expect(!failures.isEmpty, "the kill should have failed some calls")

        // Every answered run was stored, complete.
        let answered = outcomes.compactMap { $0.status == 200 ? $0.runID.flatMap(UUID.init(uuidString:)) : nil }
        #expect(answered.count == outcomes.filter { $0.status == 200 }.count)
        for id in answered {
            let rows = try await pool.query("SELECT status FROM agent_runs WHERE id = \(id)")
            #expect(try rows.first?.decode("status", as: String.self) == "succeeded", "run \(id) was answered but not stored")
        }

        // After recovery, a retry with the key of a failed call returns the committed run when
        // there is one (or resumes the orphaned `running` one under its id), never a second run.
        var foundOriginal = 0, resumed = 0, ranAfresh = 0
        for failure in failures {
            guard let key = failure.key else { continue }
            let before = try await pool.query("SELECT id, status FROM agent_runs WHERE tenant_id = \(Self.tenant) AND idempotency_key = \(key)")
            let retry = try await Self.run(client, key: key, text: "retry")
            #expect(retry.status == 200, "\(retry)")
            if let row = before.first {
                let id = try row.decode("id", as: UUID.self)
                #expect(retry.runID.flatMap(UUID.init(uuidString:)) == id, "the retry of \(key) ran a second run")
                if try row.decode("status", as: String.self) == "succeeded" { foundOriginal += 1 } else { resumed += 1 }
            } else {
                ranAfresh += 1
            }
            let stored = try await pool.query(
                "SELECT count(*)::int AS n FROM agent_runs WHERE tenant_id = \(Self.tenant) AND idempotency_key = \(key)")
            #expect(try stored.first?.decode("n", as: Int.self) == 1)
        }
        // And a retry of an answered keyed call returns the same run.
        for success in outcomes.filter({ $0.status == 200 && $0.key != nil }).prefix(10) {
            let retry = try await Self.run(client, key: success.key, text: "retry")
            #expect(retry.runID == success.runID)
        }

        // Runs whose end could not be written during the outage are finished in the background
        // (their retries above found them `running`, never ran them twice).
        try await waitUntil("every run's end is stored", timeout: .seconds(90)) {
            (try? await pool.query("SELECT count(*)::int AS n FROM agent_runs WHERE status = 'running'").first?.decode("n", as: Int.self)) == 0
        }
        // No half-written run: every run is final, with the echo agent's 2 tool rows and 3 metric rows.
        let incomplete = try await pool.query(
            """
            SELECT count(*)::int AS n FROM agent_runs r
            WHERE r.status <> 'succeeded'
               OR (SELECT count(*) FROM tool_executions t WHERE t.run_id = r.id) <> 2
               OR (SELECT count(*) FROM agent_run_metrics m WHERE m.run_id = r.id) <> 3
            """)
        #expect(try incomplete.first?.decode("n", as: Int.self) == 0)
        let stored = try await pool.query("SELECT count(*)::int AS n FROM agent_runs").first?.decode("n", as: Int.self) ?? -1
        #expect(stored >= Set(answered).count)

        print(
            """
            database kill: calls=\(outcomes.count) succeeded=\(outcomes.count - failures.count) \
            503=\(failures.filter { $0.status == 503 }.count) 500=\(outcomes.filter { $0.status == 500 }.count) \
            runsStored=\(stored) keyedRetries=\(foundOriginal + resumed + ranAfresh) \
            foundOriginal=\(foundOriginal) resumedOrphan=\(resumed) ranAfresh=\(ranAfresh)
            """)
    }

    private static func run(_ client: HTTPTestClient, key: String?, text: String) async throws -> Outcome {
        var input: [String: Any] = ["agent": "echo", "input": ["text": text]]
        if let key { input["idempotencyKey"] = key }
        let reply = try await client.request(
            "POST", "/trpc/agents.run",
            headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(tenant: Self.tenant))"],
            body: try JSONSerialization.data(withJSONObject: input))
        let envelope = (try? reply.json()) ?? [:]
        return Outcome(
            key: key, status: reply.status, code: errorCode(envelope), retryAfter: reply.header("Retry-After"),
            runID: resultData(envelope)?["runId"] as? String)
    }

    private func waitUntil(_ what: String, timeout: Duration, _ condition: () async -> Bool) async throws {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting until \(what)")
        throw CancellationError()
    }

    /// SIGKILLs the cluster's postmaster, as an operator (or the OOM killer) would. Its
    /// backends notice within moments and leave on their own — telling their clients
    /// "terminating connection due to unexpected postmaster exit" (57P01) — which is what
    /// answered 500 in issue #19. Those still there after 1 s are SIGKILLed too (a closed
    /// socket, no goodbye); then waits (at most 10 s more) until none runs.
    static func killCluster(_ cluster: EmbeddedCluster) throws {
        let pidFile = cluster.dataDirectory.appendingPathComponent("postmaster.pid")
        let text = try String(contentsOf: pidFile, encoding: .utf8)
        guard let postmaster = text.split(separator: "\n").first.flatMap({ pid_t($0.trimmingCharacters(in: .whitespaces)) }) else {
            throw HTTPTestClient.Failure()
        }
        let victims = [postmaster] + children(of: postmaster)
        kill(postmaster, SIGKILL)
        let grace = ContinuousClock.now + .seconds(1)
        while victims.contains(where: isRunning), ContinuousClock.now < grace { usleep(10_000) }
        for pid in victims where isRunning(pid) { kill(pid, SIGKILL) }
        let end = ContinuousClock.now + .seconds(10)
        while victims.contains(where: isRunning), ContinuousClock.now < end { usleep(10_000) }
    }

    /// Processes whose parent is `parent` (from `/proc/<pid>/stat`).
    static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let end = stat.lastIndex(of: ")") else {
                return false
            }
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == parent
        }
    }

    /// Alive and not a zombie.
    static func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return false }
        return !stat[stat.index(after: end)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}
