import Foundation

/// The `social` agent: turns a brief into one post per platform within that platform's limits,
/// with hashtags (given, or derived from the brief) and a link strategy (inline, or "link in
/// bio" where captions cannot link). The optional hook line can come from the LLM
/// (`generateHook: true`); whatever the model answers is cleaned and bounded, so the posts
/// always fit.
///
/// Input `{brief, platforms?, link?, hashtags?, tone?, hook?, generateHook?, publish?}`.
/// `publish` (with the publish queue) is a list of `{platform, connectionId, accountId?,
/// runAt?, timeZone?}`: each composed post for one of those platforms is handed to the
/// queue as a recorded `publish.schedule` call, and the output lists the jobs.
public struct SocialAgent: Agent {
    public var name: String { "social" }
    public var description: String {
        "Writes per-platform social posts (X, LinkedIn, Instagram, Facebook, TikTok) within limits, with hashtags and links."
    }
    public var intents: [String] { ["compose", "posts"] }

    /// Longest brief accepted.
    public static let maxBriefLength = 20_000
    /// Longest hook line kept.
    public static let maxHookLength = 120

    /// Where posts are published (nil: the agent only writes them).
    public let publisher: PublishScheduleTool?

    /// Creates the agent.
    public init(publisher: PublishScheduleTool? = nil) { self.publisher = publisher }

    /// Composes the posts (one `text.analyze` call; one LLM call when `generateHook` is true).
    public func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
        _ = try AgentChecks.intent(intent, of: self)
        let fields = try InputFields.agent(input)
        let brief = try fields.requiredString("brief", maxLength: Self.maxBriefLength)
        let platforms = try Self.platforms(fields.strings("platforms", maxCount: 10))
        let link = try fields.string("link", maxLength: 2_048)?.trimmingCharacters(in: .whitespaces)
        if let link, !(link.hasPrefix("http://") || link.hasPrefix("https://")) || link.contains(where: \.isWhitespace) {
            throw AgentInputError("link: expected an http(s) URL without spaces")
        }
        let givenTags = try fields.strings("hashtags", maxCount: 100).map(Hashtags.dedup)
        let tone = try fields.string("tone", maxLength: 40)?.lowercased() ?? "friendly"
        // Where the posts go is checked before any work is done.
        let targets = try Self.publishTargets(fields.members["publish"], platforms: platforms)
        if !targets.isEmpty, publisher == nil { throw AgentInputError("publish: publishing is not available on this server (no queue)") }

        let analysis = try await AnalyzedText.analyze(brief, toolbox: toolbox)
        var hook = try fields.string("hook", maxLength: 1_000).map(Self.cleanHook) ?? ""
        if hook.isEmpty, try fields.bool("generateHook") == true {
            let response = try await toolbox.complete(
                LLMRequest(
                    model: "",
                    messages: [
                        LLMMessage(
                            role: "system",
                            content:
                                "You write the opening line of social media posts. Answer with one line of at most \(Self.maxHookLength) characters, no hashtags, no quotes."
                        ),
                        LLMMessage(role: "user", content: "Tone: \(tone)\nBrief: \(brief)"),
                    ],
                    temperature: 0.7, maxTokens: 60, task: .text))
            hook = Self.cleanHook(response.content)
        }

        let composer = SocialComposer(
            body: brief, hook: hook, link: link, tone: tone,
            derivedTags: givenTags == nil ? Hashtags.derive(from: brief) : [], givenTags: givenTags)
        var output: [String: JSONValue] = [
            "posts": .array(platforms.map { composer.post(for: $0).json }),
            "briefWords": JSONOut.int(analysis.words),
            "hook": hook.isEmpty ? .null : .string(hook),
        ]
        if let publisher, !targets.isEmpty {
            var jobs: [JSONValue] = []
            for var target in targets {
                target.text = composer.post(for: SocialPlatform(rawValue: target.platform) ?? .facebook).text
                let job = try await publisher.schedule(target, toolbox: toolbox)
                jobs.append(.object(["platform": .string(target.platform), "job": job]))
            }
            output["scheduled"] = .array(jobs)
        }
        return .object(output)
    }

    /// The platforms the queue can publish text posts to.
    static let publishable: Set<SocialPlatform> = [.facebook, .linkedin]

    /// The `publish` list: where each post goes.
    static func publishTargets(_ value: JSONValue?, platforms: [SocialPlatform]) throws -> [ScheduledPost] {
        guard let value, value != .null else { return [] }
        guard case .array(let items) = value, items.count <= 10 else { throw AgentInputError("publish: expected a list of at most 10 targets") }
        return try items.enumerated().map { index, item in
            let fields = try InputFields.agent(item)
            let name = try fields.requiredString("platform", maxLength: 20).lowercased()
            guard let platform = SocialPlatform(rawValue: name), publishable.contains(platform) else {
                throw AgentInputError("publish[\(index)].platform: the queue publishes to facebook and linkedin")
            }
            guard platforms.contains(platform) else {
                throw AgentInputError("publish[\(index)].platform: \(name) is not among the platforms written")
            }
            guard let connection = UUID(uuidString: try fields.requiredString("connectionId", maxLength: 36)) else {
                throw AgentInputError("publish[\(index)].connectionId: expected a UUID")
            }
            return ScheduledPost(
                platform: name, connectionID: connection, accountID: try fields.string("accountId", maxLength: 256), text: "",
                runAt: try fields.string("runAt", maxLength: 40), timeZone: try fields.string("timeZone", maxLength: 64))
        }
    }

    /// The requested platforms in order, without duplicates (all of them by default).
    static func platforms(_ names: [String]?) throws -> [SocialPlatform] {
        guard let names else { return SocialPlatform.allCases }
        var result: [SocialPlatform] = []
        for name in names {
            let key = name.lowercased() == "twitter" ? "x" : name.lowercased()
            guard let platform = SocialPlatform(rawValue: key) else {
                throw AgentInputError("platforms: unknown platform \"\(name)\"; expected x, linkedin, instagram, facebook or tiktok")
            }
            if !result.contains(platform) { result.append(platform) }
        }
        guard !result.isEmpty else { throw AgentInputError("platforms: name at least one platform") }
        return result
    }

    /// One clean line from arbitrary model output: first non-empty line, without list or
    /// heading markers, quotes, hashtags and URLs, at most `maxHookLength` characters.
    static func cleanHook(_ text: String) -> String {
        let line =
            text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty } ?? ""
        var words = line.split(whereSeparator: \.isWhitespace).map(String.init)
            .filter { !$0.hasPrefix("#") && !$0.hasPrefix("http://") && !$0.hasPrefix("https://") }
        if let first = words.first, first.lowercased().hasPrefix("hook") && first.hasSuffix(":") { words.removeFirst() }
        var cleaned = words.joined(separator: " ")
        let strip: Set<Character> = ["\"", "'", "“", "”", "‘", "’", "*", "_", "`", ">", "-", "•"]
        while let f = cleaned.first, strip.contains(f) || f.isWhitespace { cleaned.removeFirst() }
        while let l = cleaned.last, strip.contains(l) || l.isWhitespace { cleaned.removeLast() }
        return AgentChecks.truncate(cleaned, to: maxHookLength)
    }
}
