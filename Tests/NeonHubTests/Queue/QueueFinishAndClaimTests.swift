import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// A worker's outcomes written with its next claim (`QueueStore.finishAndClaim`), and the
/// `OutcomeCarrier` that holds them for it.
@Suite struct QueueFinishAndClaimTests {
    private static func status(_ server: NeonHubServer, _ id: UUID) async throws -> String? {
        try await server.database!.pool.query("SELECT status FROM publish_jobs WHERE id = \(id)").first?.decode("status", as: String.self)
    }

    private static func succeeded(_ claim: QueueStore.Claim, worker: String = "w1", outcome: String = "succeeded") -> QueueStore.Finish {
        QueueStore.Finish(claim, worker: worker, transition: .init(status: .succeeded, attemptOutcome: outcome), startedAt: .now)
    }

    @Test func theEndsAreWrittenAndTheNextJobsClaimedTogether() async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let store = server.queue.store
            let ids = try await QueueWorkerTests.add(server, count: 3)
            let first = try await store.claim(worker: "w1", kinds: [.action], limit: 1, lease: .seconds(30))
            try #require(first.count == 1)
            let (written, claimed) = await store.finishAndClaim(
                [Self.succeeded(first[0])], worker: "w1", kinds: [.action], limit: 10, lease: .seconds(30))
            #expect(written?.map { try? $0.get() } == [true])
            let next = try claimed.get()
            #expect(Set(next.map(\.job.id)) == Set(ids).subtracting([first[0].job.id]))
            #expect(next.allSatisfy { $0.job.status == .running && $0.job.attempts == 1 })
            let holders = try await server.database!.pool.query(
                "SELECT DISTINCT locked_by FROM publish_jobs WHERE status = 'running'"
            ).map { try $0.decode("locked_by", as: String.self) }
            #expect(holders == ["w1"])
            #expect(try await Self.status(server, first[0].job.id) == "succeeded")
            let attempts = try await store.attempts(tenant: "tenant-a", job: first[0].job.id)
            #expect(attempts.map(\.outcome) == ["succeeded"])

