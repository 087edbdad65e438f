/// The built-in agents, and lookup by name or intent for the orchestrator.
public enum AgentCatalog {
    /// Every agent: content, seo, social, email, support, the tool-loop assistant, and the
    /// diagnostic echo agent.
    public static let all: [any Agent] = [ContentAgent(), SEOAgent(), SocialAgent(), EmailAgent(), SupportAgent(), AssistantAgent(), EchoAgent()]

    /// The agent with this name, if any.
    public static func agent(named name: String) -> (any Agent)? {
        all.first { $0.name == name }
    }

    /// The first agent that handles `intent`, if any.
    public static func agent(forIntent intent: String) -> (any Agent)? {
        all.first { $0.intents.contains(intent) }
    }
}
