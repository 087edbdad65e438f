import Foundation
import TestSupport
import Testing

/// The ADP fake behind its mutual-TLS front (`TLSTerminator`, socat), driven by `curl` with the
/// client certificate the test CA signed, the way ADP's token endpoint and Workers v2 are called
/// (sources in ADPFake.swift's header): without that certificate no byte reaches the fake; with
/// it a token is issued for the right client secret, workers page by `$top`/`$skip` to a 204, and
/// an expired token gets the gateway's 401.
@Suite(
    .enabled(
        if: TLSTerminator.isAvailable && OpenSSLCommand.isAvailable && CurlCommand.isAvailable, "needs the socat, openssl and curl tools"))
struct ADPFakeTests {
    private func withFront<T>(_ fake: ADPFake = ADPFake(), _ body: (ADPFake, TLSTerminator) async throws -> T) async throws -> T {
        let pki = try await TestPKI.shared()
        try fake.start()
        do {
            let front = try await TLSTerminator.start(upstream: fake.baseURL, pki: pki)
            defer { front.stop() }
            let value = try await body(fake, front)
            await fake.stopWithoutBlocking()
            return value
        } catch {
            await fake.stopWithoutBlocking()
            throw error
        }
    }

    static func basic(_ id: String = ADPFake.defaultClientID, _ secret: String = ADPFake.defaultClientSecret) -> String {
        "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
    }

    static func tokenCall(
        _ front: TLSTerminator, form: String = "grant_type=client_credentials", authorization: String? = basic(),
        certificate: TestPKI.Identity?? = .none
    ) async throws -> CurlCommand.Response {
        var headers = ["Content-Type": "application/x-www-form-urlencoded"]
        headers["Authorization"] = authorization
        return try await CurlCommand.request(
            "POST", front.baseURL + ADPFake.tokenPath, headers: headers, body: Data(form.utf8),
            certificate: certificate ?? front.pki.client, caFile: front.pki.ca.certificateFile)
    }

    static func get(_ front: TLSTerminator, _ pathAndQuery: String, token: String?) async throws -> CurlCommand.Response {
        var headers = ["Accept": "application/json", "roleCode": "practitioner"]
        headers["Authorization"] = token.map { "Bearer \($0)" }
        return try await CurlCommand.request(
            "GET", front.baseURL + pathAndQuery, headers: headers, certificate: front.pki.client, caFile: front.pki.ca.certificateFile)
    }

    static func workers(_ response: CurlCommand.Response) -> [[String: Any]] { response.json["workers"] as? [[String: Any]] ?? [] }

    static func applicationCode(_ response: CurlCommand.Response) -> Int? {
        ((response.json["response"] as? [String: Any])?["applicationCode"] as? [String: Any])?["code"] as? Int
    }

    static func messageText(_ response: CurlCommand.Response) -> String? {
        let confirm = response.json["confirmMessage"] as? [String: Any]
        let resource = (confirm?["resourceMessages"] as? [[String: Any]])?.first
        let process = (resource?["processMessages"] as? [[String: Any]])?.first
        return (process?["userMessage"] as? [String: Any])?["messageTxt"] as? String
    }

    @Test func aTokenIsIssuedAndWorkersPageToA204() async throws {
        try await withFront { fake, front in
            let issued = try await Self.tokenCall(front)
            #expect(issued.exitCode == 0 && issued.status == 200, "\(issued.standardError) \(issued.text)")
            let token = try #require(issued.json["access_token"] as? String)
            #expect(issued.json["expires_in"] as? Int == 3_600 && issued.json["token_type"] as? String == "Bearer")
            #expect(fake.grantCount == 1)

            var seen: [String] = []
            var skip = 0
            while true {
                let page = try await Self.get(front, "/hr/v2/workers?$top=100&$skip=\(skip)&count=true", token: token)
                if page.status == 204 {
                    #expect(page.body.isEmpty)
                    break
                }
                #expect(page.status == 200)
                #expect((page.json["meta"] as? [String: Any])?["totalNumber"] as? Int == 230)
                let batch = Self.workers(page)
                #expect(batch.count == min(100, 230 - skip))
                seen += batch.compactMap { $0["associateOID"] as? String }
                skip += 100
                try #require(skip <= 400)
            }
            #expect(seen.count == 230 && Set(seen).count == 230)
            #expect(seen == fake.workers.map(\.associateOID))
            #expect(fake.workerRequests.count == 4)
            #expect(fake.workerRequests.allSatisfy { $0.header("roleCode") == "practitioner" })

            let capped = try await Self.get(front, "/hr/v2/workers?$top=500", token: token)
            #expect(Self.workers(capped).count == 100)
            let first = try #require(Self.workers(capped).first)
            let name = (first["person"] as? [String: Any])?["legalName"] as? [String: Any]
            #expect(name?["givenName"] as? String == fake.workers[0].givenName && name?["familyName1"] as? String == fake.workers[0].familyName)
            #expect(((first["workerID"] as? [String: Any])?["idValue"] as? String) == fake.workers[0].workerID)
        }
    }

