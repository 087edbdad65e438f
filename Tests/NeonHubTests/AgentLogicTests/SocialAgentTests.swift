import FoundationEssentials
import Testing

@testable import NeonHub

extension AgentLogicTests {
    @Suite struct SocialAgentTests {
        /// A long brief (~2,700 characters) that overflows X, Instagram and TikTok.
        static let longBrief = Array(
            repeating: """
                NeonHub Analytics launches today: a marketing dashboard that pulls your email, social \
                and paid campaigns into one view, explains what changed this week in plain words, and \
                suggests the next three experiments to run. Marketing teams at small agencies told us \
                they spend Monday mornings copying numbers between spreadsheets; NeonHub Analytics does \
                that for them in seconds.
                """, count: 7
        ).joined(separator: "\n\n")

        func run(_ fields: [String: JSONValue], answers: [String] = ["ignored"]) async throws -> (JSONValue, RecordingToolbox) {
            let toolbox = RecordingToolbox(answers: answers)
            let output = try await SocialAgent().run(.object(fields), intent: "compose", toolbox: toolbox)
            return (output, toolbox)
        }

        func posts(_ output: JSONValue) -> [String: JSONValue] {
            Dictionary(uniqueKeysWithValues: output["posts"]!.testArray.map { ($0["platform"]!.testString!, $0) })
        }

        @Test func everyPlatformStaysWithinItsLimit() async throws {
            let link =
                "https://neonhub.example.com/blog/analytics-launch-with-a-very-long-campaign-tracking-path?utm_source=social&utm_medium=organic"
            let (out, toolbox) = try await run(["brief": .string(Self.longBrief), "link": .string(link)])
            #expect(toolbox.toolNames == ["text.analyze"])
            #expect(toolbox.requests.isEmpty)  // no LLM unless asked
            let byPlatform = posts(out)
            #expect(Set(byPlatform.keys) == ["x", "linkedin", "instagram", "facebook", "tiktok"])
            for platform in SocialPlatform.allCases {
                let post = try #require(byPlatform[platform.rawValue])
                let text = try #require(post["text"]?.testString)
                #expect(platform.length(of: text) <= platform.characterLimit, "\(platform)")
                #expect(post["characterCount"]?.testInt == platform.length(of: text))
                #expect(post["limit"]?.testInt == platform.characterLimit)
                #expect(!(post["hashtags"]?.testStrings.isEmpty ?? true), "\(platform) has derived hashtags")
            }
            // X, Instagram and TikTok had to cut the brief at a word boundary.
            for name in ["x", "instagram", "tiktok"] {
                #expect(byPlatform[name]?["truncated"] == .bool(true))
                let text = byPlatform[name]?["text"]?.testString ?? ""
                #expect(text.components(separatedBy: "NeonHub Analytics launches today").count - 1 < 7)
                #expect(text.contains("…") || text.contains("run.\n\n") || text.contains("seconds.\n\n"))
            }
            #expect(byPlatform["facebook"]?["truncated"] == .bool(false))
            // Links: inline on X/LinkedIn/Facebook; "in bio" and absent from the text on Instagram/TikTok.
            #expect(byPlatform["x"]?["text"]?.testString?.contains(link) == true)
            #expect(byPlatform["linkedin"]?["linkPlacement"] == .string("inline"))
            for name in ["instagram", "tiktok"] {
                #expect(byPlatform[name]?["linkPlacement"] == .string("bio"))
                #expect(byPlatform[name]?["text"]?.testString?.contains("https://") == false)
                #expect(byPlatform[name]?["text"]?.testString?.contains("Link in bio.") == true)
            }
            // Derived hashtags are CamelCase, led by the brief's repeated name; "#NeonHub" and
            // "#Analytics" are not repeated on their own.
            #expect(byPlatform["x"]?["hashtags"]?.testStrings == ["#NeonHubAnalytics", "#Marketing"])
            #expect(byPlatform["linkedin"]?["hashtags"]?.testStrings.count == 3)
        }

