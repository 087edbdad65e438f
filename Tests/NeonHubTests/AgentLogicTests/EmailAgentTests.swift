import Foundation
import Testing

@testable import NeonHub

extension AgentLogicTests {
    @Suite struct EmailAgentTests {
        func run(_ fields: [String: JSONValue], intent: String = "campaign") async throws -> (JSONValue, RecordingToolbox) {
            let toolbox = RecordingToolbox()
            let output = try await EmailAgent().run(.object(fields), intent: intent, toolbox: toolbox)
            return (output, toolbox)
        }

        @Test func spamTriggersAreDetected() {
            #expect(
                SpamCheck.triggers(in: "Act now: FREE shipping, 100% guaranteed!!!")
                    == ["free", "guaranteed", "act now", "100%", "!!!", "ALL CAPS: FREE"])
            #expect(SpamCheck.triggers(in: "You're a WINNER — claim $$$ today") == ["winner", "$$$", "ALL CAPS: WINNER"])
            #expect(SpamCheck.triggers(in: "Urgent: your freebie inside") == ["urgent"])  // "freebie" is not "free"
            #expect(SpamCheck.triggers(in: "Our new GDPR guide for B2B marketers") == [])  // acronyms are not shouting
            #expect(SpamCheck.triggers(in: "Three ideas for your spring newsletter") == [])
        }

        @Test func subjectLengthFlags() {
            let ideal = EmailAgent.checkSubject("Three ideas for your spring newsletter")  // 38
            #expect(ideal.lengthFlag == "ideal")
            #expect(ideal.score == 100)
            #expect(ideal.warnings.isEmpty)
            let short = EmailAgent.checkSubject("Hello there")  // 11
            #expect(short.lengthFlag == "short")
            #expect(short.score == 90)
            let long = EmailAgent.checkSubject("Our spring collection has arrived and it has something for everyone")  // 67
            #expect(long.length == 67)
            #expect(long.lengthFlag == "long")
            let tooLong = EmailAgent.checkSubject(String(repeating: "word ", count: 17).trimmingCharacters(in: .whitespaces))  // 84
            #expect(tooLong.length == 84)
            #expect(tooLong.lengthFlag == "too_long")
            #expect(tooLong.score == 70)
            #expect(tooLong.warnings.first?.contains("over 78 it is cut off") == true)
            let spammy = EmailAgent.checkSubject("FREE gift: act now, 100% guaranteed!!!")
            #expect(spammy.triggers.count == 6)
            #expect(spammy.score == 10)
        }

        @Test func campaignProducesVariantsWithChecks() async throws {
            let (out, toolbox) = try await run([
                "campaign": .string(
                    "Launch of NeonHub Analytics, the marketing dashboard that explains your weekly numbers in plain words. Early customers get two months at half price."
                ),
                "audience": .string("small agency owners"), "tone": .string("professional"), "variants": .number(4),
            ])
            // One analysis of the campaign, then one per body.
            #expect(toolbox.toolNames == Array(repeating: "text.analyze", count: 5))
            let subjects = out["subjectLines"]?.testArray ?? []
            #expect(subjects.count == 4)
            #expect(
                subjects.map { $0["text"]?.testString ?? "" } == [
                    "NeonHub Analytics: what's new and why it matters",
                    "Introducing NeonHub Analytics, made for small agency owners",
                    "Small agency owners, meet NeonHub Analytics",
                    "A first look at NeonHub Analytics (2-minute read)",
                ])
            for subject in subjects {
                #expect(subject["length"]?.testInt == subject["text"]?.testString?.count)
                #expect(subject["spamTriggers"]?.testArray == [])
                #expect(subject["lengthFlag"] == .string("ideal"))  // generated subjects aim for 30–60
                #expect(subject["score"] == .number(100))
            }
            let bodies = out["bodies"]?.testArray ?? []
            #expect(bodies.map { $0["variant"]?.testInt ?? 0 } == [1, 2, 3, 4])
            let first = try #require(bodies.first?["body"]?.testString)
            #expect(first.hasPrefix("Hello {{first_name}},"))
            #expect(first.contains("NeonHub Analytics, the marketing dashboard"))
            #expect(first.contains("{{cta_url}}"))
            #expect(bodies.allSatisfy { ($0["preheader"]?.testString?.count ?? 101) <= 100 })
            #expect(out["warnings"]?.testStrings == [])
        }

        @Test func spammyCampaignWarnsInSubjectsAndBodies() async throws {
            let (out, _) = try await run([
                "campaign": .string("FREE shipping weekend: act now and get 100% off your second order!!!"), "variants": .number(2),
            ])
            let subjects = out["subjectLines"]?.testArray ?? []
            #expect(subjects.allSatisfy { $0["spamTriggers"]?.testStrings.contains("free") == true })
            let warnings = out["warnings"]?.testStrings ?? []
            #expect(warnings.contains { $0.hasPrefix("Body 1 contains spam triggers: free, act now, 100%, !!!") })
            #expect(warnings.contains { $0.hasPrefix("Body 2 contains spam triggers") })
        }

        @Test func givenSubjectLinesAreScoredWithoutBodies() async throws {
            let (out, toolbox) = try await run(
                [
                    "campaign": .string("Spring newsletter"),
                    "subjects": .array([.string("Three ideas for your spring newsletter"), .string("URGENT!!! You are a WINNER")]),
                ], intent: "subject_lines")
            #expect(toolbox.toolNames == ["text.analyze"])
            #expect(out["bodies"]?.testArray == [])
            let subjects = out["subjectLines"]?.testArray ?? []
            #expect(subjects.count == 2)
            #expect(subjects[0]["score"] == .number(100))
            #expect(subjects[1]["spamTriggers"]?.testStrings == ["urgent", "winner", "!!!", "ALL CAPS: URGENT", "ALL CAPS: WINNER"])
            #expect((subjects[1]["score"]?.testInt ?? 100) < 50)
            #expect((out["warnings"]?.testStrings ?? []).contains { $0.contains("very short") })
        }

        @Test func variantsOutOfRangeIsBadInput() async {
            await #expect(throws: AgentInputError.self) { _ = try await run(["campaign": .string("x"), "variants": .number(6)]) }
            await #expect(throws: AgentInputError.self) { _ = try await run(["campaign": .string("  ")]) }
        }
    }
}
