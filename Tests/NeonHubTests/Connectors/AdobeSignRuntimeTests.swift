import Foundation
import Synchronization
import TestSupport
import Testing

@testable import NeonHub

/// The Acrobat Sign definition run by the real runtime against `AdobeSignFake` (which follows
/// Adobe's REST v6 reference and OAuth guide): the account host's `/api/rest/v6`, the bearer token,
/// agreements sent from a transient document and read back, the list paged by `page.nextCursor`,
/// an expired token refreshed once, and Acrobat Sign's {code, message} errors and throttling as
/// error classes. Where the definition disagrees with the documentation, see
/// `AdobeSignMismatchTests`.
@Suite struct AdobeSignRuntimeTests {
    static let connector = "adobe-sign"

    static func definition() throws -> ConnectorDefinition {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return try #require(catalog[connector]?.definition)
    }

    /// A runtime whose base URL is the definition's own path on the fake's host.
    static func runtime(_ fake: AdobeSignFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let base = try definition().baseUrl.replacingOccurrences(of: "https://{{vars.apiHost}}", with: fake.baseURL)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: connector), baseURLOverrides: [connector: base])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withAdobeSign(_ body: (AdobeSignFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = AdobeSignFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    static let path = "/api/rest/v6"

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        ConnectorCall(connector: connector, action: action, input: .object(input), variables: ["apiHost": AdobeSignFake.apiHost])
    }

    static func run(_ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue] = [:], token: String) async throws
        -> ConnectorResult
    {
        try await runtime.execute(call(action, input)) { _ in .token(token) }
    }

    static func list(_ output: JSONValue) -> [JSONValue] {
        if case .array(let items) = output { return items }
        if case .array(let items)? = output["items"] { return items }
        return []
    }

    /// The input of `agreements.create` for one signer and one transient document.
    static func agreementInput(_ documentID: String, name: String = "Mutual NDA") -> [String: JSONValue] {
        [
            "name": .string(name), "fileInfos": .array([.object(["transientDocumentId": .string(documentID)])]),
            "participantSetsInfo": .array([
                .object(["memberInfos": .array([.object(["email": .string("ada@client.example")])]), "order": .number(1), "role": .string("SIGNER")])
            ]),
            "signatureType": .string("ESIGN"), "state": .string("IN_PROCESS"),
        ]
    }

    @Test func agreementsAreListedNewestFirstAcrossCursorPages() async throws {
        #expect(try Self.definition().baseUrl == "https://{{vars.apiHost}}/api/rest/v6")
        try await withAdobeSign { fake, runtime in
            fake.addAgreements(150)
            let token = fake.issueToken()
            let result = try await Self.run(runtime, "agreements.list", token: token)
            let items = Self.list(result.output)
            #expect(items.count == 153 && result.pages == 2, "the default limit of 200 reads both pages")
            #expect(JSONPath.text(items.first?["name"]) == "Agreement 150" && JSONPath.text(items.last?["name"]) == "NDA Acme")
            let last = try #require(fake.agreements.first)
            let mapped = try #require(items.last)
            #expect(
                mapped
                    == .object([
                        "id": .string(last.id), "name": .string("NDA Acme"), "status": .string("SIGNED"),
                        "displayDate": .string(JSONPath.text(mapped["displayDate"]) ?? ""), "esign": .bool(true),
                    ]))
            let reads = fake.server.requests("GET", Self.path + "/agreements")
            #expect(reads.count == 2)
            #expect(reads[0].queryItems["pageSize"] == ["100"] && reads[0].queryItems["cursor"] == nil)
            #expect(reads[1].queryItems["pageSize"] == ["100"] && reads[1].queryItems["cursor"] == ["qJXXj2UAUX100"])
            #expect(reads.allSatisfy { $0.header("Authorization") == "Bearer \(token)" && $0.header("Accept") == "application/json" })

            let one = try await Self.run(runtime, "agreements.list", ["limit": .number(1)], token: token)
            #expect(Self.list(one.output).count == 1 && one.pages == 1)
        }
    }

    @Test func anAgreementIsSentFromATransientDocumentAndReadBack() async throws {
        try await withAdobeSign { fake, runtime in
            let token = fake.issueToken()
            let document = fake.addTransientDocument()
            let input = Self.agreementInput(document)
            let created = try await Self.run(runtime, "agreements.create", input, token: token)
            let id = try #require(fake.agreements.last?.id)
            #expect(created.output == .object(["id": .string(id)]))
            let sent = try #require(fake.server.requests("POST", Self.path + "/agreements").last)
            #expect(sent.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(try JSONValue.parse(sent.body) == .object(input), "the input is the AgreementInfo")
            #expect(fake.agreements.last?.fileIDs == [document] && fake.agreements.last?.participants == [["ada@client.example"]])

            let read = try await Self.run(runtime, "agreements.get", ["agreementId": .string(id)], token: token)
            #expect(JSONPath.text(read.output["id"]) == id && JSONPath.text(read.output["name"]) == "Mutual NDA")
            #expect(JSONPath.text(read.output["status"]) == "OUT_FOR_SIGNATURE")
            #expect(JSONPath.text(read.output["senderEmail"]) == AdobeSignFake.senderEmail)
            #expect(JSONPath.text(read.output["createdDate"]) != nil)
            #expect(fake.requests.last?.path == Self.path + "/agreements/\(id)")
        }
    }

    @Test func unknownIdsAreRefusedWithAcrobatSignsCodeAndNotRetried() async throws {
        try await withAdobeSign { fake, runtime in
            let token = fake.issueToken()
            let missing = await #expect(throws: ConnectorError.self) {
                try await Self.run(runtime, "agreements.get", ["agreementId": .string("CBJCHBCAABAAnope")], token: token)
            }
            #expect(missing?.code == .providerRejected && missing?.providerCode == "INVALID_AGREEMENT_ID")
            #expect(missing?.message.contains("The Agreement ID specified is invalid") == true)
            #expect(fake.server.requests("GET", Self.path + "/agreements/CBJCHBCAABAAnope").count == 1)

            let stale = await #expect(throws: ConnectorError.self) {
                try await Self.run(runtime, "agreements.create", Self.agreementInput("3AAABLblqZhAexpired"), token: token)
            }
            #expect(stale?.code == .providerRejected && stale?.providerCode == "INVALID_TRANSIENTDOCUMENT_ID")
            #expect(fake.server.requests("POST", Self.path + "/agreements").count == 1)
            #expect(fake.agreements.count == 3)
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceAndARefusedOneIsAnAuthError() async throws {
        try await withAdobeSign { fake, runtime in
            let old = fake.issueToken()
            let fresh = fake.issueToken()
            fake.expire(token: old)
            let asks = AdobeSignCallCounter()
            let result = try await runtime.execute(Self.call("agreements.list")) { refresh in
                asks.add()
                return refresh ? .token(fresh) : .token(old, canRefresh: true)
            }
            #expect(Self.list(result.output).count == 3)
            #expect(asks.value == 2)
            #expect(fake.requests.compactMap { $0.header("Authorization") } == ["Bearer \(old)", "Bearer \(fresh)"])

            fake.expire(token: fresh)
            let refused = await #expect(throws: ConnectorError.self) { try await Self.run(runtime, "agreements.list", token: fresh) }
            #expect(refused?.code == .providerAuth && refused?.providerCode == "INVALID_ACCESS_TOKEN")
            #expect(refused?.message.contains(fresh) == false)
        }
    }

    @Test func aThrottleIsWaitedOutByRetryAfterOrSurfacedAsARateLimit() async throws {
        try await withAdobeSign { fake, runtime in
            let token = fake.issueToken()
            fake.injectThrottle(calls: 1, retryAfter: 1)
            let retried = try await Self.run(runtime, "agreements.list", token: token)
            #expect(retried.attempts == 2)
            let reads = fake.server.requests("GET", Self.path + "/agreements")
            #expect(reads.count == 2)
            #expect(reads[1].receivedAt.timeIntervalSince(reads[0].receivedAt) >= 0.95, "Retry-After: 1 was waited for")

            fake.injectThrottle(calls: 1, retryAfter: 600)  // beyond the client's cap: not waited for
            let limited = await #expect(throws: ConnectorError.self) { try await Self.run(runtime, "agreements.list", token: token) }
            #expect(limited?.code == .providerRateLimited && limited?.providerCode == "THROTTLING_TOO_MANY_REQUESTS")
            #expect((598...600).contains(limited?.retryAfterSeconds ?? 0))
        }
    }
}

/// Counts the credential source's calls across the runtime's tasks.
final class AdobeSignCallCounter: Sendable {
    private let count = Mutex(0)
    /// One more call.
    func add() { count.withLock { $0 += 1 } }
    /// The calls so far.
    var value: Int { count.withLock { $0 } }
}
