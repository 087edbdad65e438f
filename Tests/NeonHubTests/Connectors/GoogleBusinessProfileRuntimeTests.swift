import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Google Business Profile definition run by the real runtime against the Business Profile
/// fake (four loopback hosts, following Google's references) and the Google OAuth fake: what
/// the catalog sends must be what Google accepts, field by field.
@Suite struct GoogleBusinessProfileRuntimeTests {
    static let connector = "google-business-profile"
    static let account = "108000000000000000002"
    static let location = "2000000000000000001"

    /// Runs `body` with started fakes, a runtime pointed at every Business Profile host and a token.
    func withGBP(_ body: (GoogleBusinessProfileFake, ConnectorRuntime, GoogleOAuthFake.Tokens) async throws -> Void) async throws {
        let oauth = GoogleOAuthFake()
        let fake = GoogleBusinessProfileFake(oauth: oauth)
        try oauth.start()
        try fake.start()
        do {
            let runtime = try GoogleConnectorTestSupport.runtime(Self.connector, base: fake.v4.baseURL, hosts: fake.hosts)
            try await body(fake, runtime, oauth.issueTokens(scopes: [GoogleBusinessProfileFake.scope]))
            await fake.stop()
            await oauth.server.stopWithoutBlocking()
        } catch {
            await fake.stop()
            await oauth.server.stopWithoutBlocking()
            throw error
        }
    }

