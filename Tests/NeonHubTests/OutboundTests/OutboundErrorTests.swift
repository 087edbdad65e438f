import Foundation
import Testing

@testable import NeonHub

extension OutboundTests {
    /// Status classes, and a description that carries no provider text.
    @Suite struct OutboundErrorTests {
        @Test func statusesMapToTheirClasses() {
            #expect(OutboundError.code(forStatus: 200) == nil)
            #expect(OutboundError.code(forStatus: 204) == nil)
            #expect(OutboundError.code(forStatus: 408) == .retryable)
            #expect(OutboundError.code(forStatus: 500) == .retryable)
            #expect(OutboundError.code(forStatus: 599) == .retryable)
            #expect(OutboundError.code(forStatus: 429) == .rateLimited)
            #expect(OutboundError.code(forStatus: 401) == .auth)
            #expect(OutboundError.code(forStatus: 403) == .auth)
            #expect(OutboundError.code(forStatus: 400) == .permanent)
            #expect(OutboundError.code(forStatus: 404) == .permanent)
            #expect(OutboundError.code(forStatus: 422) == .permanent)
            #expect(OutboundError.code(forStatus: 304) == .permanent)
        }

        @Test func theDescriptionNamesTheClassButNotTheProviderText() {
            let error = OutboundError(
                code: .rateLimited, status: 429, retryAfter: .milliseconds(1500),
                message: "user alice@example.com is over quota", bodyExcerpt: "{…}",
                attempts: 2, method: "POST", urlTemplate: "/v1/messages")
            #expect(error.description == "outbound POST /v1/messages failed: rateLimited (HTTP 429) after 2 attempts; retry after 2 s")
            #expect(error.debugDescription.contains("alice@example.com"))
            #expect(OutboundError.Code.allCases.map(\.rawValue) == ["retryable", "rateLimited", "auth", "permanent", "timeout", "network"])
        }
    }
}
