/// Application code behind the server. Called on an event-loop thread: answer quickly
/// through `responder` (synchronously when the answer is at hand), or hand the work to
/// another queue or task and call `responder` later from any thread. Never block.
public protocol HTTPHandler: Sendable {
    /// Handles one request; must eventually call `responder.respond(_:)` or start a stream.
    func handle(_ request: HTTPRequest, responder: HTTPResponder)
}