    func run(
        _ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue] = [:], token: String
    ) async throws -> ConnectorResult {
        try await runtime.execute(ConnectorCall(connector: Self.connector, action: action, input: .object(input))) { _ in .token(token) }
    }

    func failure(_ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue], token: String) async -> ConnectorError? {
        await #expect(throws: ConnectorError.self) { try await run(runtime, action, input, token: token) }
    }

    static var ids: [String: JSONValue] { ["accountId": .string(account), "locationId": .string(location)] }

    @Test func everyLocationOfEveryAccountIsAnAccountOfTheConnection() async throws {
        try await withGBP { fake, runtime, tokens in
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            #expect(catalog[Self.connector]?.definition.accounts?.action == "locations.all")
            let listed = try await run(runtime, "locations.all", token: tokens.accessToken)
            let items = GoogleConnectorTestSupport.items(listed.output)
            #expect(items.compactMap { JSONPath.text($0["id"]) } == ["2000000000000000001", "2000000000000000002", "2000000000000000003"])
            #expect(
                items.compactMap { JSONPath.text($0["accountId"]) } == ["108000000000000000001", Self.account, Self.account],
                "the shared location once, under the first account listing it")
            #expect(items[1]["name"] == .string("Example Coffee — Riverside"))
            #expect(items[1]["location"] == .string("locations/2000000000000000002"))
            #expect(items[1]["accountName"] == .string("Example Coffee Roasters"))
            #expect(items[1]["mapsUri"] == .string("https://maps.google.com/maps?cid=2000000000000000002"))

            // Each API on its own host, with the token; locations.list always sends a readMask.
            let accounts = fake.accountManagement.requests
            #expect(accounts.map(\.path) == ["/v1/accounts"])
            #expect(accounts[0].queryItems == ["pageSize": ["20"]])
            #expect(accounts[0].header("Authorization") == "Bearer \(tokens.accessToken)")
            let locations = fake.businessInformation.requests
            #expect(locations.map(\.path) == ["/v1/accounts/108000000000000000001/locations", "/v1/accounts/\(Self.account)/locations"])
            #expect(
                locations.allSatisfy {
                    $0.queryItems == ["readMask": ["name,title,storefrontAddress,websiteUri,phoneNumbers,metadata"], "pageSize": ["100"]]
                        && $0.method == "GET"
                })
            #expect(fake.v4.requests.isEmpty && fake.performance.requests.isEmpty)

            // Paged by pageToken when a page is smaller than the list.
            let paged = try await run(
                runtime, "locations.list", ["accountId": .string(Self.account), "pageSize": .number(2)], token: tokens.accessToken)
            #expect(paged.pages == 2)
            #expect(GoogleConnectorTestSupport.items(paged.output).count == 3)
            #expect(fake.businessInformation.requests.last?.queryItems["pageToken"] == ["LO.2"])
        }
    }

    @Test func localPostsOfEachTopicTypeSendTheDocumentedBody() async throws {
        try await withGBP { fake, runtime, tokens in
            let schedule: JSONValue = .object([
                "startDate": .object(["year": .number(2026), "month": .number(3), "day": .number(20)]),
                "startTime": .object(["hours": .number(9), "minutes": .number(0)]),
                "endDate": .object(["year": .number(2026), "month": .number(3), "day": .number(20)]),
                "endTime": .object(["hours": .number(17), "minutes": .number(0)]),
            ])
            let posts: [[String: JSONValue]] = [
                [
                    "summary": .string("Spring blend is back!"),
                    "callToAction": .object(["actionType": .string("LEARN_MORE"), "url": .string("https://example.com/spring")]),
                    "media": .array([.object(["mediaFormat": .string("PHOTO"), "sourceUrl": .string("https://example.com/spring.jpg")])]),
                ],
                [
                    "summary": .string("Latte art night"), "topicType": .string("EVENT"),
                    "event": .object(["title": .string("Latte art night"), "schedule": schedule]),
                ],
                [
                    "summary": .string("Buy one, get one"), "topicType": .string("OFFER"),
                    "event": .object(["title": .string("BOGO week"), "schedule": schedule]),
                    "offer": .object([
                        "couponCode": .string("BOGO-26"), "redeemOnlineUrl": .string("https://example.com/redeem"),
                        "termsConditions": .string("One per visit"),
                    ]),
                ],
                ["summary": .string("Closed for a water leak today"), "topicType": .string("ALERT"), "alertType": .string("COVID_19")],
                ["summary": .string("Call us to order"), "callToAction": .object(["actionType": .string("CALL")])],
            ]
            for (index, post) in posts.enumerated() {
                let result = try await run(runtime, "localPosts.create", post.merging(Self.ids) { $1 }, token: tokens.accessToken)
                let sent = try #require(fake.v4.requests.last)
                #expect(sent.method == "POST" && sent.path == "/v4/accounts/\(Self.account)/locations/\(Self.location)/localPosts")
                #expect(sent.header("Content-Type") == "application/json")
                #expect(sent.header("Authorization") == "Bearer \(tokens.accessToken)")
                var expected = post
                expected["languageCode"] = .string("en-US")
                expected["topicType"] = post["topicType"] ?? .string("STANDARD")
                #expect(try JSONValue.parse(sent.body) == .object(expected), "post \(index): no empty members, ids only in the path")
                let name = try #require(JSONPath.text(result.output["id"]))
                #expect(name.hasPrefix("accounts/\(Self.account)/locations/\(Self.location)/localPosts/"))
                #expect(result.output["state"] == .string("LIVE"))
                #expect(JSONPath.text(result.output["url"])?.hasPrefix("https://local.google.com/place?") == true)
                #expect(ConnectorJobHandler.remoteID(result.output) == name)
                #expect(ConnectorJobHandler.remoteURL(result.output, connector: Self.connector) == JSONPath.text(result.output["url"]))
            }
            #expect(fake.posts(location: Self.location).count == posts.count)

            // What Google refuses, our schema refuses first (nothing sent): a topic type, a 1,501-character summary.
            let before = fake.v4.requests.count
            let product = await failure(
                runtime, "localPosts.create", Self.ids.merging(["summary": .string("x"), "topicType": .string("PRODUCT")]) { $1 },
                token: tokens.accessToken)
            #expect(product?.code == .invalidInput)
            let long = await failure(
                runtime, "localPosts.create", Self.ids.merging(["summary": .string(String(repeating: "x", count: 1501))]) { $1 },
                token: tokens.accessToken)
            #expect(long?.code == .invalidInput)
            #expect(fake.v4.requests.count == before)
            // What only Google knows: an EVENT post without its event → 400 INVALID_ARGUMENT, permanent.
            let noEvent = await failure(
                runtime, "localPosts.create", Self.ids.merging(["summary": .string("Party"), "topicType": .string("EVENT")]) { $1 },
                token: tokens.accessToken)
            #expect(noEvent?.code == .providerRejected)
            #expect(noEvent?.providerCode == "INVALID_ARGUMENT")
        }
    }

    @Test func postsArePagedByPageTokenAndDeleted() async throws {
        try await withGBP { fake, runtime, tokens in
            for text in ["First", "Second", "Third"] {
                _ = try await run(runtime, "localPosts.create", Self.ids.merging(["summary": .string(text)]) { $1 }, token: tokens.accessToken)
            }
            let listed = try await run(runtime, "localPosts.list", Self.ids.merging(["pageSize": .number(2)]) { $1 }, token: tokens.accessToken)
            let items = GoogleConnectorTestSupport.items(listed.output)
            #expect(items.compactMap { JSONPath.text($0["summary"]) } == ["Third", "Second", "First"], "newest first, over two pages")
            #expect(listed.pages == 2)
            let gets = fake.v4.requests.filter { $0.method == "GET" }
            #expect(gets.map(\.queryItems) == [["pageSize": ["2"]], ["pageSize": ["2"], "pageToken": ["LP.2"]]])

            let id = try #require(JSONPath.text(items[0]["id"])?.split(separator: "/").last.map(String.init))
            let deleted = try await run(
                runtime, "localPosts.delete", Self.ids.merging(["localPostId": .string(id)]) { $1 }, token: tokens.accessToken)
            #expect(deleted.output == .object([:]))
            let sent = try #require(fake.v4.requests.last)
            #expect(sent.method == "DELETE" && sent.path == "/v4/accounts/\(Self.account)/locations/\(Self.location)/localPosts/\(id)")
            #expect(sent.body.isEmpty)
            #expect(fake.posts(location: Self.location).compactMap { $0["summary"] as? String } == ["First", "Second"])
            let again = await failure(runtime, "localPosts.delete", Self.ids.merging(["localPostId": .string(id)]) { $1 }, token: tokens.accessToken)
            #expect(again?.providerCode == "NOT_FOUND")
        }
    }

    @Test func mediaReviewsAndRepliesFollowTheV4Reference() async throws {
        try await withGBP { fake, runtime, tokens in
            let photo = try await run(
                runtime, "media.create",
                Self.ids.merging([
                    "mediaFormat": .string("PHOTO"), "category": .string("EXTERIOR"), "sourceUrl": .string("https://example.com/storefront.jpg"),
                ]) { $1 }, token: tokens.accessToken)
            let sent = try #require(fake.v4.requests.last)
            #expect(sent.method == "POST" && sent.path == "/v4/accounts/\(Self.account)/locations/\(Self.location)/media")
            #expect(
                try JSONValue.parse(sent.body)
                    == .object([
                        "mediaFormat": .string("PHOTO"), "locationAssociation": .object(["category": .string("EXTERIOR")]),
                        "sourceUrl": .string("https://example.com/storefront.jpg"),
                    ]))
            #expect(JSONPath.text(photo.output["id"]) == fake.mediaNames(location: Self.location).first)
            #expect(JSONPath.text(photo.output["url"])?.hasPrefix("https://lh3.googleusercontent.com/p/") == true)

            let reviews = try await run(
                runtime, "reviews.list", Self.ids.merging(["pageSize": .number(2), "orderBy": .string("rating desc")]) { $1 },
                token: tokens.accessToken)
            let items = GoogleConnectorTestSupport.items(reviews.output)
            #expect(items.compactMap { JSONPath.text($0["rating"]) } == ["FIVE", "FOUR", "THREE"])
            #expect(reviews.pages == 2)
            #expect(reviews.output["totalReviewCount"] == .number(3))
            #expect(reviews.output["averageRating"] == .number(4))
            #expect(fake.v4.requests.last?.queryItems == ["pageSize": ["2"], "orderBy": ["rating desc"], "pageToken": ["RV.2"]])

            let reply = try await run(
                runtime, "reviews.reply", Self.ids.merging(["reviewId": .string("AIe9_Review1"), "comment": .string("Thank you!")]) { $1 },
                token: tokens.accessToken)
            #expect(reply.output["comment"] == .string("Thank you!"))
            let put = try #require(fake.v4.requests.last)
            #expect(put.method == "PUT" && put.path == "/v4/accounts/\(Self.account)/locations/\(Self.location)/reviews/AIe9_Review1/reply")
            #expect(try JSONValue.parse(put.body) == .object(["comment": .string("Thank you!")]))
            #expect(fake.reply(review: "accounts/\(Self.account)/locations/\(Self.location)/reviews/AIe9_Review1") == "Thank you!")
        }
    }

    @Test func dailyMetricsRepeatTheMetricParameterAndLeaveUnsettledDaysEmpty() async throws {
        try await withGBP { fake, runtime, tokens in
            let input: [String: JSONValue] = [
                "locationId": .string(Self.location), "dailyMetrics": .array([.string("WEBSITE_CLICKS"), .string("CALL_CLICKS")]),
                "startYear": .number(2026), "startMonth": .number(2), "startDay": .number(27),
                "endYear": .number(2026), "endMonth": .number(3), "endDay": .number(3),
            ]
            let result = try await run(runtime, "performance.dailyMetrics", input, token: tokens.accessToken)
            let sent = try #require(fake.performance.requests.last)
            #expect(sent.method == "GET" && sent.path == "/v1/locations/\(Self.location):fetchMultiDailyMetricsTimeSeries")
            #expect(
                sent.queryItems == [
                    "dailyMetrics": ["WEBSITE_CLICKS", "CALL_CLICKS"],
                    "dailyRange.start_date.year": ["2026"], "dailyRange.start_date.month": ["2"], "dailyRange.start_date.day": ["27"],
                    "dailyRange.end_date.year": ["2026"], "dailyRange.end_date.month": ["3"], "dailyRange.end_date.day": ["3"],
                ])
            guard case .array(let series) = result.output else {
                Issue.record("not a list: \(result.output)")
                return
            }
            #expect(series.compactMap { JSONPath.text($0["metric"]) } == ["WEBSITE_CLICKS", "CALL_CLICKS"])
            guard case .array(let values)? = series[0]["values"] else {
                Issue.record("no values")
                return
            }
            #expect(values.count == 5)
            let expected = GoogleBusinessProfileFake.value(metric: "WEBSITE_CLICKS", location: Self.location, day: 27)
            #expect(values[0]["value"] == .string(String(expected)), "an int64 as a string, as Google sends it")
            #expect(values[3]["value"] == nil && values[4]["value"] == nil, "the latest days are not settled yet: no value, not zero")
            // The Performance host is separate; nothing went to the v4 host.
            #expect(fake.v4.requests.isEmpty)
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceAndGooglesErrorsAreClassified() async throws {
        try await withGBP { fake, runtime, tokens in
            fake.oauth.expire(accessToken: tokens.accessToken)
            let source = try GoogleConnectorTestSupport.credentials(Self.connector, oauth: fake.oauth, tokens: tokens)
            let listed = try await runtime.execute(
                ConnectorCall(connector: Self.connector, action: "localPosts.list", input: .object(Self.ids)), credentials: source)
            #expect(GoogleConnectorTestSupport.items(listed.output).isEmpty)
            #expect(fake.oauth.refreshCount == 1)
            let sent = fake.v4.requests
            #expect(sent.count == 2)
            #expect(sent[0].header("Authorization") == "Bearer \(tokens.accessToken)")
            #expect(sent[1].header("Authorization") != sent[0].header("Authorization"))

            // Without a refresh the 401 is final: an auth error, the token nowhere in it.
            let refused = await failure(runtime, "localPosts.list", Self.ids, token: tokens.accessToken)
            #expect(refused?.code == .providerAuth)
            #expect(refused?.providerCode == "UNAUTHENTICATED")
            #expect(refused?.message.contains(tokens.accessToken) == false)

            let token = fake.oauth.issueTokens(scopes: [GoogleBusinessProfileFake.scope]).accessToken
            // 429 RESOURCE_EXHAUSTED after the location's edits per minute: rate limited, no reset time invented.
            fake.editsPerMinute = 1
            fake.editWindowSeconds = 3600  // the limit must not depend on how fast a loaded machine runs the calls
            _ = try await run(runtime, "localPosts.create", Self.ids.merging(["summary": .string("One")]) { $1 }, token: token)
            let limited = await failure(runtime, "localPosts.create", Self.ids.merging(["summary": .string("Two")]) { $1 }, token: token)
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "RESOURCE_EXHAUSTED")
            #expect(limited?.retryAfterSeconds == nil)
            #expect(fake.posts(location: Self.location).count == 1, "the refused post was not created")
            // 403 on an account the user does not manage.
            let foreign = await failure(runtime, "locations.list", ["accountId": .string("999")], token: token)
            #expect(foreign?.code == .providerRejected)
            #expect(foreign?.providerCode == "PERMISSION_DENIED")
            // 503 on a read: retried until it answers.
            fake.failNext(.unavailable)
            let recovered = try await run(runtime, "accounts.list", token: token)
            #expect(recovered.attempts >= 2)
            // The catalog's window is what the queue budgets by: 300 a minute.
            let rateLimit = try #require(runtime.catalog[Self.connector]?.definition.rateLimit)
            #expect(rateLimit.requests == 300 && rateLimit.per == "PT1M")
        }
    }

    @Test func anAgentRunReadsReviewsThroughTheConnectorActionTool() async throws {
        try await withGBP { fake, runtime, tokens in
            let actions = RuntimeConnectorActions(runtime: runtime, token: tokens.accessToken, connector: Self.connector)
            let toolbox = RecordingToolbox(
                tenantID: "tenant-gbp",
                answers: [
                    #"{"tool":"connector.action","input":{"connector":"google-business-profile","action":"reviews.list","input":{"accountId":"108000000000000000002","locationId":"2000000000000000001","orderBy":"rating"}}}"#,
                    #"{"final":"The lowest rating this month is three stars."}"#,
                ])
            let assistant = try #require(AgentCatalog.agents(connectorActions: actions).first { $0 is AssistantAgent })
            let answer = try await assistant.run(
                .object(["question": .string("What is our worst recent review?")]), intent: "ask", toolbox: toolbox)
            #expect(answer["answer"] == .string("The lowest rating this month is three stars."))
            let calls = toolbox.calls.filter { $0.tool == "connector.action" }
            #expect(calls.count == 1)
            #expect(calls.first?.error == nil)
            #expect(calls.first?.output?["totalReviewCount"] == .number(3), "the run recorded what the connector read")
            #expect(fake.v4.requests.map(\.path) == ["/v4/accounts/\(Self.account)/locations/\(Self.location)/reviews"])
            #expect(fake.v4.requests.first?.queryItems["orderBy"] == ["rating"])
        }
    }
}
