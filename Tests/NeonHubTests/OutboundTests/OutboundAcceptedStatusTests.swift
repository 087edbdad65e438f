import Foundation
import HTTPFields
import Testing

@testable import NeonHub

extension OutboundTests {
    /// `OutboundRequest.acceptedStatuses`: a status outside 2xx a request names (Google's
    /// `308 Resume Incomplete`) is an answer with its headers, not an error, and is never retried;
    /// the same status without it stays a failure.
    @Suite(.serialized) struct OutboundAcceptedStatusTests {
        typealias F = ClientFixtures

        @Test func aNamedStatusIsAnsweredWithItsHeadersAfterOneAttempt() async throws {
            try await withFakeProvider(script: [.answer(308, headers: [("Range", "bytes=0-524287")]), .answer(200)]) { fake, url, transport in
                var request = F.request(url, method: "PUT", path: "/upload?upload_id=u1", body: "")
                request.acceptedStatuses = [308]
                let response = try await F.client(transport).send(request)
                #expect(response.status == 308)
                #expect(response.headers["Range"] == "bytes=0-524287")
                #expect(response.attempts == 1)
                #expect(fake.seen.count == 1)
            }
        }

        @Test func withoutItTheSameStatusIsAPermanentFailure() async throws {
            try await withFakeProvider(script: [.answer(308, headers: [("Range", "bytes=0-9")])]) { fake, url, transport in
                let error = await F.outboundError {
                    try await F.client(transport).send(F.request(url, method: "PUT", path: "/upload?upload_id=u1", body: ""))
                }
                #expect(error?.code == .permanent)
                #expect(error?.status == 308)
                #expect(fake.seen.count == 1)
            }
        }

        @Test func otherFailuresOfARequestThatAcceptsAStatusStayFailures() async throws {
            try await withFakeProvider(script: [.answer(503)]) { _, url, transport in
                var request = F.request(url, method: "PUT", path: "/upload?upload_id=u1", body: "", retry: .never)
                request.acceptedStatuses = [308]
                let error = await F.outboundError { try await F.client(transport).send(request) }
                #expect(error?.code == .retryable)
                #expect(error?.status == 503)
            }
        }
    }
}
