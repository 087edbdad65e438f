import Foundation
import TestSupport
import Testing

/// The Dropbox Sign fake, driven with plain HTTP as Dropbox Sign's reference shows each call
/// (https://developers.hellosign.com/api/reference/authentication,
/// https://developers.hellosign.com/api/reference/operation/signatureRequestSend/,
/// https://developers.hellosign.com/api/reference/operation/signatureRequestList/,
/// https://developers.hellosign.com/api/reference/search/): what it refuses is what a client must
/// not send, and its errors come in the `{"error": {error_msg, error_name, error_path}}` envelope.
@Suite struct DropboxSignFakeTests {
    static func basic(_ user: String, _ password: String = "") -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }
    static let auth = ["Authorization": basic(DropboxSignFake.apiKey)]
    static let json = ["Authorization": basic(DropboxSignFake.apiKey), "Content-Type": "application/json"]

    private func withFake<T>(_ body: (DropboxSignFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = DropboxSignFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    static func error(_ reply: HTTPTestClient.Reply) throws -> [String: Any] {
        try #require(try reply.json()["error"] as? [String: Any])
    }

    static func send(_ client: HTTPTestClient, _ body: [String: Any], key: String = DropboxSignFake.apiKey) async throws -> HTTPTestClient.Reply {
        try await client.request(
            "POST", "/v3/signature_request/send", headers: ["Authorization": basic(key), "Content-Type": "application/json"],
            body: try JSONSerialization.data(withJSONObject: body))
    }

    static var minimal: [String: Any] {
        [
            "title": "NDA", "signers": [["email_address": "jack@example.com", "name": "Jack", "order": 0]],
            "file_urls": ["https://files.example/nda.pdf"], "test_mode": true,
        ]
    }

    @Test func theKeyIsTheBasicUserNameAndEveryAnswerCarriesTheRateLimitHeaders() async throws {
        try await withFake { _, client in
            let before = Int(Date().timeIntervalSince1970)
            let ok = try await client.get("/v3/account", headers: Self.auth)
            #expect(ok.status == 200)
            let account = try #require(try ok.json()["account"] as? [String: Any])
            #expect(account["account_id"] as? String == DropboxSignFake.accountID && account["is_paid_hs"] as? Bool == true)
            #expect((account["quotas"] as? [String: Any])?["api_signature_requests_left"] as? Int == 1250)
            #expect(ok.header("X-RateLimit-Limit") == "100" && ok.header("X-RateLimit-Remaining") == "99")
            #expect(Int(ok.header("X-Ratelimit-Reset") ?? "") ?? 0 > before)

            let none = try await client.get("/v3/account")
            #expect(none.status == 401)
            #expect(try Self.error(none)["error_msg"] as? String == "Unauthorized user. No credentials supplied.")
            for refused in [Self.basic("", DropboxSignFake.apiKey), "Bearer \(DropboxSignFake.apiKey)", Self.basic("not-a-key")] {
                let reply = try await client.get("/v3/account", headers: ["Authorization": refused])
                #expect(reply.status == 401)
                #expect(try Self.error(reply)["error_name"] as? String == "unauthorized")
            }
            let other = try await client.get("/v3/account?account_id=\(DropboxSignFake.freeAccountID)", headers: Self.auth)
            #expect(other.status == 404)
        }
    }

    @Test func aSendIsCheckedFieldByFieldThenReadBack() async throws {
        try await withFake { fake, client in
            var metadata = Self.minimal
            metadata["metadata"] = ["custom_id": 1234]
            metadata["colour"] = "blue"
            let sent = try await Self.send(client, metadata)
            #expect(sent.status == 200)
            #expect(sent.header("X-RateLimit-Limit") == "10", "a test-mode send counts against the test-mode limit")
            let request = try #require(try sent.json()["signature_request"] as? [String: Any])
            let id = try #require(request["signature_request_id"] as? String)
            #expect(id.count == 40 && request["test_mode"] as? Bool == true && request["is_complete"] as? Bool == false)
            let signatures = try #require(request["signatures"] as? [[String: Any]])
            #expect(signatures.first?["status_code"] as? String == "awaiting_signature" && signatures.first?["order"] as? Int == 0)
            let warnings = try sent.json()["warnings"] as? [[String: Any]]
            #expect(warnings?.first?["warning_name"] as? String == "parameter_ignored", "an unknown parameter is ignored with a warning")

            let read = try await client.get("/v3/signature_request/\(id)", headers: Self.auth)
            #expect((try read.json()["signature_request"] as? [String: Any])?["title"] as? String == "NDA")
            #expect(fake.signatureRequests.last?.id == id)

            func refused(_ change: (inout [String: Any]) -> Void) async throws -> String {
                var body = Self.minimal
                body["test_mode"] = false  // checked before the plan: these count against the high tier, not test mode
                change(&body)
                let reply = try await Self.send(client, body)
                return "\(reply.status) \(try Self.error(reply)["error_path"] as? String ?? "-")"
            }
            #expect(try await refused { $0["file_urls"] = nil } == "400 file_urls")
            #expect(try await refused { $0["files"] = ["x"] } == "400 file_urls", "files or file_urls, not both")
            #expect(try await refused { $0["file_urls"] = ["ftp://files.example/a.pdf"] } == "400 file_urls[0]")
            #expect(try await refused { $0["signers"] = [] as [Any] } == "400 signers")
            #expect(try await refused { $0["signers"] = [["email_address": "jack", "name": "Jack"]] } == "400 signers[0].email_address")
            #expect(
                try await refused { $0["signers"] = [["email_address": "j@example.com", "name": String(repeating: "n", count: 256)]] }
                    == "400 signers[0].name")
            #expect(try await refused { $0["title"] = String(repeating: "t", count: 256) } == "400 title")
            #expect(try await refused { $0["cc_email_addresses"] = [""] } == "400 cc_email_addresses[0]")
            #expect(try await refused { $0["metadata"] = Dictionary(uniqueKeysWithValues: (0..<11).map { ("k\($0)", "v") }) } == "400 metadata")

            let form = try await client.request(
                "POST", "/v3/signature_request/send", headers: ["Authorization": Self.basic(DropboxSignFake.apiKey), "Content-Type": "text/plain"],
                body: Data("title=x".utf8))
            #expect(form.status == 400)
        }
    }

    @Test func productionSendsNeedAPaidPlanAndMultipartIsAccepted() async throws {
        try await withFake { _, client in
            var production = Self.minimal
            production["test_mode"] = false
            let free = try await Self.send(client, production, key: DropboxSignFake.freeKey)
            #expect(free.status == 402)
            #expect(try Self.error(free)["error_name"] as? String == "payment_required")
            #expect(try await Self.send(client, Self.minimal, key: DropboxSignFake.freeKey).status == 200, "test mode is free")
            let paid = try await Self.send(client, production)
            #expect(paid.status == 200 && paid.header("X-RateLimit-Limit") == "25", "a production send is a high-tier call")

            let boundary = "dsfake-boundary"
            let fields = [
                ("title", "Lease"), ("signers[0][email_address]", "tenant@example.com"), ("signers[0][name]", "Tenant"),
                ("signers[0][order]", "0"), ("file_urls[0]", "https://files.example/lease.pdf"), ("test_mode", "1"),
            ]
            var text = ""
            for (name, value) in fields { text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n" }
            text += "--\(boundary)--\r\n"
            let multipart = try await client.request(
                "POST", "/v3/signature_request/send",
                headers: ["Authorization": Self.basic(DropboxSignFake.apiKey), "Content-Type": "multipart/form-data; boundary=\(boundary)"],
                body: Data(text.utf8))
            #expect(multipart.status == 200, "\(multipart.text)")
            let request = try multipart.json()["signature_request"] as? [String: Any]
            #expect(request?["test_mode"] as? Bool == true && request?["title"] as? String == "Lease")
            #expect((request?["signatures"] as? [[String: Any]])?.first?["signer_name"] as? String == "Tenant")
        }
    }

    @Test func theListIsPagedWithListInfoAndFilteredBySearchTerms() async throws {
        try await withFake { fake, client in
            fake.addRequests(41)
            let first = try await client.get("/v3/signature_request/list", headers: Self.auth)
            let info = try #require(try first.json()["list_info"] as? [String: Any])
            // 41 added, three sent and one received (not the cancelled one, not the colleague's own).
            #expect(info["num_results"] as? Int == 45 && info["page_size"] as? Int == 20 && info["num_pages"] as? Int == 3)
            #expect((try first.json()["signature_requests"] as? [[String: Any]])?.first?["title"] as? String == "Bulk Agreement 40", "newest first")
            let last = try await client.get("/v3/signature_request/list?page=3&page_size=20", headers: Self.auth)
            #expect((try last.json()["signature_requests"] as? [Any])?.count == 5)
            let beyond = try await client.get("/v3/signature_request/list?page=4&page_size=20", headers: Self.auth)
            #expect(beyond.status == 200)
            #expect(try (beyond.json()["signature_requests"] as? [Any])?.isEmpty == true)
            #expect(try await client.get("/v3/signature_request/list?page_size=101", headers: Self.auth).status == 400)
            #expect(try await client.get("/v3/signature_request/list?page=0", headers: Self.auth).status == 400)

            func titles(_ query: String) async throws -> [String]? {
                let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
                let reply = try await client.get("/v3/signature_request/list?query=\(encoded)", headers: Self.auth)
                return (try reply.json()["signature_requests"] as? [[String: Any]])?.compactMap { $0["title"] as? String }
            }
            #expect(try await titles("complete:true") == ["Purchase Agreement"])
            #expect(try await titles("to:me") == ["Expense Policy"])
            #expect(try await titles("title:NDA with AND from:me") == ["NDA with Acme Co."])
            #expect(try await titles("declined:true OR title:Purchase") == ["Offer Letter", "Purchase Agreement"])
            #expect(try await titles("george") == ["Offer Letter"], "a bare term matches signers too")
            let wildcard = try await client.get("/v3/signature_request/list?query=%2ANDA", headers: Self.auth)
            #expect(wildcard.status == 400)
            #expect(try Self.error(wildcard)["error_name"] as? String == "bad_request")

            let all = try await client.get("/v3/signature_request/list?account_id=all&page_size=100", headers: Self.auth)
            #expect((try all.json()["list_info"] as? [String: Any])?["num_results"] as? Int == 46, "the colleague's own request too")
            let outsider = try await client.get("/v3/signature_request/list?account_id=ffff", headers: Self.auth)
            #expect(outsider.status == 403)
        }
    }

    @Test func aMissingRequestIs404AndACancelledOne410() async throws {
        try await withFake { _, client in
            let missing = try await client.get("/v3/signature_request/\(String(repeating: "a", count: 40))", headers: Self.auth)
            #expect(missing.status == 404)
            #expect(try Self.error(missing)["error_name"] as? String == "not_found")
            let cancelled = try await client.get("/v3/signature_request/0c2e4a6b8d1f3e5a7c9b0d2f4e6a8c1b3d5f7e9a", headers: Self.auth)
            #expect(cancelled.status == 410)
            #expect(try Self.error(cancelled)["error_name"] as? String == "deleted")
            let foreign = try await client.get("/v3/signature_request/5d7f9a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d1f", headers: Self.auth)
            #expect(foreign.status == 404, "another account's request is not visible")
        }
    }

    @Test func eachTierHasItsPerMinuteLimitAndScriptedFaultsComeFirst() async throws {
        try await withFake { fake, client in
            for _ in 0..<DropboxSignFake.limits.testMode { #expect(try await Self.send(client, Self.minimal).status == 200) }
            let limited = try await Self.send(client, Self.minimal)
            #expect(limited.status == 429 && limited.header("X-RateLimit-Remaining") == "0")
            #expect(try Self.error(limited)["error_name"] as? String == "exceeded_rate")
            #expect(limited.header("Retry-After") == nil)
            #expect(try await client.get("/v3/account", headers: Self.auth).status == 200, "standard calls have their own budget")

            // The reset is 7 s after the fake's clock at some moment in [before, after].
            let before = Int(Date().timeIntervalSince1970)
            fake.injectRateLimit(calls: 1, resetIn: 7)
            fake.injectError(status: 503, name: "maintenance", message: "Down for maintenance.")
            let scripted = try await client.get("/v3/account", headers: Self.auth)
            let after = Int(Date().timeIntervalSince1970)
            #expect(scripted.status == 429)
            let reset = Int(scripted.header("X-Ratelimit-Reset") ?? "") ?? 0
            #expect((before + 6...after + 8).contains(reset), "\(reset) for [\(before), \(after)] + 7")
            #expect(try await client.get("/v3/account", headers: Self.auth).status == 503)
            fake.revoke(key: DropboxSignFake.apiKey)
            #expect(try await client.get("/v3/account", headers: Self.auth).status == 401)
        }
    }
}
