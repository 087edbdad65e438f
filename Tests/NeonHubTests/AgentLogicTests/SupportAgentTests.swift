import Testing

@testable import NeonHub

extension AgentLogicTests {
    @Suite struct SupportAgentTests {
        func run(_ message: String, name: String? = nil, channel: String? = nil) async throws -> (JSONValue, RecordingToolbox) {
            var fields: [String: JSONValue] = ["message": .string(message)]
            if let name { fields["customerName"] = .string(name) }
            if let channel { fields["channel"] = .string(channel) }
            let toolbox = RecordingToolbox()
            let output = try await SupportAgent().run(.object(fields), intent: "triage", toolbox: toolbox)
            return (output, toolbox)
        }

        @Test(arguments: [
            ("I was charged twice for my Pro subscription this month. Can you look into it?", "billing", "high", "negative"),
            ("The site is down for all our users!!! Nothing loads since 9am.", "bug_report", "urgent", "negative"),
            ("I can't log in — the password reset email never arrives.", "account_access", "high", "negative"),
            ("Please cancel my subscription at the end of this billing period and close my account.", "cancellation", "normal", "negative"),
            ("It would be great if you could add an integration with HubSpot. Any plans?", "feature_request", "low", "positive"),
            ("Just wanted to say the new dashboard is amazing. Thank you, team!", "praise", "low", "positive"),
            ("The export button throws an error when I pick a custom date range.", "bug_report", "normal", "negative"),
            ("Our lawyer says your invoice is wrong. Refund us immediately.", "billing", "urgent", "negative"),
            ("Hi, what are your office hours?", "general", "normal", "neutral"),
        ])
        func classifiesRealisticMessages(_ message: String, _ intent: String, _ urgency: String, _ sentiment: String) async throws {
            let (out, toolbox) = try await run(message)
            #expect(out["intent"] == .string(intent), "\(message)")
            #expect(out["urgency"] == .string(urgency), "\(message)")
            #expect(out["sentiment"] == .string(sentiment), "\(message)")
            #expect(toolbox.toolNames == ["text.analyze"])
            if intent != "general" {
                #expect(out["matchedSignals"]?.testStrings.contains { $0.hasPrefix(intent + ":") } == true)
            }
        }

        @Test func signalsExplainTheDecision() async throws {
            let (out, _) = try await run("The site is down for all our users!!!")
            let signals = out["matchedSignals"]?.testStrings ?? []
            #expect(signals.contains("bug_report:down"))
            #expect(signals.contains("urgency:is down"))
            #expect(signals.contains("urgency:all our users"))
            #expect(signals.contains("urgency:!!!"))
        }

        @Test func shoutingRaisesUrgency() async throws {
            let (calm, _) = try await run("The report page shows an error.")
            let (shouting, _) = try await run("THE REPORT PAGE SHOWS AN ERROR AGAIN")
            #expect(calm["urgency"] == .string("normal"))
            #expect(shouting["urgency"] == .string("high"))
            #expect(shouting["matchedSignals"]?.testStrings.contains("urgency:all caps") == true)
        }

        @Test func replyGreetsAcknowledgesAndStatesTheNextStep() async throws {
            let (billing, _) = try await run("I was charged twice this month.", name: "Dana")
            let reply = try #require(billing["reply"]?.testString)
            #expect(reply.hasPrefix("Hi Dana,"))
            #expect(reply.contains("I'm sorry for the trouble."))
            #expect(reply.contains("billing team"))
            #expect(reply.contains("refund it within 5–7 business days"))
            #expect(reply.hasSuffix("NeonHub Support"))

            let (outage, _) = try await run("Everything is down for all users!!!", channel: "chat")
            let chat = try #require(outage["reply"]?.testString)
            #expect(chat.hasPrefix("Hi there,"))
            #expect(chat.contains("on-call engineers"))
            #expect(!chat.contains("\n"))  // short form on chat

            let (access, _) = try await run("I'm locked out of my account", name: "Sam")
            #expect(access["reply"]?.testString?.contains("Forgot password") == true)
        }

        @Test func emptyMessageIsBadInput() async {
            await #expect(throws: AgentInputError.self) { _ = try await run("   ") }
        }
    }
}
