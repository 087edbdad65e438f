import Testing

@testable import NeonHub

/// Rest.li 2.0 query values (LinkedIn): structure raw, values encoded
/// (https://linkedin.github.io/rest.li/spec/protocol#restli-protocol-20-object-and-listarray-representation).
@Suite struct RestliQueryEncodingTests {
    @Test func aURNIsEncodedWholeAndAnExpressionKeepsItsStructure() {
        #expect(TemplateRenderer.encodeRestliValue("urn:li:organization:1001") == "urn%3Ali%3Aorganization%3A1001")
        #expect(
            TemplateRenderer.encodeRestliValue("List(urn%3Ali%3Ashare%3A123,urn%3Ali%3Ashare%3A456)")
                == "List(urn%3Ali%3Ashare%3A123,urn%3Ali%3Ashare%3A456)")
        #expect(
            TemplateRenderer.encodeRestliValue("(timeRange:(start:1735689600000,end:1738368000000),timeGranularityType:DAY)")
                == "(timeRange:(start:1735689600000,end:1738368000000),timeGranularityType:DAY)")
        #expect(TemplateRenderer.encodeRestliValue("(name:a b&c)") == "(name:a%20b%26c)")
        #expect(TemplateRenderer.encodeRestliLiteral("(paging,elements*(*,organization~(id)))") == "(paging,elements*(*,organization~(id)))")
        // Inside a literal structure, a substituted URN is still encoded whole.
        let renderer = TemplateRenderer(scope: ["input": .object(["urn": .string("urn:li:share:1")])])
        #expect(
            renderer.render("List({{input.urn}})", literal: TemplateRenderer.encodeRestliLiteral, value: TemplateRenderer.encodeRestliValue)
                == "List(urn%3Ali%3Ashare%3A1)")
    }
}
