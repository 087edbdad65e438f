import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// DocuSign's refusals as the definition classifies them, run by the real runtime against
/// `DocuSignFake` (errorDetails `{errorCode, message}`,
/// https://developers.docusign.com/docs/esign-rest-api/esign101/error-codes/troubleshooting-common-errors/,
/// and the resource limits of https://developers.docusign.com/platform/resource-limits/): an
/// invalid recipient and an unknown envelope are permanent with DocuSign's code, an expired
/// token is an authentication error, an account called on another site's host is refused, and
/// the hourly limit is handed back with its reset while a burst is retried.
@Suite struct DocuSignRuntimeErrorTests {
    typealias DocuSign = DocuSignRuntimeTests

    @Test func anInvalidRecipientIsRefusedForGoodAndNoEnvelopeIsMade() async throws {
        try await DocuSign.withDocuSign { fake, runtime, token in
            let before = fake.envelopes().count
            // Our schema takes it (an @ and a dot), DocuSign does not (an empty domain label).
            let refused = await #expect(throws: ConnectorError.self) {
                try await DocuSign.run(runtime, "envelopes.send", DocuSign.envelope(signer: "grace@client..example"), token: token)
            }
            #expect(refused?.code == .providerRejected && refused?.providerCode == "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT")
            #expect(refused?.message.contains("The email address for the recipient is invalid") == true, "\(refused?.message ?? "")")
            #expect(fake.apiRequests.count == 1 && fake.envelopes().count == before, "a refused POST is not repeated")

            // One our schema refuses is never sent.
            let invalid = await #expect(throws: ConnectorError.self) {
                try await DocuSign.run(runtime, "envelopes.send", DocuSign.envelope(signer: "not an address"), token: token)
            }
            #expect(invalid?.code == .invalidInput && fake.apiRequests.count == 1)
        }
    }

    @Test func anEnvelopeTheAccountDoesNotHaveIsRefusedForGood() async throws {
        try await DocuSign.withDocuSign { fake, runtime, token in
            let unknown = UUID().uuidString.lowercased()
            let missing = await #expect(throws: ConnectorError.self) {
                try await DocuSign.run(runtime, "envelopes.get", ["envelopeId": .string(unknown)], token: token)
            }
            #expect(missing?.code == .providerRejected && missing?.providerCode == "ENVELOPE_DOES_NOT_EXIST")
            #expect(missing?.message.contains("does not exist") == true, "\(missing?.message ?? "")")
            #expect(fake.server.requests("GET", DocuSign.accountPath + "/envelopes/\(unknown)").count == 1, "a 400 is not retried")

            // The European account's envelope, asked of the default account: not there either.
            let european = try #require(fake.envelopes(accountID: DocuSignFake.euAccountID).first)
            let elsewhere = await #expect(throws: ConnectorError.self) {
                try await DocuSign.run(runtime, "envelopes.get", ["envelopeId": .string(european.id)], token: token)
            }
            #expect(elsewhere?.providerCode == "ENVELOPE_DOES_NOT_EXIST")
        }
    }

    @Test func anExpiredTokenIsAnAuthenticationErrorThatNamesNoToken() async throws {
        try await DocuSign.withDocuSign { fake, runtime, token in
            fake.expire(token: token)
            let refused = await #expect(throws: ConnectorError.self) {
                try await DocuSign.run(runtime, "envelopes.list", ["fromDate": .string("2025-01-01T00:00:00Z")], token: token)
            }
            #expect(refused?.code == .providerAuth && refused?.providerCode == "AUTHORIZATION_INVALID_TOKEN")
            #expect(refused?.message.contains("HTTP 401") == true && refused?.message.contains(token) == false)
            #expect(fake.apiRequests.count == 1, "not repeated with the same token")
        }
    }

    @Test func anAccountCalledOnAnotherSitesHostIsRefused() async throws {
        try await DocuSign.withDocuSign { fake, runtime, token in
            let call = DocuSign.call("envelopes.list", ["fromDate": .string("2025-01-01T00:00:00Z")], host: DocuSignFake.euHost)
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(call) { _ in .token(token) }
            }
            #expect(refused?.providerCode == "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT")
            #expect(refused?.code == .providerRejected, "a 400 the definition does not list: permanent")
            #expect(refused?.message.contains("not a member of the specified Account") == true, "\(refused?.message ?? "")")
            let sent = try #require(fake.apiRequests.last)
            #expect(sent.path == DocuSignFake.accountPath(DocuSignFake.defaultAccountID, host: DocuSignFake.euHost) + "/envelopes")
            #expect(fake.apiRequests.count == 1)
        }
    }

    @Test func theHourlyLimitIsHandedBackWithItsResetAndABurstIsRetried() async throws {
        try await DocuSign.withDocuSign { fake, runtime, token in
            // X-RateLimit-Reset is the next top of the hour: within a minute of it the client would
            // wait (the cap is 60 s), so start past it.
            let untilHour = 3_600 - Int(Date().timeIntervalSince1970) % 3_600
            if untilHour <= 65 { try await Task.sleep(for: .seconds(untilHour + 1)) }
            let sentAt = Int(Date().timeIntervalSince1970)
            let nextHour = (sentAt / 3_600 + 1) * 3_600
            fake.injectRateLimit(calls: 1)
            let limited = await #expect(throws: ConnectorError.self) {
                try await DocuSign.run(runtime, "envelopes.list", ["fromDate": .string("2025-01-01T00:00:00Z")], token: token)
            }
            let answeredBy = Int(Date().timeIntervalSince1970)
            #expect(limited?.code == .providerRateLimited && limited?.providerCode == "HOURLY_APIINVOCATION_LIMIT_EXCEEDED")
            #expect(limited?.message.contains("hourly API invocations has been exceeded") == true, "\(limited?.message ?? "")")
            let reset = try #require(limited?.resetAt)
            #expect(abs(reset.timeIntervalSince1970 - TimeInterval(nextHour)) <= 2, "X-RateLimit-Reset, not a guess")
            // Read at a moment between the call and its answer.
            let untilReset = (nextHour - answeredBy - 1)...(nextHour - sentAt + 1)
            #expect(untilReset.contains(limited?.retryAfterSeconds ?? 0), "the wait is the time left until X-RateLimit-Reset")
            #expect(fake.apiRequests.count == 1, "minutes away: handed back, not waited for")

            // The 30-second burst limit names no reset: retried after a backoff, and the call goes through.
            fake.injectRateLimit(calls: 1, burst: true)
            let retried = try await DocuSign.run(runtime, "envelopes.get", ["envelopeId": .string(fake.envelopes()[0].id)], token: token)
            #expect(retried.attempts == 2 && retried.output["status"] == .string("sent"))
            #expect(fake.apiRequests.count == 3)
        }
    }
}
