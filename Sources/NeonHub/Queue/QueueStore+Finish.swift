import Foundation
import Postgres

extension QueueStore {
    /// The job's next state after an attempt, written with the attempt in one transaction.
    struct Transition: Sendable {
        var status: JobStatus
        var attemptOutcome: String
        var runAfter: Date?
        var waitReason: String?
        var failure: JobFailure?
        var dlqReason: String?
        var result: JSONValue?
        var remoteID: String?
        var remoteURL: String?
        /// Deferred: the claim does not count as an attempt.
        var refundAttempt = false
        /// Deferred while the provider processes: members merged into the job's `payload.input`
        /// in the same statement, so the next run resumes (never redoes an upload).
        var checkpoint: [String: JSONValue]? = nil
    }

    /// One attempt's end, ready to be written alone or with others (`finish(_:)`): the job,
    /// the claim it ends (the worker whose lease must still hold, and the attempt number that
    /// claim gave the job), and the row `jsonb_to_recordset` reads, as JSON text written
    /// member by member (no dictionary to build and sort for every job). A member left out, or
    /// a JSON null, reads as SQL NULL, as `jsonb_to_recordset` reads every null.
    struct Finish: Sendable {
        var jobID: UUID
        var worker: String
        var attempt: Int
        var row: [UInt8]
        /// A success of a job created from a draft: its write publishes the draft.
        var publishesDraft: Bool

        /// The end of `claim`'s attempt by `worker`; its duration is taken now.
        init(_ claim: Claim, worker: String, transition t: Transition, startedAt: ContinuousClock.Instant) {
            let elapsed = ContinuousClock.now - startedAt
            let milliseconds = Int(elapsed.components.seconds * 1000) + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
            let job = claim.job
            jobID = job.id
            self.worker = worker
            attempt = job.attempts
            var row = JSONObjectBytes()
            row.add("id", job.id.lowercasedText)
            row.add("worker", worker)
            row.add("status", t.status.rawValue)
            row.add("outcome", t.attemptOutcome)
            row.add("tenant_id", job.tenantID)
            row.add("attempt", job.attempts)
            row.add("started_at", PostgresTimestamp.format(claim.startedAt))
            row.add("duration_ms", milliseconds)
            row.add("is_final", t.status.isFinal)
            row.add("refund", t.refundAttempt ? 1 : 0)
            row.add("run_after", t.runAfter.map(PostgresTimestamp.format))
            row.add("wait_reason", t.waitReason)
            row.add("checkpoint", t.checkpoint.map(JSONValue.object))
            row.add("error", t.failure?.json)
            row.add("request", t.failure?.request)
            row.add("response", t.failure?.response)
            row.add("http_status", t.failure?.httpStatus)
            row.add("retry_after", t.failure?.retryAfterSeconds)
            row.add("dlq_reason", t.dlqReason)
            row.add("result", t.result)
            row.add("remote_id", t.remoteID)
            row.add("remote_url", t.remoteURL)
            publishesDraft = t.status == .succeeded && job.draftID != nil
            if publishesDraft { row.add("draft_id", job.draftID?.lowercasedText) }
            self.row = row.finish()
        }
    }

    /// Applies `transition` to a claimed job if `worker` still holds its lease (false
    /// otherwise: another worker reclaimed it and nothing is written). A succeeded job
    /// created from a draft moves the draft to `published` with the remote URL, in the same
    /// transaction.
    func finish(_ claim: Claim, worker: String, transition: Transition, startedAt: ContinuousClock.Instant) async throws -> Bool {
        let end = Finish(claim, worker: worker, transition: transition, startedAt: startedAt)
        return try await write([end]).contains(end.claimKey)
    }

