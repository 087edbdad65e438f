/// The `email` agent: subject lines and body variants for a campaign, each subject checked for
/// spam triggers and length (30–60 characters is ideal; over 78 is cut off in most inboxes).
///
/// Input `{campaign, audience?, tone?, variants? (1–5, default 3), subjects? [String]}`;
/// `subjects` are scored instead of generating. Intent `subject_lines` answers no bodies.
public struct EmailAgent: Agent {
    public var name: String { "email" }
    public var description: String { "Writes email subject lines and bodies for a campaign, with spam-trigger and length checks." }
    public var intents: [String] { ["campaign", "subject_lines"] }

    /// The ideal subject length.
    public static let idealSubjectLength = 30...60
    /// Longer subjects are cut off in most inboxes.
    public static let maxSubjectLength = 78

    /// Creates the agent.
    public init() {}

    /// Writes and checks the copy (`text.analyze` on the campaign and on every body).
    public func run(_ input: JSONValue, intent: String, toolbox: any AgentToolbox) async throws -> JSONValue {
        let intent = try AgentChecks.intent(intent, of: self)
        let fields = try InputFields.agent(input)
        let campaign = AgentChecks.collapseWhitespace(try fields.requiredString("campaign", maxLength: 5_000))
        let audience = try fields.string("audience", maxLength: 200).map(AgentChecks.collapseWhitespace)
        let tone = try fields.string("tone", maxLength: 40)?.lowercased() ?? "friendly"
        let variants = try fields.int("variants", in: 1...5) ?? 3
        let given = try fields.strings("subjects", maxCount: 20)?.map(AgentChecks.collapseWhitespace).filter { !$0.isEmpty }

        let copy = EmailCopy(campaign: campaign, audience: audience, tone: tone)
        var warnings: [String] = []
        let campaignAnalysis = try await AnalyzedText.analyze(campaign, toolbox: toolbox)
        if campaignAnalysis.words < 5 {
            warnings.append(
                "The campaign description is very short (\(campaignAnalysis.words) words); describe the goal, offer and audience for better copy.")
        }

        let subjects = given.flatMap { $0.isEmpty ? nil : $0 } ?? (1...variants).map(copy.subject)
        var subjectLines: [JSONValue] = []
        for subject in subjects {
            let check = Self.checkSubject(subject)
            warnings += check.warnings
            subjectLines.append(
                .object([
                    "text": .string(subject), "length": JSONOut.int(check.length),
                    "spamTriggers": JSONOut.strings(check.triggers), "score": JSONOut.int(check.score),
                    "lengthFlag": .string(check.lengthFlag),
                ]))
        }

        var bodies: [JSONValue] = []
        if intent == "campaign" {
            for variant in 1...variants {
                let body = copy.body(variant)
                let analysis = try await AnalyzedText.analyze(body, toolbox: toolbox)
                let triggers = SpamCheck.triggers(in: body)
                if !triggers.isEmpty {
                    warnings.append("Body \(variant) contains spam triggers: \(triggers.joined(separator: ", ")).")
                }
                if analysis.fleschReadingEase < 50 {
                    warnings.append(
                        "Body \(variant) is hard to read (Flesch \(JSONOut.format(analysis.fleschReadingEase))); use shorter sentences and words.")
                }
                bodies.append(
                    .object([
                        "variant": JSONOut.int(variant), "preheader": .string(copy.preheader(variant)),
                        "body": .string(body), "wordCount": JSONOut.int(analysis.words),
                    ]))
            }
        }
        return .object(["subjectLines": .array(subjectLines), "bodies": .array(bodies), "warnings": JSONOut.strings(warnings)])
    }

    /// The checks on one subject line.
    struct SubjectCheck: Sendable, Equatable {
        var length: Int
        var triggers: [String]
        /// `short` (< 30), `ideal` (30–60), `long` (61–78) or `too_long` (> 78).
        var lengthFlag: String
        /// 100 minus 15 per trigger and a length penalty, within 0–100.
        var score: Int
        var warnings: [String]
    }

    /// Checks `subject` for spam triggers and length.
    static func checkSubject(_ subject: String) -> SubjectCheck {
        let length = subject.count
        let triggers = SpamCheck.triggers(in: subject)
        var warnings: [String] = []
        let flag: String
        var score = 100 - 15 * triggers.count
        if length > maxSubjectLength {
            flag = "too_long"
            score -= 30
            warnings.append("Subject \"\(subject)\" is \(length) characters; over \(maxSubjectLength) it is cut off in most inboxes.")
        } else if length > idealSubjectLength.upperBound {
            flag = "long"
            score -= 10
            warnings.append("Subject \"\(subject)\" is \(length) characters; 30–60 reads best, especially on mobile.")
        } else if length < idealSubjectLength.lowerBound {
            flag = "short"
            score -= 10
            warnings.append("Subject \"\(subject)\" is \(length) characters; 30–60 usually performs better.")
        } else {
            flag = "ideal"
        }
        if !triggers.isEmpty {
            warnings.append("Subject \"\(subject)\" contains spam triggers: \(triggers.joined(separator: ", ")).")
        }
        return SubjectCheck(length: length, triggers: triggers, lengthFlag: flag, score: min(100, max(0, score)), warnings: warnings)
    }
}
