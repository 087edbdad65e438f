import Foundation
import Logging
import Synchronization

// One claimed job: run by its handler (or reconciled first), and its outcome written.
extension QueueWorkers {
    /// Runs one claimed job, calls `ran`, and writes its next state (through `outcomes`, with
    /// its worker's next claim, when given), in the trace of whoever enqueued it (a new span
    /// of it; a new trace when the job has none): its log lines and outbound calls name that
    /// trace.
    func process(_ claim: QueueStore.Claim, worker: String, outcomes: OutcomeCarrier? = nil, ran: @Sendable () -> Void) async {
        await TraceContext.withContinued(traceparent: claim.job.traceParent) {
            await run(claim, worker: worker, outcomes: outcomes, ran: ran)
        }
    }

    private func run(_ claim: QueueStore.Claim, worker: String, outcomes: OutcomeCarrier?, ran: @Sendable () -> Void) async {
        let started = ContinuousClock.now
        let job = claim.job
        let transition: QueueStore.Transition
        if let handler = handlers[job.kind] {
            transition = await decide(claim, handler: handler)
        } else {
            transition = .init(
                status: .dlq, attemptOutcome: "permanent",
                failure: JobFailure(code: "noHandler", message: "No handler for \(job.kind.rawValue) jobs"),
                dlqReason: "no_handler")
        }
        ran()
        // Stopped past the shutdown grace, or its lease lost: a failure the handler made of its cancellation (a
        // provider call cut off after it was sent reads as one to retry) is not the job's
        // outcome. The job keeps its lease until it expires, and the worker that reclaims it
        // reconciles a publish with the platform first, instead of sending it again. A success
        // or a deferral (with its checkpoint) that came back before the cancel is written.
        if Task.isCancelled, transition.status != .succeeded, transition.attemptOutcome != "deferred" {
            logger.warning(
                "a job was stopped (by shutdown, or its lease was lost) before it finished; another worker reclaims it when its lease expires",
                metadata: ["job": "\(job.id)"])
            return
        }
        do {
            let end = QueueStore.Finish(claim, worker: worker, transition: transition, startedAt: started)
            let written: Bool
            if let outcomes { written = try await outcomes.finish(end) } else { written = try await finisher.finish(end) }
            guard written else {
                logger.warning("a job's lease was lost before it finished; another worker owns it now", metadata: ["job": "\(job.id)"])
                return
            }
            if transition.status.isFinal {
                metrics.recordJobCompleted(kind: job.kind.rawValue, outcome: transition.status.rawValue)
                completed.add(1, ordering: .releasing)
            }
            if transition.status == .dlq {
                logger.warning(
                    "job moved to the dead-letter queue",
                    metadata: ["job": "\(job.id)", "kind": "\(job.kind.rawValue)", "reason": "\(transition.dlqReason ?? "")"])
            }
        } catch {
            logger.error(
                "could not record a job's outcome; its lease will expire and it will be reclaimed",
                metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
    }

    private func decide(_ claim: QueueStore.Claim, handler: any JobHandler) async -> QueueStore.Transition {
        let job = claim.job
        let outcomeUnknown = claim.previousStatus == .unknown || claim.previousStatus == .running
        // A job whose lease keeps expiring (its worker stopped, or a job that stops the process
        // every time) is not run again past its attempts: reclaims count as attempts too.
        let abandonedTooOften = claim.previousStatus == .running && job.attempts > job.maxAttempts
        let abandoned = QueueStore.Transition(
            status: .dlq, attemptOutcome: "permanent",
            failure: JobFailure(
                code: "abandoned", message: "The job's worker stopped before it finished, \(job.attempts - 1) times; it is not run again"),
            dlqReason: "abandoned")
        if abandonedTooOften && job.kind != .publish { return abandoned }
        if job.kind == .publish, outcomeUnknown {
            switch await handler.reconcile(job) {
            case .found(let remoteID, let remoteURL):
                return .init(status: .succeeded, attemptOutcome: "reconciled_found", result: job.result, remoteID: remoteID, remoteURL: remoteURL)
            case .missing where abandonedTooOften:
                return abandoned
            case .missing:
                return .init(status: .queued, attemptOutcome: "reconciled_missing", runAfter: Date(), waitReason: nil)
            case .unsupported:
                return .init(
                    status: .dlq, attemptOutcome: "unknown",
                    failure: JobFailure(
                        code: "outcomeUnknown",
                        message: "\(job.connector ?? "The connector") cannot look its posts up; a person must check whether it was published"),
                    dlqReason: "outcome_unknown")
            case .inconclusive:
                return .init(
                    status: .dlq, attemptOutcome: "unknown",
                    failure: JobFailure(
                        code: "outcomeUnknown",
                        message:
                            "The post was not among the account's posts that could be read since the job started, and there were more; a person must check whether it was published"
                    ),
                    dlqReason: "outcome_unknown")
            case .unavailable:
                return policy.transition(
                    for: .unknown(JobFailure(code: "reconcileUnavailable", message: "The platform could not be asked whether the post exists")),
                    job: job)
            }
        }
        return policy.transition(for: await handler.run(job), job: job)
    }
}
