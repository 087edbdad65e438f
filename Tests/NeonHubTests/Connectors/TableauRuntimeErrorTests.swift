import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// Tableau's refusals as the definition classifies them, run by the real runtime against
/// `TableauFake` (Tableau's REST API error codes,
/// https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_concepts_errors.htm): a
/// filter key or operator Tableau does not take (400065) and a view not on the site (400080)
/// are permanent with Tableau's detail, a call for another site than the session's (403000) is
/// permanent too, an ended session (401002) is an authentication error, and a 429 is waited out
/// by its `Retry-After` or handed back as a rate limit with its reset.
@Suite struct TableauRuntimeErrorTests {
    typealias Tableau = TableauRuntimeTests

    @Test func aFilterTableauDoesNotTakeIsRefusedForGoodWithItsDetail() async throws {
        try await Tableau.withTableau { fake, runtime, token in
            let unknownKey = await #expect(throws: ConnectorError.self) {
                try await Tableau.run(runtime, "views.list", ["filter": .string("colour:eq:red")], token: token)
            }
            #expect(unknownKey?.code == .providerRejected && unknownKey?.providerCode == "400065")
            #expect(
                unknownKey?.message.contains("The filter query contains a key which is not recognized for this api version.") == true,
                "\(unknownKey?.message ?? "")")
            #expect(unknownKey?.message.contains("HTTP 400") == true)
            #expect(fake.server.requests("GET", Tableau.sitePath + "/views").count == 1, "a 400 is not retried")

            // `has` is no operator of `name`: the same code, another detail.
            let badOperator = await #expect(throws: ConnectorError.self) {
                try await Tableau.run(runtime, "workbooks.list", ["filter": .string("name:has:Campaign")], token: token)
            }
            #expect(badOperator?.code == .providerRejected && badOperator?.providerCode == "400065")
            #expect(badOperator?.message.contains("operator 'has'") == true, "\(badOperator?.message ?? "")")
            #expect(badOperator?.message.contains(token) == false)
        }
    }

    @Test func aViewNotOnTheSiteIsRefusedForGood() async throws {
        try await Tableau.withTableau { fake, runtime, token in
            let refused = await #expect(throws: ConnectorError.self) {
                try await Tableau.run(runtime, "views.data", ["viewId": .string(TableauFake.financeViewID)], token: token)
            }
            #expect(refused?.code == .providerRejected && refused?.providerCode == "400080")
            #expect(refused?.message.contains("doesn't correspond to a view available on the specified site") == true, "\(refused?.message ?? "")")
            #expect(fake.apiRequests.count == 1)
            #expect(fake.apiRequests.last?.path == Tableau.sitePath + "/views/\(TableauFake.financeViewID)/data")
        }
    }

    @Test func aCallForAnotherSiteThanTheSessionsIsRefusedForGoodNotAsAnAuthError() async throws {
        try await Tableau.withTableau { fake, runtime, token in
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Tableau.call("views.list", site: TableauFake.finance.id)) { _ in .token(token) }
            }
            #expect(refused?.providerCode == "403000")
            #expect(refused?.code == .providerRejected, "403000 is among the definition's permanentCodes: signing in again would not help")
            #expect(refused?.message.contains("HTTP 403") == true && refused?.message.contains("not the site of the current session") == true)
            #expect(fake.apiRequests.count == 1 && fake.apiRequests.last?.path == TableauFake.apiPath + "/sites/\(TableauFake.finance.id)/views")
            #expect(fake.signInCount == 1 && fake.liveTokens == [token], "the session is left as it was")
        }
    }

    @Test func anEndedSessionIsAnAuthenticationErrorThatNamesNoToken() async throws {
        try await Tableau.withTableau { fake, runtime, token in
            fake.expire(token: token)
            let refused = await #expect(throws: ConnectorError.self) {
                try await Tableau.run(runtime, "workbooks.list", token: token)
            }
            #expect(refused?.code == .providerAuth && refused?.providerCode == "401002")
            #expect(refused?.message.contains("invalid or has expired") == true, "\(refused?.message ?? "")")
            #expect(refused?.message.contains(token) == false)
            #expect(fake.apiRequests.count == 1, "not repeated with the same token")
        }
    }

    @Test func aThrottleIsWaitedOutByRetryAfterOrHandedBackWithItsReset() async throws {
        try await Tableau.withTableau { fake, runtime, token in
            fake.throttleNext(1, retryAfter: 1)
            let retried = try await Tableau.run(runtime, "datasources.list", token: token)
            #expect(retried.attempts == 2 && Tableau.items(retried.output).count == TableauFake.marketingDatasourceCount)
            let reads = fake.server.requests("GET", Tableau.sitePath + "/datasources")
            #expect(reads.count == 2)
            #expect(reads[1].receivedAt.timeIntervalSince(reads[0].receivedAt) >= 0.95, "Retry-After: 1 was waited for")

            fake.throttleNext(5, retryAfter: 90)  // past the client's cap: handed back, not waited for
            let before = Date()
            let limited = await #expect(throws: ConnectorError.self) {
                try await Tableau.run(runtime, "views.list", token: token)
            }
            let after = Date()
            #expect(limited?.code == .providerRateLimited && limited?.providerCode == "429000")
            let reset = try #require(limited?.resetAt)
            #expect(reset.timeIntervalSince(before) >= 89 && reset.timeIntervalSince(after) <= 91, "Retry-After: 90")
            #expect((85...90).contains(limited?.retryAfterSeconds ?? 0))
            #expect(fake.server.requests("GET", Tableau.sitePath + "/views").count == 1)
        }
    }
}
