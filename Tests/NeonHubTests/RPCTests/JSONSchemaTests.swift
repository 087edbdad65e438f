import Foundation
import Testing

@testable import NeonHub

/// What validation enforces is what the published schema says (issue 17): the schema-valid
/// inputs schemathesis generated and the server refused, and the reverse.
@Suite struct JSONSchemaTests {
    let run = AgentProcedures.RunInput.schema

    @Test func agentsRunNeedsAnAgentOrAnIntentAndSaysSo() throws {
        #expect(!run.validate(.object(["input": .object([:])])).isEmpty)
        #expect(!run.validate(.object(["input": .object([:]), "agent": .null, "intent": .null])).isEmpty)
        #expect(run.validate(.object(["input": .object([:]), "agent": .string("echo")])).isEmpty)
        #expect(run.validate(.object(["input": .object([:]), "intent": .string("write")])).isEmpty)
        let published = run.jsonObject
        let anyOf = try #require(published["anyOf"] as? [[String: Any]])
        #expect(anyOf.compactMap { $0["required"] as? [String] } == [["agent"], ["intent"]])
        #expect(published["required"] as? [String] == ["input"])
    }

    @Test func optionalPropertiesArePublishedAsNullableBecauseNullMeansAbsent() throws {
        let list = AgentProcedures.ListInput.schema
        #expect(list.validate(.object(["cursor": .null, "limit": .null, "status": .null])).isEmpty)
        let properties = try #require(list.jsonObject["properties"] as? [String: [String: Any]])
        #expect(properties["limit"]?["type"] as? [String] == ["integer", "null"])
        #expect((properties["status"]?["enum"] as? [Any])?.contains { $0 is NSNull } == true)
        // A required property is not nullable.
        let id = try #require((IDInput.schema.jsonObject["properties"] as? [String: [String: Any]])?["id"])
        #expect(id["type"] as? String == "string")
        #expect(!IDInput.schema.validate(.object(["id": .null])).isEmpty)
    }

    @Test func stringsPublishTheNULRuleAndIntegersTheSafeRange() throws {
        let echo = SystemProcedures.EchoInput.schema
        let properties = try #require(echo.jsonObject["properties"] as? [String: [String: Any]])
        #expect(properties["message"]?["pattern"] as? String == #"^[^\u0000]*$"#)
        #expect(!echo.validate(.object(["message": .string("a\u{0}b")])).isEmpty)
        let integer = JSONSchema.integer().jsonObject
        #expect(integer["maximum"] as? Int == 9_007_199_254_740_991)
        #expect(JSONSchema.integer().validate(.number(9_007_199_254_740_991)).isEmpty)
        #expect(!JSONSchema.integer().validate(.number(33_360_458_264_576_794_624)).isEmpty)
    }

    @Test func theEmptyInputDecidesWhetherTheInputIsRequired() {
        #expect(NoInput.schema.acceptsNoInput)
        #expect(AgentProcedures.ListInput.schema.acceptsNoInput)
        #expect(!IDInput.schema.acceptsNoInput)
        #expect(!run.acceptsNoInput)
    }

    @Test func aPatternIsValidated() {
        let cursor = JSONSchema.string(pattern: PageCursor.pattern)
        #expect(cursor.validate(.string(String(repeating: "A", count: 32))).isEmpty)
        #expect(!cursor.validate(.string("")).isEmpty)
        #expect(!cursor.validate(.string(String(repeating: "=", count: 32))).isEmpty)
    }
}