    @Test func withoutTheCAsClientCertificateTheHandshakeFailsAndTheFakeSeesNothing() async throws {
        try await withFront { fake, front in
            let none = try await Self.tokenCall(front, certificate: .some(nil))
            #expect(none.exitCode != 0 && none.status == 0, "no client certificate: \(none.exitCode) \(none.status)")
            let stranger = try await Self.tokenCall(front, certificate: .some(front.pki.stranger))
            #expect(stranger.exitCode != 0 && stranger.status == 0, "self-signed: \(stranger.exitCode) \(stranger.status)")
            let api = try await CurlCommand.request(
                "GET", front.baseURL + "/hr/v2/workers", headers: ["Authorization": "Bearer \(fake.issueToken())"],
                caFile: front.pki.ca.certificateFile)
            #expect(api.exitCode != 0 && api.status == 0)
            #expect(fake.requests.isEmpty)
            #expect(fake.grantCount == 0)
        }
    }

    @Test func clientAuthenticationIsBasicOrFormAndAWrongSecretIsRefused() async throws {
        try await withFront { fake, front in
            let wrong = try await Self.tokenCall(front, authorization: Self.basic(ADPFake.defaultClientID, "not-the-secret"))
            #expect(wrong.status == 401 && wrong.json["error"] as? String == "invalid_client")
            let unknown = try await Self.tokenCall(front, authorization: Self.basic("someone-else", ADPFake.defaultClientSecret))
            #expect(unknown.status == 401)
            let none = try await Self.tokenCall(front, authorization: nil)
            #expect(none.status == 401)
            let wrongGrant = try await Self.tokenCall(front, form: "grant_type=password")
            #expect(wrongGrant.status == 400 && wrongGrant.json["error"] as? String == "unsupported_grant_type")
            let form =
                "grant_type=client_credentials&client_id=\(ADPFake.defaultClientID)&client_secret=\(ADPFake.defaultClientSecret)"
            let inForm = try await Self.tokenCall(front, form: form, authorization: nil)
            #expect(inForm.status == 200 && inForm.json["access_token"] is String)
            let both = try await Self.tokenCall(front, form: form)
            #expect(both.status == 400)
            #expect(fake.grantCount == 1)
            #expect(fake.tokenRequests.count == 6)
        }
    }

    @Test func anExpiredOrUnknownTokenGetsTheGateways401() async throws {
        try await withFront { fake, front in
            let token = try #require(try await Self.tokenCall(front).json["access_token"] as? String)
            #expect(try await Self.get(front, "/hr/v2/workers?$top=1", token: token).status == 200)
            fake.expireTokens()
            let expired = try await Self.get(front, "/hr/v2/workers?$top=1", token: token)
            #expect(expired.status == 401 && Self.applicationCode(expired) == 401)
            let missing = try await Self.get(front, "/hr/v2/workers", token: nil)
            #expect(missing.status == 401)
            let unknown = try await Self.get(front, "/hr/v2/workers", token: "not-a-token")
            #expect(unknown.status == 401)
            let fresh = try #require(try await Self.tokenCall(front).json["access_token"] as? String)
            #expect(fresh != token)
            #expect(try await Self.get(front, "/hr/v2/workers?$top=1", token: fresh).status == 200)
        }
    }

    @Test func oneWorkerFilterSelectAndADPsErrors() async throws {
        try await withFront { fake, front in
            let token = fake.issueToken()
            let target = fake.workers[7]
            let one = try await Self.get(front, "/hr/v2/workers/\(target.associateOID)", token: token)
            #expect(one.status == 200 && Self.workers(one).count == 1 && Self.workers(one).first?["associateOID"] as? String == target.associateOID)
            let missing = try await Self.get(front, "/hr/v2/workers/G3NOSUCHWORKER", token: token)
            #expect(missing.status == 404 && Self.messageText(missing)?.contains("does not exist") == true)

            let terminated = "workers/workAssignments/assignmentStatus/statusCode/codeValue%20eq%20'T'"
            let filtered = try await Self.get(front, "/hr/v2/workers?$filter=\(terminated)&count=true", token: token)
            #expect((filtered.json["meta"] as? [String: Any])?["totalNumber"] as? Int == 23)
            #expect(Self.workers(filtered).allSatisfy { ($0["workerStatus"] as? [String: Any]).map { "\($0)" }?.contains("Terminated") == true })
            let bad = try await Self.get(front, "/hr/v2/workers?$filter=nonsense", token: token)
            #expect(bad.status == 400 && Self.messageText(bad)?.hasPrefix("Expression expected") == true)

            let selected = try await Self.get(front, "/hr/v2/workers?$top=2&$select=workers/person/legalName/givenName", token: token)
            let first = try #require(Self.workers(selected).first)
            #expect(Set(first.keys) == ["associateOID", "person"])

            fake.injectRateLimit(retryAfter: 7)
            let throttled = try await Self.get(front, "/hr/v2/workers", token: token)
            #expect(throttled.status == 429 && throttled.header("Retry-After") == "7" && Self.applicationCode(throttled) == 429)
            #expect(try await Self.get(front, "/hr/v2/workers?$top=1", token: token).status == 200)

            fake.registerClient(id: "no-hr-consent", secret: "s", canReadWorkers: false)
            let forbidden = try await Self.get(front, "/hr/v2/workers", token: fake.issueToken(clientID: "no-hr-consent"))
            #expect(forbidden.status == 403)
        }
    }
}
