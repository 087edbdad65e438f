import Foundation
import HTTPFields
import Testing

@testable import NeonHub

/// The runtime's reading of error codes that come as one-member objects (Google Ads'
/// `errorCode`, `{"quotaError": "RESOURCE_EXHAUSTED"}` → `quotaError.RESOURCE_EXHAUSTED`),
/// `family.*` entries in the definition's code lists, message path alternatives, protobuf
/// Duration retry delays, and `*` in paths (searchStream's list of batches).
@Suite struct ProviderErrorFamilyTests {
    static func rules(_ json: String) throws -> ProviderErrorRules {
        let errors = try JSONDecoder().decode(ConnectorDefinition.ErrorRules.self, from: Data(json.utf8))
        return ProviderErrorRules(rules: errors, connector: "test")
    }

    static let body: JSONValue = .object([
        "error": .object([
            "status": .string("RESOURCE_EXHAUSTED"), "message": .string("Resource has been exhausted."),
            "details": .array([
                .object([
                    "errors": .array([
                        .object([
                            "errorCode": .object(["quotaError": .string("RESOURCE_TEMPORARILY_EXHAUSTED")]),
                            "message": .string("Too many requests. Retry in 30 seconds."),
                            "details": .object(["quotaErrorDetails": .object(["retryDelay": .string("1.5s")])]),
                        ])
                    ])
                ])
            ]),
        ])
    ])

    @Test func aOneMemberObjectIsReadAsFamilyAndCodeAndFamiliesClassify() throws {
        let rules = try Self.rules(
            #"{"codePath": "error.details.0.errors.0.errorCode|error.status", "messagePath": "error.nothing|error.details.0.errors.0.message", "authCodes": ["authenticationError.*"], "rateLimitCodes": ["quotaError.*"], "permanentCodes": ["queryError.UNRECOGNIZED_FIELD", "INVALID_ARGUMENT"]}"#
        )
        let (code, message) = rules.read(Self.body)
        #expect(code == "quotaError.RESOURCE_TEMPORARILY_EXHAUSTED")
        #expect(message == "Too many requests. Retry in 30 seconds.", "the first message path holding a value")
        #expect(rules.classify(providerCode: code) == .providerRateLimited)
        #expect(rules.classify(providerCode: "authenticationError.OAUTH_TOKEN_EXPIRED") == .providerAuth)
        #expect(rules.classify(providerCode: "authenticationErrorX.OAUTH") == nil, "a family matches only up to its dot")
        #expect(rules.classify(providerCode: "queryError.UNRECOGNIZED_FIELD") == .providerRejected)
        #expect(rules.classify(providerCode: "queryError.OTHER") == nil, "no family entry: only the exact code")
        // Without details the alternative path is read.
        #expect(rules.read(.object(["error": .object(["status": .string("INVALID_ARGUMENT")])])).code == "INVALID_ARGUMENT")
        // Objects of several members are not codes.
        #expect(ProviderErrorRules.codeText(.object(["a": .string("x"), "b": .string("y")])) == nil)
    }

    @Test func aProtobufDurationIsARetryDelay() throws {
        let rules = try Self.rules(#"{"retryAfterPath": "error.details.0.errors.0.details.quotaErrorDetails.retryDelay"}"#)
        let reader = try #require(rules.rateLimitReader)
        let signal = reader(HTTPHeaders(), Data(Self.body.jsonBytes))
        #expect(signal?.retryAfter == .milliseconds(1500))
        let numeric = reader(HTTPHeaders(), Data(#"{"error":{"details":[{"errors":[{"details":{"quotaErrorDetails":{"retryDelay":2}}}]}]}}"#.utf8))
        #expect(numeric?.retryAfter == .seconds(2))
        #expect(reader(HTTPHeaders(), Data(#"{"error":{}}"#.utf8))?.retryAfter == nil)
    }

    @Test func aStarJoinsTheListsOfEveryElement() {
        let batches: JSONValue = .array([
            .object(["results": .array([.number(1), .number(2)])]),
            .object(["fieldMask": .string("x")]),
            .object(["results": .array([.number(3)])]),
        ])
        #expect(JSONPath.value(at: "*.results", in: batches) == .array([.number(1), .number(2), .number(3)]))
        #expect(JSONPath.value(at: "*", in: batches) == batches)
        #expect(JSONPath.value(at: "*.fieldMask", in: batches) == .array([.string("x")]))
        #expect(JSONPath.value(at: "a.*", in: .object(["a": .object([:])])) == nil, "a star on an object names nothing")
    }
}