            // Nothing left to claim: the ends are still written.
            let (last, none) = await store.finishAndClaim(
                next.map { Self.succeeded($0) }, worker: "w1", kinds: [.action], limit: 10, lease: .seconds(30))
            #expect(last?.map { try? $0.get() } == [true, true])
            #expect(try none.get().isEmpty)
            for id in ids { #expect(try await Self.status(server, id) == "succeeded") }
        }
    }

    @Test func aFailedTransactionWritesNothingAndClaimsNothing() async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let store = server.queue.store
            let ids = try await QueueWorkerTests.add(server, count: 4)
            let claims = try await store.claim(worker: "w1", kinds: [.action], limit: 3, lease: .seconds(30))
            try #require(claims.count == 3)
            let waiting = try #require(Set(ids).subtracting(claims.map(\.job.id)).first)
            // The attempts table's CHECK refuses the second end's outcome: the transaction fails.
            let ends = claims.enumerated().map { index, claim in Self.succeeded(claim, outcome: index == 1 ? "not-an-outcome" : "succeeded") }
            let (written, claimed) = await store.finishAndClaim(ends, worker: "w1", kinds: [.action], limit: 10, lease: .seconds(30))
            #expect(written == nil)
            #expect(throws: (any Error).self) { try claimed.get() }
            for claim in claims { #expect(try await Self.status(server, claim.job.id) == "running") }
            #expect(try await Self.status(server, waiting) == "queued")  // the claim was rolled back with the ends
            // The worker then hands them to the writer, which writes each one it can.
            let carrier = OutcomeCarrier(finisher: FinishBatcher(store: store, maxWriters: 1), ran: BatchCountdown(3))
            let answers = ends.map { end in Task { try await carrier.finish(end) } }
            try await Self.waitUntil { carrier.held == 3 }
            for outcome in carrier.take() { outcome.write(through: FinishBatcher(store: store, maxWriters: 1)) }
            #expect(try await answers[0].value == true)
            await #expect(throws: (any Error).self) { try await answers[1].value }
            #expect(try await answers[2].value == true)
            #expect(try await Self.status(server, claims[0].job.id) == "succeeded")
            #expect(try await Self.status(server, claims[1].job.id) == "running")  // kept its lease: it will be reclaimed
            #expect(try await Self.status(server, claims[2].job.id) == "succeeded")
        }
    }

    @Test func heldOutcomesAreAnsweredByTheTakerAndLaterOnesAreWrittenAtOnce() async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let store = server.queue.store
            _ = try await QueueWorkerTests.add(server, count: 2)
            let claims = try await store.claim(worker: "w1", kinds: [.action], limit: 2, lease: .seconds(30))
            try #require(claims.count == 2)
            let carrier = OutcomeCarrier(finisher: FinishBatcher(store: store, maxWriters: 1), ran: BatchCountdown(2))
            let held = Task { try await carrier.finish(Self.succeeded(claims[0])) }
            try await Self.waitUntil { carrier.held == 1 }
            #expect(try await Self.status(server, claims[0].job.id) == "running")  // held, not written

            let taken = carrier.take()
            #expect(taken.map(\.end.jobID) == [claims[0].job.id])
            // Closed: a later outcome is written through the batcher at once.
            let late = await Deadline.run(.seconds(60)) { try await carrier.finish(Self.succeeded(claims[1])) }
            #expect((try? late?.get()) == true)
            #expect(try await Self.status(server, claims[1].job.id) == "succeeded")

            // The held job hears what its taker wrote.
            taken[0].resume(with: .success(false))
            #expect(try await held.value == false)
        }
    }

    @Test func aWorkerThatStopsHandsItsHeldOutcomesToTheBatcher() async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let store = server.queue.store
            _ = try await QueueWorkerTests.add(server, count: 1)
            let claim = try #require(try await store.claim(worker: "w1", kinds: [.action], limit: 1, lease: .seconds(30)).first)
            let carrier = OutcomeCarrier(finisher: FinishBatcher(store: store, maxWriters: 1), ran: BatchCountdown(2))
            let held = Task { try await carrier.finish(Self.succeeded(claim)) }
            try await Self.waitUntil { carrier.held == 1 }
            carrier.handOver()
            let answer = await Deadline.run(.seconds(60)) { try await held.value }
            #expect((try? answer?.get()) == true)
            #expect(try await Self.status(server, claim.job.id) == "succeeded")
            #expect(carrier.held == 0)
        }
    }

    /// Once its batch has started, an outcome is held only when its job is the batch's last
    /// to run: one whose neighbours still run is written at once, and so are those held while
    /// the batch started if some of its jobs are still running then.
    @Test func anOutcomeIsNotKeptWaitingForItsBatchsSlowerJobs() async throws {
        try await withDatabaseApp({ $0.workers = 0 }) { server, _ in
            let store = server.queue.store
            _ = try await QueueWorkerTests.add(server, count: 3)
            let claims = try await store.claim(worker: "w1", kinds: [.action], limit: 3, lease: .seconds(30))
            try #require(claims.count == 3)
            let ran = BatchCountdown(3)
            let carrier = OutcomeCarrier(finisher: FinishBatcher(store: store, maxWriters: 1), ran: ran)
            // The first job ends while the batch starts: held.
            ran.tick()
            let instant = Task { try await carrier.finish(Self.succeeded(claims[0])) }
            try await Self.waitUntil { carrier.held == 1 }
            // The others are still running once all are started: the held outcome is written.
            carrier.started()
            let first = await Deadline.run(.seconds(60)) { try await instant.value }
            #expect((try? first?.get()) == true)
            #expect(try await Self.status(server, claims[0].job.id) == "succeeded")
            #expect(carrier.held == 0)
            // The second ends while the third still runs: written at once.
            ran.tick()
            let second = await Deadline.run(.seconds(60)) { try await carrier.finish(Self.succeeded(claims[1])) }
            #expect((try? second?.get()) == true)
            #expect(try await Self.status(server, claims[1].job.id) == "succeeded")
            // The last one is held for the worker's claim, which comes right away.
            ran.tick()
            let last = Task { try await carrier.finish(Self.succeeded(claims[2])) }
            try await Self.waitUntil { carrier.held == 1 }
            #expect(try await Self.status(server, claims[2].job.id) == "running")
            let taken = carrier.take()
            let (written, _) = await store.finishAndClaim(taken.map(\.end), worker: "w1", kinds: [.action], limit: 1, lease: .seconds(30))
            for (outcome, result) in zip(taken, try #require(written)) { outcome.resume(with: result) }
            #expect(try await last.value == true)
            #expect(try await Self.status(server, claims[2].job.id) == "succeeded")
        }
    }

    /// Polls `condition` until it holds, for a minute at most.
    private static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() {
            try #require(ContinuousClock.now < deadline, "the condition did not hold within a minute")
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
