import Foundation
import Testing

@testable import NeonHub

/// The JSON Schema validator behind the connector catalog and action inputs.
@Suite struct JSONSchemaDocumentTests {
    func schema(_ text: String) throws -> JSONSchemaDocument { try JSONSchemaDocument(try JSONValue.parse(Array(text.utf8))) }
    func violations(_ schema: JSONSchemaDocument, _ text: String) throws -> [String] {
        schema.validate(try JSONValue.parse(Array(text.utf8))).map(\.description)
    }

    @Test func objectsNameTheFailingPath() throws {
        let s = try schema(
            #"""
            {"type":"object","required":["id","actions"],"additionalProperties":false,
             "properties":{"id":{"type":"string","pattern":"^[a-z]+(-[a-z]+)*$"},
                           "actions":{"type":"array","minItems":1,"maxItems":2,"items":{"$ref":"#/$defs/action"}}},
             "$defs":{"action":{"type":"object","required":["kind"],"properties":{"kind":{"enum":["read","write"]},
                                "limit":{"type":"integer","minimum":1,"maximum":100}}}}}
            """#)
        #expect(try violations(s, #"{"id":"meta","actions":[{"kind":"read","limit":5}]}"#).isEmpty)
        #expect(
            try violations(s, #"{"id":"Meta_X","actions":[{"kind":"delete"},{"limit":0.5}],"extra":1}"#) == [
                "$.actions[0].kind: must be one of \"read\", \"write\"",
                "$.actions[1]: missing required property \"kind\"",
                "$.actions[1].limit: expected integer, found number",
                "$.extra: unknown property",
                "$.id: does not match ^[a-z]+(-[a-z]+)*$",
            ])
        #expect(try violations(s, #"{"id":"a","actions":[]}"#) == ["$.actions: fewer than 1 items"])
        #expect(try violations(s, #"{"id":"a","actions":[{"kind":"read"},{"kind":"read"},{"kind":"read"}]}"#) == ["$.actions: more than 2 items"])
        #expect(
            try violations(s, #"{"actions":[{"kind":"read","limit":101}]}"#) == [
                "$: missing required property \"id\"", "$.actions[0].limit: greater than 100",
            ])
    }

    @Test func combinatorsStringsAndFormats() throws {
        let s = try schema(
            #"""
            {"type":"object","properties":{
               "one":{"oneOf":[{"required":["request"]},{"required":["handler"]}]},
               "any":{"anyOf":[{"type":"string"},{"type":"integer"}]},
               "text":{"type":"string","minLength":2,"maxLength":3},
               "when":{"type":"string","format":"date-time"},
               "day":{"type":"string","format":"date"},
               "mail":{"type":"string","format":"email"},
               "codes":{"type":"array","items":{"type":["string","integer"]}},
               "fixed":{"const":"v1"}}}
            """#)
        #expect(
            try violations(
                s,
                #"{"one":{"request":1},"any":3,"text":"ab","when":"2026-12-02T10:00:00.5+01:00","day":"2024-02-29","mail":"a@b.co","codes":["x",4],"fixed":"v1"}"#
            ).isEmpty)
        #expect(try violations(s, #"{"one":{"request":1,"handler":2}}"#) == ["$.one: matches more than one of the exclusive forms"])
        #expect(try violations(s, #"{"one":{}}"#) == ["$.one: matches none of the allowed forms"])
        #expect(try violations(s, #"{"any":true}"#) == ["$.any: matches none of the allowed forms"])
        #expect(try violations(s, #"{"text":"a"}"#) == ["$.text: shorter than 2 characters"])
        #expect(try violations(s, #"{"text":"abcd"}"#) == ["$.text: longer than 3 characters"])
        #expect(try violations(s, #"{"when":"2026-12-02 10:00"}"#) == ["$.when: is not a valid date-time"])
        #expect(try violations(s, #"{"day":"2023-02-29"}"#) == ["$.day: is not a valid date"])
        #expect(try violations(s, #"{"mail":"nobody"}"#) == ["$.mail: is not a valid email"])
        #expect(
            try violations(s, #"{"codes":[1.5,null]}"#) == [
                "$.codes[0]: expected string or integer, found number", "$.codes[1]: expected string or integer, found null",
            ])
        #expect(try violations(s, #"{"fixed":"v2"}"#) == ["$.fixed: must be \"v1\""])
    }

    @Test func schemasUsingKeywordsItCannotEnforceAreRefused() throws {
        #expect(throws: JSONSchemaDocument.UnsupportedSchema.self) { try schema(#"{"type":"object","properties":{"a":{"uniqueItems":true}}}"#) }
        #expect(throws: JSONSchemaDocument.UnsupportedSchema.self) { try schema(#"{"$ref":"https://example.com/other.json"}"#) }
        #expect(throws: JSONSchemaDocument.UnsupportedSchema.self) { try schema(#"{"type":"string","pattern":"("}"#) }
        // Annotations are fine.
        _ = try schema(#"{"title":"t","description":"d","type":"string","format":"uuid","contentEncoding":"base64","default":"x"}"#)
    }
}
