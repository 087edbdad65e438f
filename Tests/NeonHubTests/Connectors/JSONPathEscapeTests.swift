import Testing

@testable import NeonHub

/// Dot paths that name keys containing dots: `a\.b` keeps the dot in the key (Dataverse's
/// `@odata.nextLink`), `a..b` names the key `.b` (Dropbox's `.tag`), plain dots still descend.
@Suite struct JSONPathEscapeTests {
    let page: JSONValue = .object([
        "@odata.nextLink": .string("https://org.crm.dynamics.com/api/data/v9.2/contacts?$skiptoken=2"),
        "@odata": .object(["nextLink": .string("nested")]),
        "error": .object([".tag": .string("path")]),
    ])

    @Test func anEscapedDotStaysInTheKey() {
        #expect(JSONPath.segments(#"@odata\.nextLink"#) == ["@odata.nextLink"])
        #expect(JSONPath.text(JSONPath.value(at: #"@odata\.nextLink"#, in: page))?.hasSuffix("skiptoken=2") == true)
        #expect(JSONPath.text(JSONPath.value(at: "@odata.nextLink", in: page)) == "nested", "an unescaped dot still descends")
    }

    @Test func escapesMixWithDescentAndTheLeadingDotRule() {
        #expect(JSONPath.segments(#"a\.b.c"#) == ["a.b", "c"])
        #expect(JSONPath.segments("error..tag") == ["error", ".tag"])
        #expect(JSONPath.text(JSONPath.value(at: "error..tag", in: page)) == "path")
        #expect(JSONPath.segments(#"a\b"#) == [#"a\b"#], "a backslash before anything else is kept")
        #expect(JSONPath.segments(#"a\"#) == [#"a\"#])
    }
}
