/// The built-in agents, and lookup by name or intent for the orchestrator.
public enum AgentCatalog {
    /// Every agent: content, seo, social, email, support, the tool-loop assistant, and the
    /// diagnostic echo agent.
    public static let all: [any Agent] = [ContentAgent(), SEOAgent(), SocialAgent(), EmailAgent(), SupportAgent(), AssistantAgent(), EchoAgent()]

    /// The built-in agents for a server: as `all`, but when a connector registry is given the
    /// assistant's tool loop can also call `connector.action` on the tenant's accounts, and
    /// the `connector` agent performs single actions as recorded runs.
    /// With a post scheduler (the publish queue), the social agent can also hand the posts
    /// it writes to the queue (`publish` in its input).
    public static func agents(connectorActions: (any ConnectorActions)?, posts: (any PostScheduler)? = nil) -> [any Agent] {
        var agents = all
        if let posts {
            let social = SocialAgent(publisher: PublishScheduleTool(scheduler: posts))
            agents = agents.map { $0 is SocialAgent ? social : $0 }
        }
        guard let connectorActions else { return agents }
        let assistant = AssistantAgent(loop: ToolLoop(tools: LocalTools.all + [ConnectorActionTool(actions: connectorActions)]))
        return agents.map { $0 is AssistantAgent ? assistant : $0 } + [ConnectorAgent(actions: connectorActions)]
    }

    /// The agent with this name, if any.
    public static func agent(named name: String) -> (any Agent)? {
        all.first { $0.name == name }
    }

    /// The first agent that handles `intent`, if any.
    public static func agent(forIntent intent: String) -> (any Agent)? {
        all.first { $0.intents.contains(intent) }
    }
}
