import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// Every way a request authenticates (header, `connectionParams`, the NextAuth session cookie)
/// and every way it is refused, over a real socket — as a browser's `EventSource` under
/// tRPC v11's `httpSubscriptionLink` sends them: no `Authorization` header.
@Suite struct TRPCHandlerAuthTests {
    static let appOrigin = "http://app.test"
    let nextAuth: AuthFixtures.NextAuthFixture

    init() throws { nextAuth = try AuthFixtures.nextAuthFixture() }

    func configure(_ config: inout AppConfig) {
        config.jwtSecret = testJWTSecret
        config.nextAuthSecret = nextAuth.secret
        config.corsOrigins = [Self.appOrigin, "http://other.test"]
    }

    @Sendable func register(_ registry: ProcedureRegistry) {
        registry.subscription("test.whoamiEvents", auth: .user, summary: "The caller, as one event", input: NoInput.self) { _, context, _ in
            let who = try context.requireIdentity()
            return AsyncThrowingStream { continuation in
                continuation.yield((id: "1", event: SystemProcedures.WhoAmI(subject: who.subject, tenantId: who.tenantID, role: who.role.rawValue)))
                continuation.finish()
            }
        }
        registry.mutation("test.touch", auth: .user, summary: "A write", input: NoInput.self) { _, context in
            _ = try context.requireIdentity()
            return NoOutput()
        }
    }

    // MARK: - Requests as the browser sends them