        @Test func xCountsEveryLinkAs23Characters() {
            let url = "https://example.com/" + String(repeating: "a", count: 200)
            #expect(SocialPlatform.x.length(of: "Read this \(url)") == 10 + 23)
            #expect(SocialPlatform.x.length(of: "café") == 4)
            #expect(SocialPlatform.x.length(of: "🚀 launch") == 2 + 7)  // emoji weigh 2
            #expect(SocialPlatform.linkedin.length(of: "Read this \(url)") == 10 + url.count)
        }

        @Test func xPostWithALongLinkUsesTheRoomALinkDoesNotTake() async throws {
            let url = "https://example.com/" + String(repeating: "p", count: 150)
            let (out, _) = try await run(["brief": .string(Self.longBrief), "link": .string(url), "platforms": .array([.string("x")])])
            let post = try #require(out["posts"]?.testArray.first)
            let text = try #require(post["text"]?.testString)
            #expect(text.count > 280)  // raw characters exceed 280…
            #expect(SocialPlatform.x.length(of: text) <= 280)  // …but X counts the link as 23
            #expect(SocialPlatform.x.length(of: text) > 250)  // and the body fills the room
        }

        @Test func instagramKeepsAtMost30Hashtags() async throws {
            let tags = (1...45).map { JSONValue.string("tag number \($0)") }
            let (out, _) = try await run([
                "brief": .string("Spring sale on all plants."), "hashtags": .array(tags + [.string("#TagNumber1")]),
                "platforms": .array([.string("instagram"), .string("x")]),
            ])
            let byPlatform = posts(out)
            let instagram = try #require(byPlatform["instagram"]?["hashtags"]?.testStrings)
            #expect(instagram.count == 30)
            #expect(instagram.first == "#TagNumber1")
            #expect(Set(instagram.map { $0.lowercased() }).count == 30)  // deduplicated
            let instagramText = try #require(byPlatform["instagram"]?["text"]?.testString)
            #expect(instagramText.split(whereSeparator: \.isWhitespace).filter { $0.hasPrefix("#") }.count == 30)
            // X keeps at most 5, and only as many as fit in 280.
            let x = try #require(byPlatform["x"])
            #expect((x["hashtags"]?.testStrings.count ?? 0) <= 5)
            #expect((x["characterCount"]?.testInt ?? 999) <= 280)
        }

        @Test func arbitraryLLMHookIsCleanedAndBounded() async throws {
            let rambling = "Hook: \"" + String(repeating: "Unbelievable growth hacks #viral https://spam.example ", count: 20) + "\"\nSecond line"
            let (out, toolbox) = try await run(["brief": .string(Self.longBrief), "generateHook": .bool(true)], answers: [rambling])
            #expect(toolbox.requests.count == 1)
            #expect(toolbox.requests.first?.task == .text)
            #expect(toolbox.toolNames == ["text.analyze", "llm.complete"])
            let hook = try #require(out["hook"]?.testString)
            #expect(hook.count <= SocialAgent.maxHookLength)
            #expect(hook.hasPrefix("Unbelievable growth hacks"))
            #expect(!hook.contains("#") && !hook.contains("http") && !hook.contains("\""))
            for post in out["posts"]?.testArray ?? [] {
                let platform = try #require(SocialPlatform(rawValue: post["platform"]?.testString ?? ""))
                #expect((post["characterCount"]?.testInt ?? .max) <= platform.characterLimit)
            }
        }

        @Test func sameInputGivesTheSamePosts() async throws {
            let fields: [String: JSONValue] = ["brief": .string(Self.longBrief), "tone": .string("professional")]
            let (a, _) = try await run(fields)
            let (b, _) = try await run(fields)
            #expect(a == b)
        }

        @Test func invalidInput() async {
            await #expect(throws: AgentInputError.self) { _ = try await run(["brief": .string("x"), "platforms": .array([.string("myspace")])]) }
            await #expect(throws: AgentInputError.self) { _ = try await run(["brief": .string("x"), "link": .string("not a url")]) }
            await #expect(throws: AgentInputError.self) { _ = try await run(["platforms": .array([.string("x")])]) }
        }
    }
}
