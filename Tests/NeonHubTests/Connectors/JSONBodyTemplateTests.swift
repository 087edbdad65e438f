import Testing

@testable import NeonHub

/// JSON body templates: a missing optional value is left out of the body, and so is a nested
/// object (an optional reference) whose placeholders are all missing.
@Suite struct JSONBodyTemplateTests {
    /// PagerDuty's incident body, as pagerduty.json writes it.
    static let incident: JSONValue = .object([
        "incident": .object([
            "type": .string("incident"),
            "title": .string("{{input.title}}"),
            "escalation_policy": .object(["id": .string("{{input.policyId}}"), "type": .string("escalation_policy_reference")]),
            "body": .object(["type": .string("incident_body"), "details": .string("{{input.details}}")]),
            "assignments": .array([.object(["assignee": .object(["id": .string("{{input.userId}}"), "type": .string("user_reference")])])]),
            "service": .object(["id": .string("PIJ90N7"), "type": .string("service_reference")]),
        ])
    ])

    @Test func aReferenceWhoseValuesAreMissingIsLeftOutWithItsLiterals() throws {
        let renderer = TemplateRenderer(scope: ["input": .object(["title": .string("Disk full")])])
        let incident = try #require(renderer.render(json: Self.incident)?["incident"])
        #expect(incident["title"] == .string("Disk full"))
        #expect(incident["escalation_policy"] == nil)
        #expect(incident["body"] == nil)
        #expect(incident["assignments"] == nil, "a list of references that are all missing is left out")
        // An object without placeholders is a literal and is always sent.
        #expect(incident["service"] == .object(["id": .string("PIJ90N7"), "type": .string("service_reference")]))
    }

    @Test func aReferenceWithAValueIsSentWhole() throws {
        let renderer = TemplateRenderer(
            scope: ["input": .object(["title": .string("Disk full"), "policyId": .string("PT20YPA"), "details": .string("93 %")])])
        let incident = try #require(renderer.render(json: Self.incident)?["incident"])
        #expect(incident["escalation_policy"] == .object(["id": .string("PT20YPA"), "type": .string("escalation_policy_reference")]))
        #expect(incident["body"] == .object(["type": .string("incident_body"), "details": .string("93 %")]))
    }

    @Test func aLiteralListAndAListWithAValueAreSent() throws {
        let template: JSONValue = .object([
            "parents": .array([.string("{{input.parentId}}")]), "labels": .array([]), "kinds": .array([.string("folder")]),
        ])
        let without = try #require(TemplateRenderer(scope: ["input": .object([:])]).render(json: template))
        #expect(without == .object(["labels": .array([]), "kinds": .array([.string("folder")])]))
        let with = try #require(TemplateRenderer(scope: ["input": .object(["parentId": .string("0AJs8")])]).render(json: template))
        #expect(with["parents"] == .array([.string("0AJs8")]))
    }

    @Test func theBodyItselfStaysEvenWhenEveryValueIsMissing() {
        let renderer = TemplateRenderer(scope: ["input": .object([:])])
        #expect(renderer.render(json: .object(["note": .string("{{input.note}}")])) == .object([:]))
    }
}