    /// `encodeURIComponent`, as `httpSubscriptionLink` applies it to `JSON.stringify(params)`.
    static func encodeURIComponent(_ text: String) -> String {
        var unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        unreserved.insert(charactersIn: "-_.!~*'()")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved)!
    }

    /// The subscription URL `httpSubscriptionLink` builds: `connectionParams` first, then `input`.
    static func subscriptionPath(
        _ procedure: String = "test.whoamiEvents", params: [String: String]? = nil, rawParams: String? = nil,
        input: String? = nil
    ) throws -> String {
        var query: [String] = []
        if let params {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: params, options: .sortedKeys), as: UTF8.self)
            query.append("connectionParams=" + encodeURIComponent(json))
        }
        if let rawParams { query.append("connectionParams=" + encodeURIComponent(rawParams)) }
        if let input { query.append("input=" + encodeURIComponent(input)) }
        return "/trpc/\(procedure)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    /// The `Cookie` and `Origin` headers of a credentialed `EventSource` from `origin`.
    static func cookieHeaders(_ cookie: String, origin: String? = appOrigin) -> [String: String] {
        var headers = ["Cookie": "theme=dark; " + cookie, "Accept": "text/event-stream"]
        if let origin { headers["Origin"] = origin }
        return headers
    }

    /// The identity carried by the subscription's one event.
    static func who(_ reply: HTTPTestClient.Reply) -> [String: Any]? {
        reply.text.components(separatedBy: "\n").filter { $0.hasPrefix("data: {\"") }
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any] }.first
    }

    /// Checks an UNAUTHORIZED answer in the envelope, with the challenge; returns its message.
    @discardableResult
    static func expectRefused(_ reply: HTTPTestClient.Reply, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        #expect(reply.status == 401, sourceLocation: sourceLocation)
        #expect(reply.header("www-authenticate") == #"Bearer error="invalid_token""#, sourceLocation: sourceLocation)
        #expect(errorCode(try reply.json()) == "UNAUTHORIZED", sourceLocation: sourceLocation)
        #expect(!reply.text.contains("event: connected"), sourceLocation: sourceLocation)
        return (try reply.json()["error"] as? [String: Any])?["message"] as? String ?? ""
    }

    // MARK: - Tokens

    static func nowSeconds() -> Int { Int(Date().timeIntervalSince1970) }

    static func hs256(claims: String, header: String = #"{"alg":"HS256","typ":"JWT"}"#, secret: String = testJWTSecret) -> String {
        AuthFixtures.signed(header: header, claims: claims, secret: secret)
    }

    static func userClaims(exp: Int = nowSeconds() + 600) -> String {
        #"{"sub":"user-1","tenantId":"tenant-p","role":"user","exp":\#(exp)}"#
    }

    static func unsignedAlgNone(claims: String = userClaims()) -> String {
        Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + Base64URL.encode(Array(claims.utf8)) + "."
    }

    // MARK: - Accepted

    @Test func theHeaderStillAuthenticatesASubscription() async throws {
        try await withTestApp(configure, procedures: register) { _, client in
            let reply = try await client.get(try Self.subscriptionPath(), headers: ["Authorization": "Bearer \(signedToken(tenant: "tenant-h"))"])
            #expect(reply.status == 200)
            #expect(Self.who(reply)?["tenantId"] as? String == "tenant-h")
        }
    }

    @Test func connectionParamsTokenAuthenticatesWithNoHeaderAtAll() async throws {
        try await withTestApp(configure, procedures: register) { _, client in
            let hs256 = try await client.get(try Self.subscriptionPath(params: ["token": Self.hs256(claims: Self.userClaims())]))
            #expect(hs256.status == 200)
            #expect(hs256.header("content-type") == "text/event-stream")
            #expect(Self.who(hs256)?["tenantId"] as? String == "tenant-p")
            // The NextAuth session token (JWE) goes the same way.
            let session = try await client.get(try Self.subscriptionPath(params: ["token": nextAuth.withTenant.token]))
            #expect(Self.who(session)?["tenantId"] as? String == "tenant-7")
            #expect(Self.who(session)?["role"] as? String == "admin")
        }
    }

    @Test func connectionParamsAuthorizationAuthenticatesAlongsideOtherParams() async throws {
        try await withTestApp(configure, procedures: register) { _, client in
            let path = try Self.subscriptionPath(params: ["authorization": "Bearer \(signedToken(tenant: "tenant-q"))", "locale": "en"], input: "{}")
            let reply = try await client.get(path)
            #expect(reply.status == 200)
            #expect(Self.who(reply)?["tenantId"] as? String == "tenant-q")
            // `null` is "no params" (the link sends it when the callback returns null): anonymous.
            try Self.expectRefused(try await client.get(try Self.subscriptionPath(rawParams: "null")))
        }
    }

    @Test func sessionCookieAuthenticatesASubscriptionFromAListedOrigin() async throws {
        try await withTestApp(configure, procedures: register) { _, client in
            let reply = try await client.get(
                try Self.subscriptionPath(), headers: Self.cookieHeaders("next-auth.session-token=\(nextAuth.withTenant.token)"))
            #expect(reply.status == 200)
            #expect(Self.who(reply)?["tenantId"] as? String == "tenant-7")
            #expect(reply.header("access-control-allow-origin") == Self.appOrigin)
            #expect(reply.header("access-control-allow-credentials") == "true")
            #expect(reply.header("cache-control") == "private, no-store, no-transform")
            // A query is read-only too; so is the secure cookie name.
            let query = try await client.get(
                "/trpc/system.whoami", headers: Self.cookieHeaders("__Secure-next-auth.session-token=\(nextAuth.withTenant.token)"))
            #expect(query.status == 200)
            #expect((resultData(try query.json())?["tenantId"] as? String) == "tenant-7")
        }
    }

    @Test func chunkedSessionCookieAuthenticates() async throws {
        // Big enough that NextAuth splits it (3 933 characters a chunk).
        let claims =
            #"{"sub":"user-big","tenantId":"tenant-big","exp":\#(Self.nowSeconds() + 600),"picture":"\#(String(repeating: "p", count: 6000))"}"#
        let token = try AuthFixtures.sessionToken(claims: claims, secret: nextAuth.secret)
        var chunks: [String] = []
        var rest = Substring(token)
        while !rest.isEmpty { chunks.append(String(rest.prefix(3933))); rest = rest.dropFirst(3933) }
        #expect(chunks.count == 3)
        // Sent out of order, as a browser may.
        let cookie = chunks.indices.reversed().map { "__Secure-next-auth.session-token.\($0)=\(chunks[$0])" }.joined(separator: "; ")
        try await withTestApp(configure, procedures: register) { _, client in
            let reply = try await client.get(try Self.subscriptionPath(), headers: Self.cookieHeaders(cookie))
            #expect(reply.status == 200)
            #expect(Self.who(reply)?["tenantId"] as? String == "tenant-big")
        }
    }

    /// The issue's "done when": a browser's subscription to a real run, with no Authorization
    /// header — once with `connectionParams`, once with the session cookie — gets the run's events.
    @Test func aRunsEventsReachSubscriptionsOpenedWithoutAnAuthorizationHeader() async throws {
        let session = try AuthFixtures.sessionToken(
            claims: #"{"sub":"user-1","tenantId":"tenant-a","name":"Ada","exp":\#(Self.nowSeconds() + 600)}"#, secret: nextAuth.secret)
        try await withDatabaseApp({ configure(&$0) }) { _, client in
            let (_, envelope) = try await client.mutation(
                "agents.run", ["agent": "seo", "input": ["content": "Short text about pricing pages.", "primaryKeyword": "pricing"]])
            let runID = try #require(resultData(envelope)?["runId"] as? String)
            let input = #"{"runId":"\#(runID)"}"#
            let viaParams = try await client.get(
                try Self.subscriptionPath("agents.onRunEvent", params: ["token": signedToken(tenant: "tenant-a")], input: input))
            let viaCookie = try await client.get(
                try Self.subscriptionPath("agents.onRunEvent", input: input),
                headers: Self.cookieHeaders("next-auth.session-token=\(session)"))
            for reply in [viaParams, viaCookie] {
                #expect(reply.status == 200)
                let events = reply.text.components(separatedBy: "\n").filter { $0.hasPrefix("data: {\"") }
                    .compactMap { try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any] }
                #expect(events.allSatisfy { $0["runId"] as? String == runID })
                #expect(events.first?["status"] as? String == "running")
                #expect(events.last?["status"] as? String == "succeeded")
                #expect(events.contains { $0["type"] as? String == "tool" })
                #expect(reply.text.hasSuffix("event: return\ndata: \n\n"))
            }
        }
    }

    // MARK: - Refused

    @Test func expiredTokensAreRefusedEveryWay() async throws {
        let past = Self.nowSeconds() - 3600
        let expiredSession = try AuthFixtures.sessionToken(claims: #"{"sub":"u","tenantId":"t","exp":\#(past)}"#, secret: nextAuth.secret)
        try await withTestApp(configure, procedures: register) { _, client in
            let viaToken = try await client.get(try Self.subscriptionPath(params: ["token": Self.hs256(claims: Self.userClaims(exp: past))]))
            #expect(try Self.expectRefused(viaToken).contains("expired"))
            let viaAuthorization = try await client.get(try Self.subscriptionPath(params: ["authorization": "Bearer \(expiredSession)"]))
            #expect(try Self.expectRefused(viaAuthorization).contains("expired"))
            let viaCookie = try await client.get(
                try Self.subscriptionPath(), headers: Self.cookieHeaders("next-auth.session-token=\(expiredSession)"))
            #expect(try Self.expectRefused(viaCookie).contains("expired"))
        }
    }

    @Test func wrongSignaturesAreRefusedEveryWay() async throws {
        let forged = Self.hs256(claims: Self.userClaims(), secret: "another-secret-that-is-32-bytes-long!!")
        let otherSession = try AuthFixtures.sessionToken(
            claims: #"{"sub":"u","exp":\#(Self.nowSeconds() + 600)}"#,
            secret: "a-different-nextauth-secret-0123456789")
        try await withTestApp(configure, procedures: register) { _, client in
            #expect(try Self.expectRefused(try await client.get(try Self.subscriptionPath(params: ["token": forged]))).contains("invalid signature"))
            #expect(
                try Self.expectRefused(try await client.get(try Self.subscriptionPath(params: ["token": otherSession]))).contains("decryption failed")
            )
            let cookie = try await client.get(try Self.subscriptionPath(), headers: Self.cookieHeaders("next-auth.session-token=\(otherSession)"))
            #expect(try Self.expectRefused(cookie).contains("decryption failed"))
        }
    }

    @Test func algNoneIsRefusedEveryWay() async throws {
        let none = Self.unsignedAlgNone()
        try await withTestApp(configure, procedures: register) { _, client in
            #expect(
                try Self.expectRefused(try await client.get(try Self.subscriptionPath(params: ["token": none]))).contains("unsupported algorithm"))
            let authorization = try await client.get(try Self.subscriptionPath(params: ["authorization": "Bearer \(none)"]))
            #expect(try Self.expectRefused(authorization).contains("unsupported algorithm"))
            let cookie = try await client.get(try Self.subscriptionPath(), headers: Self.cookieHeaders("next-auth.session-token=\(none)"))
            #expect(try Self.expectRefused(cookie).contains("unsupported algorithm"))
        }
    }

    @Test func theCookieNeverAuthenticatesAMutation() async throws {
        try await withTestApp(configure, procedures: register) { _, client in
            var headers = Self.cookieHeaders("next-auth.session-token=\(nextAuth.withTenant.token)")
            headers["Content-Type"] = "application/json"
            let write = try await client.request("POST", "/trpc/test.touch", headers: headers, body: Data("{}".utf8))
            #expect(try Self.expectRefused(write) == "Authentication required")
            // The same cookie on a read is good, and the same write with the header is too.
            #expect(
                try await client.get("/trpc/system.whoami", headers: Self.cookieHeaders("next-auth.session-token=\(nextAuth.withTenant.token)"))
                    .status == 200)
            headers["Authorization"] = "Bearer \(nextAuth.withTenant.token)"
            #expect(try await client.request("POST", "/trpc/test.touch", headers: headers, body: Data("{}".utf8)).status == 200)
        }
    }

    @Test func theCookieCountsOnlyFromAnOriginListedByName() async throws {
        let cookie = "next-auth.session-token=\(nextAuth.withTenant.token)"
        try await withTestApp(configure, procedures: register) { _, client in
            let path = try Self.subscriptionPath()
            try Self.expectRefused(try await client.get(path, headers: Self.cookieHeaders(cookie, origin: "http://evil.test")))
            try Self.expectRefused(try await client.get(path, headers: Self.cookieHeaders(cookie, origin: "null")))
            try Self.expectRefused(try await client.get(path, headers: Self.cookieHeaders(cookie, origin: "http://app.test:8080")))
            // No Origin: a same-origin load, a navigation, an <img>/<script> from anywhere, or a non-browser.
            try Self.expectRefused(try await client.get(path, headers: Self.cookieHeaders(cookie, origin: nil)))
            // The second listed origin is as good as the first.
            #expect(try await client.get(path, headers: Self.cookieHeaders(cookie, origin: "http://other.test")).status == 200)
        }
        // `*` lets any origin read with a header, never with a cookie.
        try await withTestApp(
            {
                configure(&$0); $0.corsOrigins = ["*"]
            }, procedures: register
        ) { _, client in
            let reply = try await client.get(try Self.subscriptionPath(), headers: Self.cookieHeaders(cookie))
            try Self.expectRefused(reply)
        }
    }

    @Test func withoutNextAuthSecretTheCookieIsIgnored() async throws {
        try await withTestApp(
            {
                configure(&$0); $0.nextAuthSecret = nil
            }, procedures: register
        ) { _, client in
            let reply = try await client.get(
                try Self.subscriptionPath(), headers: Self.cookieHeaders("next-auth.session-token=\(nextAuth.withTenant.token)"))
            #expect(try Self.expectRefused(reply) == "Authentication required")
        }
    }

    @Test func anExplicitTokenWinsOverTheCookieAndTwoExplicitTokensAreABadRequest() async throws {
        try await withTestApp(configure, procedures: register) { _, client in
            var headers = Self.cookieHeaders("next-auth.session-token=\(nextAuth.withTenant.token)")
            let viaParams = try await client.get(try Self.subscriptionPath(params: ["token": signedToken(tenant: "tenant-x")]), headers: headers)
            #expect(Self.who(viaParams)?["tenantId"] as? String == "tenant-x")
            // A bad explicit token is refused even though the cookie is good.
            try Self.expectRefused(try await client.get(try Self.subscriptionPath(params: ["token": Self.unsignedAlgNone()]), headers: headers))
            headers["Authorization"] = "Bearer \(signedToken(tenant: "tenant-y"))"
            let both = try await client.get(try Self.subscriptionPath(params: ["token": signedToken(tenant: "tenant-x")]), headers: headers)
            #expect(both.status == 400)
            #expect(errorCode(try both.json()) == "BAD_REQUEST")
        }
    }

    @Test(arguments: ["{not json", #"["token"]"#, #"{"token":42}"#, #""token""#])
    func malformedConnectionParamsAreAParseErrorInTheEnvelope(raw: String) async throws {
        try await withTestApp(configure, procedures: register) { _, client in
            let reply = try await client.get(try Self.subscriptionPath(rawParams: raw))
            #expect(reply.status == 400)
            #expect(reply.header("content-type") == "application/json")
            let error = try #require(try reply.json()["error"] as? [String: Any])
            #expect(error["code"] as? Int == -32700)
            #expect((error["data"] as? [String: Any])?["code"] as? String == "PARSE_ERROR")
            #expect((error["data"] as? [String: Any])?["httpStatus"] as? Int == 400)
        }
    }

    @Test func connectionParamsAreReadOnlyOnSubscriptions() async throws {
        try await withTestApp(configure, procedures: register) { _, client in
            // A query ignores them: no token in the URL of a cacheable read, and no 400 either.
            let query = try await client.get(try Self.subscriptionPath("system.whoami", params: ["token": signedToken()]))
            #expect(try Self.expectRefused(query) == "Authentication required")
            #expect(try await client.get(try Self.subscriptionPath("system.ping", rawParams: "{not json")).status == 200)
        }
    }

    // MARK: - A token in a URL stays out of logs, metrics and error messages

    @Test func tokensInConnectionParamsNeverReachTheLogMetricsOrErrors() async throws {
        let logs = LogCapture()
        let good = signedToken(tenant: "tenant-log")
        let forged = Self.hs256(claims: Self.userClaims(), secret: "another-secret-that-is-32-bytes-long!!")
        let secrets = [good, forged, nextAuth.withTenant.token, "sekrit-\(UUID().uuidString)"]
        try await withTestApp(configure, procedures: register, logger: logs.logger()) { _, client in
            var bodies: [String] = []
            bodies.append(try await client.get(try Self.subscriptionPath(params: ["token": good])).text)
            bodies.append(try await client.get(try Self.subscriptionPath(params: ["authorization": "Bearer \(forged)"])).text)
            bodies.append(try await client.get(try Self.subscriptionPath(rawParams: #"{"token":"\#(secrets[3])""#)).text)  // malformed
            bodies.append(try await client.get(try Self.subscriptionPath(rawParams: #"{"token":"\#(secrets[3])","n":1}"#)).text)
            bodies.append(
                try await client.get(
                    try Self.subscriptionPath(params: ["token": nextAuth.withTenant.token]),
                    headers: ["Authorization": "Bearer \(good)"]
                ).text)  // twice
            bodies.append(try await client.get("/trpc/no.such?connectionParams=" + Self.encodeURIComponent(#"{"token":"\#(good)"}"#)).text)
            bodies.append(try await client.get("/nowhere?connectionParams=" + Self.encodeURIComponent(#"{"token":"\#(good)"}"#)).text)
            let metrics = try await client.get("/metrics").text
            let logged = logs.text
            // The access log did record these requests (so the check below is not vacuous).
            #expect(logged.components(separatedBy: "\n").filter { $0.contains("request") && $0.contains("status=") }.count >= 7)
            for secret in secrets {
                #expect(!logged.contains(secret))
                #expect(!metrics.contains(secret))
                for body in bodies { #expect(!body.contains(secret)) }
            }
            #expect(!logged.contains("connectionParams"))
            #expect(!metrics.contains("connectionParams"))
        }
    }
}
