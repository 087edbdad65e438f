import Foundation
import HTTPFields
import Testing

@testable import NeonHub

/// Three runtime features any definition can use (added for Reddit and X): `errors.errorListPaths`
/// with Reddit's array entries (a non-empty list in a 2xx body is an error), `rateLimit.resetAtHeader` (a 429's reset as an
/// epoch second) and multipart `fileParts` (base64 input sent as a binary file part).
@Suite struct RuntimeErrorListAndFilePartTests {
    static func rules(_ json: String, rateLimit: String? = nil) throws -> ProviderErrorRules {
        let errors = try JSONDecoder().decode(ConnectorDefinition.ErrorRules.self, from: Data(json.utf8))
        let limit = try rateLimit.map { try JSONDecoder().decode(ConnectorDefinition.RateLimit.self, from: Data($0.utf8)) }
        return ProviderErrorRules(rules: errors, connector: "test", rateLimit: limit)
    }

    @Test func aNonEmptyErrorListInASuccessfulAnswerIsAnErrorWithItsCode() throws {
        let rules = try Self.rules(#"{"errorListPaths": ["json.errors"], "rateLimitCodes": ["RATELIMIT"]}"#)
        let failed = try JSONValue.parse(
            Array(
                #"{"json": {"errors": [["RATELIMIT", "you are doing that too much", "ratelimit"], ["TOO_LONG", "this is too long", "title"]]}}"#.utf8)
        )
        let listed = try #require(rules.listedError(failed))
        #expect(listed.code == "RATELIMIT")
        #expect(listed.message == "you are doing that too much; this is too long")
        #expect(rules.classify(providerCode: "RATELIMIT") == .providerRateLimited)
        let succeeded = try JSONValue.parse(Array(#"{"json": {"errors": [], "data": {"name": "t3_abc"}}}"#.utf8))
        #expect(rules.listedError(succeeded) == nil)
        #expect(rules.listedError(try JSONValue.parse(Array(#"{"data": 1}"#.utf8))) == nil)
        // A status-field rule does not read lists: the same body is not an error to it.
        #expect(!rules.isErrorDespiteSuccess(failed))
        // Without the path nothing changes: the same body is a success.
        #expect(try Self.rules("{}").listedError(failed) == nil)
    }

    @Test func aResetEpochHeaderGivesTheWaitOfA429() throws {
        let rules = try Self.rules("{}", rateLimit: #"{"description": "test", "resetAtHeader": "x-rate-limit-reset"}"#)
        let reader = try #require(rules.rateLimitReader)
        let epoch = Int(Date().timeIntervalSince1970) + 600
        let signal = reader(["x-rate-limit-reset": String(epoch)], Data())
        let wait = try #require(signal?.retryAfter)
        #expect(wait > .seconds(595) && wait <= .seconds(601))
        // Retry-After, when sent, still wins.
        #expect(reader(["x-rate-limit-reset": String(epoch), "Retry-After": "5"], Data())?.retryAfter == .seconds(5))
        // A reset already past is no wait at all.
        #expect(reader(["x-rate-limit-reset": "1000000000"], Data())?.retryAfter == .zero)
        #expect(try Self.rules("{}").rateLimitReader == nil)
    }

    @Test func filePartsAreSentAsDecodedBytes() throws {
        let bytes: [UInt8] = [0x00, 0xFF, 0x0D, 0x0A, 0x41]
        let body = try ConnectorRequestBuilder.multipart(
            .object(["media": .string(Data(bytes).base64EncodedString()), "segment_index": .number(2)]), boundary: "B", fileParts: ["media"])
        let expected =
            Data("--B\r\nContent-Disposition: form-data; name=\"media\"; filename=\"media\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            + Data(bytes) + Data("\r\n--B\r\nContent-Disposition: form-data; name=\"segment_index\"\r\n\r\n2\r\n--B--\r\n".utf8)
        #expect(body == expected)
        #expect(throws: ConnectorError.self) {
            _ = try ConnectorRequestBuilder.multipart(.object(["media": .string("not base64!")]), boundary: "B", fileParts: ["media"])
        }
    }
}
