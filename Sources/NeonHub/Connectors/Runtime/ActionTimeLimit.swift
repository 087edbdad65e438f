import Foundation

extension ConnectorRuntime {
    /// The longest `call` may take when the flow behind it bounds itself by its input (see
    /// `ConnectorFlow.timeLimit(for:)`); nil for every other action, and for unknown ones.
    public func timeLimit(for call: ConnectorCall) -> Duration? {
        guard let action = (try? resolve(call))?.1, action.request == nil, let handler = action.handler, let flow = flows[handler] else {
            return nil
        }
        return flow.timeLimit(for: call)
    }
}

extension ConnectorService {
    /// A statement that may run for minutes is given its own timeout, not the tool's default.
    public func timeLimit(of request: ConnectorActionRequest) -> Duration? {
        runtime.timeLimit(for: ConnectorCall(connector: request.connector, action: request.action, input: request.input))
    }
}
