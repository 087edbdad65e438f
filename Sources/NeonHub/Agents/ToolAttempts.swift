import Synchronization

/// How many times a tool call's requests were sent, retries included, as its body reports it
/// to the toolbox that records the call (`tool_executions.attempt`). The body runs in a child
/// task, so it reports through a task-local box the toolbox sets up around it.
final class ToolAttempts: Sendable {
    /// The box of the tool call the current task runs in, if any.
    @TaskLocal static var current: ToolAttempts?

    private let retries = Atomic<Int>(0)

    /// Counts one request the body made, sent `attempts` times.
    func request(sentTimes attempts: Int) {
        if attempts > 1 { retries.add(attempts - 1, ordering: .relaxed) }
    }

    /// The call's attempt number: 1, plus every retry its requests needed.
    var attempt: Int { 1 + retries.load(ordering: .relaxed) }
}
