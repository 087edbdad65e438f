import Foundation
import Logging

/// Writes the end of a run whose final transaction failed (the database went away as the run
/// ended), in the background, until it lands or the pauses run out (about ten minutes).
/// Without it the run's `running` row stayed so for as long as the process lived: the runner
/// lease fails only the runs of dead processes. A final write whose commit went through
/// unseen is not repeated: the run is read first, one no longer `running` is left alone, and
/// the write itself only replaces a `running` row.
struct RunFinisher: Sendable {
    let store: AgentRunStore
    let runnerID: Int64
    let logger: Logger
    /// The pause before each attempt.
    var pauses: [Duration] =
        [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(15)] + Array(repeating: .seconds(30), count: 19)

    /// How the attempts ended.
    enum Outcome: Sendable, Equatable {
        /// This finisher stored the run's end.
        case written
        /// The run was found ended (its first commit went through unseen, a sweep failed it) or
        /// taken over by another process.
        case foundEnded
        /// Every attempt failed.
        case gaveUp
    }

    /// Starts the attempts; `write` must store the end only over a `running` row (and fail
    /// otherwise). `done` is called once, with how they ended.
    func finishLater(
        tenant: String, runID: UUID, write: @escaping @Sendable () async throws -> Void, done: @escaping @Sendable (Outcome) -> Void
    ) {
        let store = store, logger = logger, pauses = pauses, runnerID = runnerID
        Task.detached {
            for pause in pauses {
                try? await Task.sleep(for: pause)
                do {
                    if try await !store.isUnfinished(tenant: tenant, id: runID, runnerID: runnerID) {
                        done(.foundEnded)
                        return
                    }
                    try await write()
                    logger.notice("stored the end of a run after its database came back", metadata: ["runId": "\(runID)"])
                    done(.written)
                    return
                } catch {
                    // Only the database being away is worth waiting out; a refusal (the row
                    // ended or rerun meanwhile: the write's insert conflicts) is final.
                    if Orchestrator.isDatabaseGone(error) { continue }
                    done(.foundEnded)
                    return
                }
            }
            logger.error(
                "gave up storing the end of a run; it stays running until this process exits", metadata: ["runId": "\(runID)"])
            done(.gaveUp)
        }
    }
}
