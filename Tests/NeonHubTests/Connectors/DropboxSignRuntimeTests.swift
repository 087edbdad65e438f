import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Dropbox Sign definition run by the real runtime against the Dropbox Sign fake (which
/// follows Dropbox Sign's API reference and its OpenAPI document, github.com/hellosign/hellosign-openapi):
/// the key as the Basic user name, JSON asked for and sent, every action's path, body and mapping,
/// page paging with `page_size`, the error envelope's codes, and the rate-limit headers.
@Suite struct DropboxSignRuntimeTests {
    static let connector = "dropbox-sign"

    static func definition() throws -> ConnectorDefinition {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return try #require(catalog[connector]?.definition)
    }

    /// A runtime whose base URL is the definition's own, on the fake's host.
    static func runtime(_ fake: DropboxSignFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let base = try definition().baseUrl.replacingOccurrences(of: "https://api.hellosign.com", with: fake.baseURL)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: connector), baseURLOverrides: [connector: base])
    }

    /// Runs `body` with a started fake and a runtime pointed at it.
    func withDropboxSign(_ body: (DropboxSignFake, ConnectorRuntime) async throws -> Void) async throws {
        let fake = DropboxSignFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try Self.runtime(fake)) }
    }

    /// The credential a connection with this key sends, as the connector service builds it from the definition.
    static func key(_ key: String = DropboxSignFake.apiKey) throws -> ConnectorCredentialsValue {
        try ConnectorService.credential(try definition(), ["apiKey": key])
    }

    static func call(_ action: String, _ input: [String: JSONValue] = [:]) -> ConnectorCall {
        ConnectorCall(connector: connector, action: action, input: .object(input))
    }

    static func list(_ output: JSONValue) -> [JSONValue] {
        if case .array(let items)? = output["items"] { return items }
        if case .array(let items) = output { return items }
        return []
    }

    /// The user and password of a Basic `Authorization` header.
    static func basic(_ header: String?) -> (user: String, password: String)? {
        guard let header, header.hasPrefix("Basic "), let data = Data(base64Encoded: String(header.dropFirst(6))) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    static let signers: JSONValue = .array([
        .object(["email_address": .string("jack@example.com"), "name": .string("Jack"), "order": .number(0)]),
        .object(["email_address": .string("jill@example.com"), "name": .string("Jill"), "order": .number(1)]),
    ])

    @Test func theAccountIsReadWithTheKeyAsBasicUserAndItsRateLimitHeadersAreRead() async throws {
        #expect(try Self.definition().baseUrl == "https://api.hellosign.com/v3")
        try await withDropboxSign { fake, runtime in
            let key = try Self.key()
            let account = try await runtime.execute(Self.call("account.get")) { _ in key }
            #expect(account.output["id"] == .string(DropboxSignFake.accountID))
            #expect(account.output["email"] == .string(DropboxSignFake.email) && account.output["isPaid"] == .bool(true))
            #expect(account.output["quotas"]?["api_signature_requests_left"] == .number(1250))
            #expect(account.rateLimit?.remaining == 99, "X-RateLimit-Remaining is read")
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "GET" && sent.path == "/v3/account" && sent.query == nil)
            #expect(Self.basic(sent.header("Authorization"))?.user == DropboxSignFake.apiKey, "the key is the Basic user name")
            #expect(sent.header("Accept") == "application/json")
        }
    }

    @Test func aRequestIsSentAsJSONAndMappedFromTheSignatureRequest() async throws {
        try await withDropboxSign { fake, runtime in
            let key = try Self.key()
            let input: [String: JSONValue] = [
                "title": .string("NDA with Acme Co."), "subject": .string("The NDA we talked about"), "message": .string("Please sign."),
                "signers": Self.signers, "file_urls": .array([.string("https://files.example/nda.pdf")]),
                "cc_email_addresses": .array([.string("lawyer@example.com")]), "metadata": .object(["custom_id": .string("NDA #9")]),
                "test_mode": .bool(true),
            ]
            let sent = try await runtime.execute(Self.call("signatureRequests.send", input)) { _ in key }
            let id = try #require(JSONPath.text(sent.output["id"]))
            #expect(id.count == 40 && sent.output["title"] == .string("NDA with Acme Co.") && sent.output["isComplete"] == .bool(false))
            #expect(sent.output["detailsUrl"] == .string("https://app.hellosign.com/home/manage?guid=\(id)"))
            let request = try #require(fake.requests.last)
            #expect(request.method == "POST" && request.path == "/v3/signature_request/send")
            #expect(request.header("Content-Type")?.hasPrefix("application/json") == true)
            let body = try #require(request.json as? [String: Any])
            #expect(body["test_mode"] as? Bool == true && (body["signers"] as? [[String: Any]])?.count == 2)
            #expect((body["metadata"] as? [String: Any])?["custom_id"] as? String == "NDA #9")
            let stored = try #require(fake.signatureRequests.last)
            #expect(stored.id == id && stored.testMode && stored.cc == ["lawyer@example.com"] && stored.signers.map(\.order) == [0, 1])

            // test_mode defaults to false: a production send, which the paid account may make.
            var production = input
            production["test_mode"] = nil
            _ = try await runtime.execute(Self.call("signatureRequests.send", production)) { _ in key }
            #expect((fake.requests.last?.json as? [String: Any])?["test_mode"] as? Bool == false)
            #expect(fake.signatureRequests.last?.testMode == false)

            // Refused before anything is sent: no signers.
            let count = fake.requests.count
            var unsigned = input
            unsigned["signers"] = nil
            let invalid = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("signatureRequests.send", unsigned)) { _ in key }
            }
            #expect(invalid?.code == .invalidInput)
            #expect(fake.requests.count == count)
        }
    }

    @Test func dropboxSignsRefusalsCarryTheirNameAndMessage() async throws {
        try await withDropboxSign { fake, runtime in
            let input: [String: JSONValue] = ["signers": Self.signers, "file_urls": .array([.string("https://files.example/nda.pdf")])]
            // A free account's production send: 402 payment_required, permanent, not retried.
            let free = try Self.key(DropboxSignFake.freeKey)
            let unpaid = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("signatureRequests.send", input)) { _ in free }
            }
            #expect(unpaid?.code == .providerRejected && unpaid?.providerCode == "payment_required")
            #expect(unpaid?.message.contains("You must upgrade") == true)
            #expect(fake.server.requests("POST", "/v3/signature_request/send").count == 1)

            // A URL the schema takes but Dropbox Sign does not: the 400's error_msg is the message.
            var ftp = input
            ftp["file_urls"] = .array([.string("ftp://files.example/nda.pdf")])
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("signatureRequests.send", ftp)) { _ in try Self.key() }
            }
            #expect(refused?.code == .providerRejected && refused?.providerCode == "bad_request")
            #expect(refused?.message.contains("This value is not a valid URL.") == true)
        }
    }

    @Test func aRequestIsReadByIdAndMissingOrCancelledOnesArePermanent() async throws {
        try await withDropboxSign { fake, runtime in
            let key = try Self.key()
            let nda = try await runtime.execute(Self.call("signatureRequests.get", ["id": .string("2b388914e3ae3b738bd4e2ee2850c677e6dc53d2")])) {
                _ in key
            }
            #expect(nda.output["title"] == .string("NDA with Acme Co.") && nda.output["isComplete"] == .bool(false))
            #expect(nda.output["isDeclined"] == .bool(false) && nda.output["hasError"] == .bool(false))
            if case .array(let signatures)? = nda.output["signatures"] {
                #expect(signatures.compactMap { JSONPath.text($0["status_code"]) } == ["signed", "awaiting_signature"])
            } else {
                Issue.record("no signatures in \(nda.output)")
            }
            #expect(fake.requests.last?.path == "/v3/signature_request/2b388914e3ae3b738bd4e2ee2850c677e6dc53d2")

            for (id, code) in [(String(repeating: "a", count: 40), "not_found"), ("0c2e4a6b8d1f3e5a7c9b0d2f4e6a8c1b3d5f7e9a", "deleted")] {
                let refused = await #expect(throws: ConnectorError.self) {
                    try await runtime.execute(Self.call("signatureRequests.get", ["id": .string(id)])) { _ in key }
                }
                #expect(refused?.code == .providerRejected && refused?.providerCode == code)
                #expect(fake.server.requests("GET", "/v3/signature_request/\(id)").count == 1, "not retried")
            }

            let count = fake.requests.count
            let invalid = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("signatureRequests.get", ["id": .string("../account")])) { _ in key }
            }
            #expect(invalid?.code == .invalidInput)
            #expect(fake.requests.count == count)
        }
    }

    @Test func theListIsPagedByPageWithAHundredAPageWithinTheLimit() async throws {
        try await withDropboxSign { fake, runtime in
            let key = try Self.key()
            fake.addRequests(230)
            let all = try await runtime.execute(Self.call("signatureRequests.list", ["limit": .number(300)])) { _ in key }
            let items = Self.list(all.output)
            #expect(items.count == 234 && all.pages == 3 && all.output["truncated"] == .bool(false))
            let reads = fake.server.requests("GET", "/v3/signature_request/list").suffix(3)
            #expect(reads.allSatisfy { $0.queryItems["page_size"] == ["100"] && $0.queryItems["query"] == nil })
            #expect(reads.map { $0.queryItems["page"] } == [nil, ["2"], ["3"]])
            #expect(reads.allSatisfy { Self.basic($0.header("Authorization"))?.user == DropboxSignFake.apiKey }, "every page is authenticated")
            let newest = try #require(items.first)
            #expect(newest["title"] == .string("Bulk Agreement 229") && newest["isComplete"] == .bool(false))
            #expect(newest["isDeclined"] == .bool(false) && newest["createdAt"]?.numberValue != nil && JSONPath.text(newest["id"])?.count == 40)

            let bounded = try await runtime.execute(Self.call("signatureRequests.list", ["limit": .number(150)])) { _ in key }
            #expect(Self.list(bounded.output).count == 150 && bounded.pages == 2 && bounded.output["truncated"] == .bool(true))

            let complete = try await runtime.execute(Self.call("signatureRequests.list", ["query": .string("complete:true")])) { _ in key }
            #expect(Self.list(complete.output).compactMap { JSONPath.text($0["title"]) } == ["Purchase Agreement"])
            #expect(fake.requests.last?.queryItems["query"] == ["complete:true"])
        }
    }

    @Test func aFullLastPageCostsOneMoreReadThatAnswersNothing() async throws {
        try await withDropboxSign { fake, runtime in
            fake.addRequests(96)  // with the four the account sees: exactly one page of 100
            let all = try await runtime.execute(Self.call("signatureRequests.list")) { _ in try Self.key() }
            #expect(Self.list(all.output).count == 100)
            // The page style stops on a short page only; list_info.num_pages already said 1.
            #expect(all.pages == 2)
            #expect(fake.server.requests("GET", "/v3/signature_request/list").last?.queryItems["page"] == ["2"])
        }
    }

    @Test func aRateLimitIsWaitedOutByItsResetHeaderOrSurfaced() async throws {
        try await withDropboxSign { fake, runtime in
            let key = try Self.key()
            fake.injectRateLimit(calls: 1, resetIn: 1)
            let retried = try await runtime.execute(Self.call("account.get")) { _ in key }
            #expect(retried.attempts == 2)
            let reads = fake.server.requests("GET", "/v3/account")
            #expect(reads.count == 2)
            #expect(reads[1].receivedAt.timeIntervalSince(reads[0].receivedAt) >= 0.5, "X-Ratelimit-Reset was waited for")

            let injectedAt = Date()
            fake.injectRateLimit(calls: 1, resetIn: 600)  // beyond the client's cap: not waited for
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("account.get")) { _ in key }
            }
            #expect(limited?.code == .providerRateLimited && limited?.providerCode == "exceeded_rate")
            // 600 s from the injection, less the time the call took to come back.
            let took = Int(Date().timeIntervalSince(injectedAt).rounded(.up))
            #expect((595 - took...601).contains(limited?.retryAfterSeconds ?? 0))

            fake.injectError(status: 503, name: "maintenance", message: "Down for maintenance.")
            let after = try await runtime.execute(Self.call("account.get")) { _ in key }
            #expect(after.attempts == 2, "maintenance is retried")
        }
    }

    @Test func aRevokedKeyIsAnAuthenticationErrorThatNamesNoKey() async throws {
        try await withDropboxSign { fake, runtime in
            let key = try Self.key()
            fake.revoke(key: DropboxSignFake.apiKey)
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("account.get")) { _ in key }
            }
            #expect(refused?.code == .providerAuth && refused?.providerCode == "unauthorized")
            #expect(refused?.message.contains(DropboxSignFake.apiKey) == false)
            #expect(fake.requests.count == 1, "a refused key is not retried")
        }
    }
}
