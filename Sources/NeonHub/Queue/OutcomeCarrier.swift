import Synchronization

/// The outcomes of one claim's jobs, held for the worker to write together with its next
/// claim (`QueueStore.finishAndClaim`): one transaction and one commit for both, where a
/// separate write and claim waited for two WAL flushes (docs/PERFORMANCE.md). A worker claims
/// again once every job of its batch has run, so an outcome is held only when that is now:
///
/// - while the worker is still starting its batch's jobs (`started` not yet called): jobs that
///   end without waiting for anything end here, one after the other;
/// - once they are started, only the outcome of the batch's last job to run (`ran` done).
///
/// An outcome whose neighbours still run (a provider that answered at once beside one that
/// takes seconds) is written at once through the `FinishBatcher`, so that its remote id is
/// stored as soon as the platform confirmed it, whatever its neighbours do; `started` hands
/// over the outcomes held while the batch started if some of its jobs are still running.
///
/// Once the worker has taken them (`take`), or handed them over (`handOver`: it stops), the
/// carrier is closed: an outcome that arrives later goes to the `FinishBatcher`, as do the
/// handed-over ones. Each outcome's caller waits for its own write's answer either way.
final class OutcomeCarrier: Sendable {
    /// An outcome waiting for the worker's next claim, and the job that waits for its answer.
    struct Carried: Sendable {
        var end: QueueStore.Finish
        var answer: CheckedContinuation<Result<Bool, any Error>?, Never>

        /// Answers the job: whether its outcome was written (false: the lease was lost).
        func resume(with result: Result<Bool, any Error>) { answer.resume(returning: result) }

        /// Writes the outcome through `finisher`, in a task of its own (which a cancelled
        /// worker does not cancel), and answers the job with what that write says.
        func write(through finisher: FinishBatcher) {
            Task {
                do { resume(with: .success(try await finisher.finish(end))) } catch { resume(with: .failure(error)) }
            }
        }
    }

    private struct State: Sendable {
        var carried: [Carried] = []
        var starting = true
        var closed = false
    }

    private let state = Mutex(State())
    private let finisher: FinishBatcher
    /// The batch's jobs, each counted when it has run.
    private let ran: BatchCountdown

    init(finisher: FinishBatcher, ran: BatchCountdown) {
        self.finisher = finisher
        self.ran = ran
    }

    /// Writes `end`, with the worker's next claim when it is held (see the type's doc), or
    /// through the `FinishBatcher`; returns whether the lease was still held.
    func finish(_ end: QueueStore.Finish) async throws -> Bool {
        let carried = await withCheckedContinuation { (answer: CheckedContinuation<Result<Bool, any Error>?, Never>) in
            let kept = state.withLock { state -> Bool in
                guard !state.closed, state.starting || ran.isDone else { return false }
                state.carried.append(Carried(end: end, answer: answer))
                return true
            }
            if !kept { answer.resume(returning: nil) }
        }
        if let carried { return try carried.get() }
        return try await finisher.finish(end)
    }

    /// The worker has started every job of its batch: if some still run, the outcomes held
    /// so far are written now, not after the slowest of them.
    func started() {
        let handed = state.withLock { state -> [Carried] in
            state.starting = false
            guard !ran.isDone else { return [] }
            defer { state.carried = [] }
            return state.carried
        }
        write(handed)
    }

    /// How many outcomes wait for the worker's next claim.
    var held: Int { state.withLock { $0.carried.count } }

    /// Closes the carrier and returns the outcomes it holds, which the caller now writes and
    /// answers (`Carried.resume`), every one of them.
    func take() -> [Carried] {
        state.withLock { state in
            state.closed = true
            defer { state.carried = [] }
            return state.carried
        }
    }

    /// Closes the carrier and writes the outcomes it holds through the `FinishBatcher`: for a
    /// worker that will not claim again.
    func handOver() { write(take()) }

    private func write(_ outcomes: [Carried]) {
        for carried in outcomes { carried.write(through: finisher) }
    }
}