    /// Writes the ends of several attempts in one statement, so one round trip and one
    /// transaction; each job's update is still guarded by its own lease and answered on its
    /// own (true: written). If the statement fails, each end is tried once more on its own, so
    /// that one bad write cannot fail the others. (If the statement had committed before its
    /// answer was lost, the second try finds the leases released and writes nothing: it
    /// answers false, as for a lost lease.)
    func finish(_ batch: [Finish]) async -> [Result<Bool, any Error>] {
        do {
            let written = try await write(batch)
            return batch.map { .success(written.contains($0.claimKey)) }
        } catch {
            var results: [Result<Bool, any Error>] = []
            for end in batch {
                do { results.append(.success(try await write([end]).contains(end.claimKey))) } catch { results.append(.failure(error)) }
            }
            return results
        }
    }

    /// Writes `batch` (the ends of a worker's last claim that are ready) and claims the
    /// worker's next jobs (`claim`) in one transaction and one round trip: one commit and one
    /// wait for its WAL flush, where a write and a claim apart waited for two
    /// (docs/PERFORMANCE.md). Without ends it is `claim`. Each end is answered as
    /// `finish(_:)` answers it.
    ///
    /// If the transaction fails, `written` is nil: none of the ends was written, and the
    /// caller writes them another way (`FinishBatcher`), since one bad end fails the batch.
    /// Nothing was claimed either — unless the connection was lost after COMMIT was sent
    /// (`PostgresError.isCommitOutcomeUnknown`): then the claim may have committed, as a lost
    /// claim on its own may have, and its jobs are reclaimed when their lease runs out; the
    /// ends written again then find their leases released and answer false.
    func finishAndClaim(
        _ batch: [Finish], worker: String, kinds: [JobKind], limit: Int, lease: Duration
    ) async -> (written: [Result<Bool, any Error>]?, claims: Result<[Claim], any Error>) {
        let claim = Self.claimQuery(worker: worker, kinds: kinds, limit: limit, lease: lease)
        guard !batch.isEmpty else {
            do { return ([], .success(try Self.claims(from: try await pool.query(claim)))) } catch { return ([], .failure(error)) }
        }
        let results: [PostgresQueryResult]
        do {
            results = try await pool.pipelineTransaction([Self.finishQuery(batch), claim])
        } catch {
            return (nil, .failure(error))
        }
        // Committed: whatever happens below, nothing is written again.
        let written = Result { try Self.written(from: results[0].rows) }
        return (batch.map { end in written.map { $0.contains(end.claimKey) } }, Result { try Self.claims(from: results[1].rows) })
    }

    /// The statement of `finish`: the ends arrive as one JSON array read by
    /// `jsonb_to_recordset`; the jobs' update (each guarded by its lease), and — for the jobs it
    /// matched only — their attempt rows and drafts, as data-modifying CTEs joined to it.
    /// Returns the claims written (`Finish.claimKey`).
    ///
    /// A job's update is guarded by the claim the end belongs to: its worker and the attempt
    /// number the claim set (every claim adds one). So when one batch carries two ends of one
    /// job — a worker whose lease expired and the one that reclaimed it — only the current
    /// claim's end is written, its attempt row alone is added, and the stale one answers false.
    ///
    /// One statement for a whole batch: ten ends written as ten statements in one pipelined
    /// transaction cost Postgres about 1.5 times what one statement over ten rows does
    /// (docs/PERFORMANCE.md).
    private func write(_ batch: [Finish]) async throws -> Set<Finish.ClaimKey> {
        try Self.written(from: try await pool.query(Self.finishQuery(batch)))
    }

