import Testing

@testable import NeonHub

/// `errors.detailsPath`: the entries of a list in an error body are added to its message, so a
/// GitHub 422 says which field was refused rather than only "Validation Failed"
/// (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api).
@Suite struct ErrorDetailsPathTests {
    static func rules(detailsPath: String?) throws -> ProviderErrorRules {
        var errors = try JSONValueDecoder.decode(
            ConnectorDefinition.ErrorRules.self, from: .object(["codePath": .string("message"), "messagePath": .string("message")]))
        errors.detailsPath = detailsPath
        return ProviderErrorRules(rules: errors, connector: "github")
    }

    static let body: JSONValue = .object([
        "message": .string("Validation Failed"),
        "errors": .array([
            .object([
                "resource": .string("IssueComment"), "field": .string("body"), "code": .string("custom"), "message": .string("body is too long"),
            ]),
            .object(["resource": .string("Issue"), "field": .string("title"), "code": .string("missing_field")]),
            .object(["resource": .string("Issue")]),
        ]),
    ])

    @Test func eachEntrySaysItsMessageOrItsFieldAndCode() throws {
        let read = try Self.rules(detailsPath: "errors").read(Self.body)
        #expect(read.code == "Validation Failed", "the code is not changed by the details")
        #expect(read.message == "Validation Failed (body is too long; title: missing_field)")
    }

    @Test func withoutThePathOrWithAnEmptyListTheMessageIsAlone() throws {
        #expect(try Self.rules(detailsPath: nil).read(Self.body).message == "Validation Failed")
        let empty: JSONValue = .object(["message": .string("Not Found"), "errors": .array([])])
        #expect(try Self.rules(detailsPath: "errors").read(empty).message == "Not Found")
    }
}

extension ErrorDetailsPathTests {
    @Test func anObjectOfReasonsIsReadMemberByMember() throws {
        // Opsgenie's 422 (https://docs.opsgenie.com/docs/response#error-responses).
        let body: JSONValue = .object([
            "message": .string("Request body is not processable. Please check the errors."),
            "errors": .object(["message": .string("Message can not be empty.")]),
        ])
        let read = try Self.rules(detailsPath: "errors").read(body)
        #expect(read.message == "Request body is not processable. Please check the errors. (Message can not be empty.)")
    }
}
