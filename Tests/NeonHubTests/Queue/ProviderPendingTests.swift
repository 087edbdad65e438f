import Foundation
import Testing

@testable import NeonHub

/// The general pieces under TikTok's processing wait: a 2xx answer whose code is not one of the
/// definition's `successCodes` is an error, and a `deferred` outcome carries its checkpoint into
/// the transition that the finishing statement merges into the job's input.
@Suite struct ProviderPendingTests {
    static func rules(_ errors: String) throws -> ProviderErrorRules {
        let decoded = try JSONDecoder().decode(ConnectorDefinition.ErrorRules.self, from: Data(errors.utf8))
        return ProviderErrorRules(rules: decoded, connector: "example")
    }

    @Test func aCodeOtherThanASuccessCodeIsAnErrorEvenOn200() throws {
        let rules = try Self.rules(#"{"codePath":"error.code","messagePath":"error.message","successCodes":["ok"]}"#)
        let ok = try JSONValue.parse(Array(#"{"data":{"x":1},"error":{"code":"ok","message":"","log_id":"1"}}"#.utf8))
        let refused = try JSONValue.parse(Array(#"{"data":{},"error":{"code":"scope_permission_missed","message":"m","log_id":"1"}}"#.utf8))
        let bare = try JSONValue.parse(Array(#"{"data":{"x":1}}"#.utf8))
        #expect(!rules.isErrorDespiteSuccess(ok))
        #expect(rules.isErrorDespiteSuccess(refused))
        #expect(!rules.isErrorDespiteSuccess(bare), "no code at all is not an error")
        // Without successCodes the same body is taken as it comes (the rule is opt-in).
        #expect(!(try Self.rules(#"{"codePath":"error.code"}"#).isErrorDespiteSuccess(refused)))
    }

    @Test func aDeferredOutcomeKeepsItsCheckpointAndSpendsNoAttempt() {
        let job = QueueJob(tenantID: "tenant-a", kind: .publish, idempotencyKey: "k", attempts: 1, maxAttempts: 3)
        let until = Date().addingTimeInterval(30)
        let transition = QueueRetryPolicy().transition(
            for: .deferred(until: until, reason: "pending: processing", checkpoint: ["publishId": .string("v_pub_file~1")]), job: job)
        #expect(transition.status == .queued)
        #expect(transition.attemptOutcome == "deferred")
        #expect(transition.refundAttempt)
        #expect(transition.runAfter == until)
        #expect(transition.checkpoint == ["publishId": .string("v_pub_file~1")])
        // A quota deferral has none: the job's input is left as it is.
        #expect(QueueRetryPolicy().transition(for: .deferred(until: until, reason: "quota"), job: job).checkpoint == nil)
    }
}