    /// The statement of `write`.
    static func finishQuery(_ batch: [Finish]) -> PostgresQuery {
        var ends: [UInt8] = [UInt8(ascii: "[")]
        ends.reserveCapacity(batch.reduce(2) { $0 + $1.row.count + 1 })
        for (index, end) in batch.enumerated() {
            if index > 0 { ends.append(UInt8(ascii: ",")) }
            ends.append(contentsOf: end.row)
        }
        ends.append(UInt8(ascii: "]"))
        return
            """
            WITH o AS (
                SELECT * FROM jsonb_to_recordset(\(PostgresBind.text(String(decoding: ends, as: UTF8.self), type: .jsonb))::jsonb) AS o(
                    id uuid, worker text, status text, outcome text, tenant_id text, attempt int, started_at timestamptz,
                    duration_ms int, is_final bool, refund int, run_after timestamptz, wait_reason text, checkpoint jsonb,
                    error jsonb, request jsonb, response jsonb, http_status int, retry_after int, dlq_reason text,
                    result jsonb, remote_id text, remote_url text, draft_id uuid)
            ), job AS (
                UPDATE publish_jobs j
                SET status = o.status, locked_by = NULL, locked_until = NULL, updated_at = now(),
                    run_after = coalesce(o.run_after, j.run_after), wait_reason = o.wait_reason, attempts = j.attempts - o.refund,
                    payload = CASE WHEN o.checkpoint IS NULL THEN j.payload
                                   ELSE jsonb_set(j.payload, '{checkpoint}', coalesce(j.payload->'checkpoint', '{}'::jsonb) || o.checkpoint) END,
                    last_error = coalesce(o.error, j.last_error), last_request = coalesce(o.request, j.last_request),
                    last_response = coalesce(o.response, j.last_response), dlq_reason = o.dlq_reason,
                    result = coalesce(o.result, j.result), remote_id = coalesce(o.remote_id, j.remote_id),
                    remote_url = coalesce(o.remote_url, j.remote_url), finished_at = CASE WHEN o.is_final THEN now() ELSE NULL END
                FROM o
                WHERE j.id = o.id AND j.locked_by = o.worker AND j.attempts = o.attempt AND j.status = 'running'
                RETURNING j.id, o.worker, o.attempt
            ), attempt AS (
                INSERT INTO publish_attempts (job_id, tenant_id, attempt, worker, outcome, http_status, error, request, response,
                                              retry_after_seconds, started_at, finished_at, duration_ms)
                SELECT o.id, o.tenant_id, o.attempt, o.worker, o.outcome, o.http_status, o.error, o.request, o.response, o.retry_after,
                       o.started_at, now(), o.duration_ms
                FROM o JOIN job ON job.id = o.id AND job.worker = o.worker AND job.attempt = o.attempt
            )\(unescaped: batch.contains(where: \.publishesDraft) ? Self.publishDrafts : "")
            SELECT id, worker, attempt FROM job
            """
    }

    /// The part of `finishQuery` that publishes the drafts of the jobs that succeeded, only in
    /// the statement of a batch that has some: the drafts' table and its indexes are opened
    /// and locked by every statement that names them, rows or none (docs/PERFORMANCE.md).
    private static let publishDrafts = """
        , draft AS (
            UPDATE content_drafts d
            SET status = 'published', published_url = coalesce(o.remote_url, d.published_url), published_at = now(),
                version = d.version + 1, updated_at = now()
            FROM o JOIN job ON job.id = o.id AND job.worker = o.worker AND job.attempt = o.attempt
            WHERE o.draft_id IS NOT NULL AND d.id = o.draft_id AND d.tenant_id = o.tenant_id AND d.status <> 'published'
            RETURNING d.id
        )
        """

    /// The claims `finishQuery`'s rows say were written.
    static func written(from rows: [PostgresRow]) throws -> Set<Finish.ClaimKey> {
        Set(
            try rows.map { row in
                var column = PostgresRowCursor(row)
                return Finish.ClaimKey(
                    id: try column.next("id", as: UUID.self), worker: try column.next("worker", as: String.self),
                    attempt: try column.next("attempt", as: Int.self))
            })
    }
}

extension QueueStore.Finish {
    /// A claim of a job: the job, its worker, and the attempt number the claim gave it.
    struct ClaimKey: Hashable, Sendable {
        var id: UUID
        var worker: String
        var attempt: Int
    }

    /// The claim this end belongs to, as `write` answers it.
    var claimKey: ClaimKey { ClaimKey(id: jobID, worker: worker, attempt: attempt) }
}
