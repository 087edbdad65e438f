/// The `support` agent: classifies an inbound message by intent (billing, bug_report,
/// feature_request, account_access, cancellation, praise, general), urgency (low, normal,
/// high, urgent) and sentiment, and drafts a reply that greets the customer, acknowledges
/// the message and states the next step. Deterministic rules, no LLM.
///
/// Input `{message, customerName?, channel?}` (`channel` `chat`/`sms`/`social` gets a short reply).
public struct SupportAgent: Agent {
    public var name: String { "support" }
    public var description: String { "Triages an inbound support message (intent, urgency, sentiment) and drafts a reply." }
    public var intents: [String] { ["triage", "reply"] }

    /// Creates the agent.
    public init() {}

    /// Classifies and drafts (one `text.analyze` call on the message).
    public func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
        _ = try AgentChecks.intent(intent, of: self)
        let fields = try InputFields.agent(input)
        let message = try fields.requiredString("message", maxLength: 20_000)
        let name = try fields.string("customerName", maxLength: 200)
            .map { AgentChecks.truncate(AgentChecks.collapseWhitespace($0), to: 60) }
        let channel = try fields.string("channel", maxLength: 40)?.lowercased() ?? "email"

        let analysis = try await AnalyzedText.analyze(message, toolbox: toolbox)
        let result = SupportClassifier().classify(message)
        let reply = Self.reply(to: result, name: name, short: ["chat", "sms", "social", "x", "whatsapp"].contains(channel))
        return .object([
            "intent": .string(result.intent),
            "urgency": .string(result.urgency),
            "sentiment": .string(result.sentiment),
            "matchedSignals": JSONOut.strings(result.matchedSignals),
            "reply": .string(reply),
            "messageWords": JSONOut.int(analysis.words),
        ])
    }

    /// The drafted reply: greeting, acknowledgement, next step, sign-off (none on short channels).
    static func reply(to result: SupportClassifier.Result, name: String?, short: Bool) -> String {
        let greeting = "Hi \(name ?? "there"),"
        let sorry = result.sentiment == "negative" ? "I'm sorry for the trouble. " : ""
        let (acknowledgement, nextStep): (String, String)
        switch result.intent {
        case "billing":
            acknowledgement = sorry + "Thanks for flagging this billing question."
            nextStep =
                "I've passed it to our billing team, who will review the charges on your account; if a duplicate or incorrect charge is confirmed we refund it within 5–7 business days and confirm by email."
        case "bug_report":
            acknowledgement = sorry + "Thanks for reporting this problem."
            nextStep =
                result.urgency == "urgent"
                ? "I've escalated it to our on-call engineers as an incident; you can follow progress on our status page, and we'll update you as soon as it is resolved."
                : "I've logged it with our engineering team. If you can, reply with the steps to reproduce it, the page or feature involved, and a screenshot, so we can fix it faster."
        case "feature_request":
            acknowledgement = "Thanks for the suggestion — this kind of feedback shapes what we build."
            nextStep =
                "I've added it to our product feedback board and shared it with the product team; we'll let you know if it makes it onto the roadmap."
        case "account_access":
            acknowledgement = sorry + "I understand you're having trouble getting into your account."
            nextStep =
                "Please use \"Forgot password\" on the sign-in page to get a reset link; if that doesn't work, reply from the email address on the account and we'll verify your identity and restore access."
        case "cancellation":
            acknowledgement = "Thanks for letting us know, and I'm sorry to hear you're thinking of leaving."
            nextStep =
                "I've started the cancellation request; you'll get an email confirming the date it takes effect. If something we could fix made you decide this, just reply — we'd like to help."
        case "praise":
            acknowledgement = "Thank you so much for the kind words!"
            nextStep = "I've shared your message with the team — it made our day."
        default:
            acknowledgement = sorry + "Thanks for reaching out."
            nextStep = "A member of our team will look into your message and get back to you within one business day."
        }
        let urgentNote =
            result.urgency == "urgent" && result.intent != "bug_report"
            ? " I've marked this as urgent so the right person picks it up right away." : ""
        if short { return "\(greeting) \(acknowledgement) \(nextStep)\(urgentNote)" }
        return "\(greeting)\n\n\(acknowledgement) \(nextStep)\(urgentNote)\n\nBest regards,\nNeonHub Support"
    }
}
