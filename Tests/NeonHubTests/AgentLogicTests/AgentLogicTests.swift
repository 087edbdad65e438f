import Testing

/// The agents' domain logic and local tools (run with `--filter AgentLogicTests`); each file
/// adds a nested suite.
@Suite enum AgentLogicTests {}
