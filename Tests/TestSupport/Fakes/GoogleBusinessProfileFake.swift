// A fake of the Google Business Profile APIs on loopback — four servers, as on the real hosts —
// that follows Google's documentation, not what our connector definition assumes:
//
// - Account Management API accounts.list (GET /v1/accounts; pageSize "default and maximum is
//   20", pageToken, parentAccount, filter; the personal account first):
//   https://developers.google.com/my-business/reference/accountmanagement/rest/v1/accounts/list
// - Business Information API accounts.locations.list (GET /v1/{parent=accounts/*}/locations;
//   readMask REQUIRED, pageSize default 10, minimum 1, maximum 100; names are locations/{id}):
//   https://developers.google.com/my-business/reference/businessinformation/rest/v1/accounts.locations/list
// - My Business API v4 local posts (create, list — pageSize default 20, at most 100 —, delete
//   answering an empty body; LocalPost fields languageCode, summary, callToAction {actionType,
//   url}, event {title, schedule {startDate, startTime, endDate, endTime}}, offer {couponCode,
//   redeemOnlineUrl, termsConditions}, media [{mediaFormat, sourceUrl}], topicType STANDARD /
//   EVENT / OFFER / ALERT, alertType; output name, state, searchUrl, createTime, updateTime;
//   "event: Required for topic types EVENT and OFFER"; callToAction "Ignored for topic type
//   OFFER"; the url is left unset for CALL):
//   https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts
//   and the guide https://developers.google.com/my-business/content/posts-data
// - v4 media.create (MediaItem mediaFormat, locationAssociation.category, sourceUrl,
//   description; answers name and googleUrl):
//   https://developers.google.com/my-business/reference/rest/v4/accounts.locations.media/create
// - v4 reviews.list (pageSize at most 50, orderBy "updateTime desc" / "rating" / "rating desc";
//   averageRating, totalReviewCount, nextPageToken) and reviews.updateReply (PUT …/reply with
//   {comment}): https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews
// - Performance API locations.fetchMultiDailyMetricsTimeSeries (GET
//   /v1/{location=locations/*}:fetchMultiDailyMetricsTimeSeries, repeated dailyMetrics,
//   dailyRange start/end dates inclusive; answer multiDailyMetricTimeSeries[].dailyMetricTimeSeries[]
//   {dailyMetric, timeSeries.datedValues[{date, value}]}, value an int64 string "not present
//   when the value is zero"; days close to the request date may still be missing):
//   https://developers.google.com/my-business/reference/performance/rest/v1/locations/fetchMultiDailyMetricsTimeSeries
//   and https://developers.google.com/my-business/reference/performance/rest/v1/TimeSeries
// - Limits: 300 QPM per project per API and 10 edits per minute per location, over them 429
//   RESOURCE_EXHAUSTED (no Retry-After): https://developers.google.com/my-business/content/limits
// - Scope business.manage; the error shape and credential errors: GoogleAPIError.swift; v4
//   validation failures carry google.mybusiness.v4.ValidationError details.

import Foundation
import HTTPFields
import Synchronization

/// The Business Profile APIs on loopback: `accountManagement`, `businessInformation`, `v4`
/// (local posts, media, reviews) and `performance`, one server each. Knobs: `failNext(_:calls:)`,
/// `answerNextPostLate(after:create:)`, `editsPerMinute`, `dataDelayDays`; readings: `posts(location:)`.
public final class GoogleBusinessProfileFake: Sendable {
    /// A Business Profile account and the locations it lists.
    public struct Account: Sendable {
        /// The numeric id (`accounts/{id}`).
        public var id: String
        /// `accountName`.
        public var accountName: String
        /// `PERSONAL`, `LOCATION_GROUP`, `USER_GROUP` or `ORGANIZATION`.
        public var type: String
        /// The numeric ids of its locations.
        public var locationIDs: [String]

        /// An account.
        public init(id: String, accountName: String, type: String, locationIDs: [String]) {
            self.id = id
            self.accountName = accountName
            self.type = type
            self.locationIDs = locationIDs
        }
    }

    /// A location (Business Information API).
    public struct Location: Sendable {
        /// The numeric id (`locations/{id}`).
        public var id: String
        /// `title`.
        public var title: String
        /// `websiteUri`.
        public var websiteUri: String

        /// A location.
        public init(id: String, title: String, websiteUri: String) {
            self.id = id
            self.title = title
            self.websiteUri = websiteUri
        }
    }

    /// Two accounts (a personal one and a location group), three locations, one shared.
    public static let defaultAccounts = [
        Account(id: "108000000000000000001", accountName: "Avery Example", type: "PERSONAL", locationIDs: ["2000000000000000001"]),
        Account(
            id: "108000000000000000002", accountName: "Example Coffee Roasters", type: "LOCATION_GROUP",
            locationIDs: ["2000000000000000001", "2000000000000000002", "2000000000000000003"]),
    ]
    /// The locations of the default accounts.
    public static let defaultLocations = [
        Location(id: "2000000000000000001", title: "Example Coffee — Downtown", websiteUri: "https://example.com"),
        Location(id: "2000000000000000002", title: "Example Coffee — Riverside", websiteUri: "https://example.com/riverside"),
        Location(id: "2000000000000000003", title: "Example Coffee — Airport", websiteUri: "https://example.com/airport"),
    ]
    /// The scope every Business Profile method takes.
    public static let scope = "https://www.googleapis.com/auth/business.manage"
    /// The daily metrics the Performance API knows.
    public static let dailyMetrics: Set<String> = [
        "BUSINESS_IMPRESSIONS_DESKTOP_MAPS", "BUSINESS_IMPRESSIONS_DESKTOP_SEARCH", "BUSINESS_IMPRESSIONS_MOBILE_MAPS",
        "BUSINESS_IMPRESSIONS_MOBILE_SEARCH", "BUSINESS_CONVERSATIONS", "BUSINESS_DIRECTION_REQUESTS", "CALL_CLICKS", "WEBSITE_CLICKS",
        "BUSINESS_BOOKINGS", "BUSINESS_FOOD_ORDERS", "BUSINESS_FOOD_MENU_CLICKS",
    ]
    static let locationFields: Set<String> = [
        "name", "languageCode", "storeCode", "title", "phoneNumbers", "categories", "storefrontAddress", "websiteUri", "regularHours",
        "specialHours", "serviceArea", "labels", "adWordsLocationExtensions", "latlng", "openInfo", "metadata", "profile", "relationshipData",
        "moreHours", "serviceItems",
    ]
    static let postFields: Set<String> = [
        "name", "languageCode", "summary", "callToAction", "createTime", "updateTime", "event", "state", "media", "searchUrl", "topicType",
        "alertType", "offer",
    ]
    static let actionTypes: Set<String> = ["BOOK", "ORDER", "SHOP", "LEARN_MORE", "SIGN_UP", "GET_OFFER", "CALL"]
    static let categories: Set<String> = [
        "COVER", "PROFILE", "LOGO", "EXTERIOR", "INTERIOR", "PRODUCT", "AT_WORK", "FOOD_AND_DRINK", "MENU", "COMMON_AREA", "ROOMS", "TEAMS",
        "ADDITIONAL",
    ]

    private struct State: Sendable {
        var posts: [String: [Data]] = [:]  // location id → posts (JSON), oldest first
        var media: [String: [String]] = [:]
        var replies: [String: String] = [:]
        var nextID = 1_000_000_000_000_000_001
        var latePosts: [(create: Bool, delay: Duration)] = []
        var edits: [String: [Date]] = [:]
        var editsPerMinute = 10
        var editWindow: TimeInterval = 60
        var dataDelayDays = 2
    }

    /// `https://mybusinessaccountmanagement.googleapis.com` on loopback.
    public let accountManagement = FakeProviderServer()
    /// `https://mybusinessbusinessinformation.googleapis.com` on loopback.
    public let businessInformation = FakeProviderServer()
    /// `https://mybusiness.googleapis.com` (v4) on loopback.
    public let v4 = FakeProviderServer()
    /// `https://businessprofileperformance.googleapis.com` on loopback.
    public let performance = FakeProviderServer()
    /// The token server whose access tokens are accepted.
    public let oauth: GoogleOAuthFake
    /// The accounts the user manages.
    public let accounts: [Account]
    /// Every location.
    public let locations: [Location]
    /// The fake's "today" for the Performance API (UTC calendar date, 3 March 2026).
    let today = DateComponents(year: 2026, month: 3, day: 3)

    private let state = Mutex(State())
    private let faults = ScriptedFaults<GoogleAPIError>()

    /// A fake of `accounts`, accepting the tokens `oauth` issues.
    public init(oauth: GoogleOAuthFake, accounts: [Account] = defaultAccounts, locations: [Location] = defaultLocations) {
        self.oauth = oauth
        self.accounts = accounts
        self.locations = locations
        accountManagement.onEveryRequest { [weak self] in
            self?.handle($0, service: "mybusinessaccountmanagement.googleapis.com") ?? GoogleAPIError.unavailable.reply
        }
        businessInformation.onEveryRequest { [weak self] in
            self?.handle($0, service: "mybusinessbusinessinformation.googleapis.com") ?? GoogleAPIError.unavailable.reply
        }
        v4.onEveryRequest { [weak self] in self?.handle($0, service: "mybusiness.googleapis.com") ?? GoogleAPIError.unavailable.reply }
        performance.onEveryRequest { [weak self] in
            self?.handle($0, service: "businessprofileperformance.googleapis.com") ?? GoogleAPIError.unavailable.reply
        }
    }

    /// Starts the four servers.
    public func start() throws {
        for server in [accountManagement, businessInformation, v4, performance] { try server.start() }
    }

    /// Stops the four servers without blocking the cooperative pool.
    public func stop() async {
        for server in [accountManagement, businessInformation, v4, performance] { await server.stopWithoutBlocking() }
    }

    /// The declared hosts of the definition mapped to the fake's servers (for `actionBaseURLOverrides`).
    public var hosts: [String: String] {
        [
            "https://mybusinessaccountmanagement.googleapis.com": accountManagement.baseURL,
            "https://mybusinessbusinessinformation.googleapis.com": businessInformation.baseURL,
            "https://businessprofileperformance.googleapis.com": performance.baseURL,
        ]
    }

    // MARK: - Knobs and readings

    /// The next `calls` authenticated requests (any host) answer `error`.
    public func failNext(_ error: GoogleAPIError, calls: Int = 1) { faults.add(error, calls: calls) }

    /// The next local post is answered only after `delay` (a client timing out first); with
    /// `create` it is created all the same (the answer is lost, the post exists).
    public func answerNextPostLate(after delay: Duration, create: Bool) { state.withLock { $0.latePosts.append((create, delay)) } }

    /// Edits (creates, deletes, replies, media) a location accepts per minute (Google: 10).
    public var editsPerMinute: Int {
        get { state.withLock { $0.editsPerMinute } }
        set { state.withLock { $0.editsPerMinute = newValue } }
    }

    /// The window `editsPerMinute` counts in, in seconds (Google: 60). Tests lengthen it so a
    /// loaded machine cannot let the window pass between two calls.
    public var editWindowSeconds: Double {
        get { state.withLock { $0.editWindow } }
        set { state.withLock { $0.editWindow = newValue } }
    }

    /// The latest days, up to `today`, whose metrics have not settled yet (no value).
    public var dataDelayDays: Int {
        get { state.withLock { $0.dataDelayDays } }
        set { state.withLock { $0.dataDelayDays = newValue } }
    }

    /// The local posts of `location` that exist, oldest first (as JSON objects).
    public func posts(location: String) -> [[String: Any]] {
        state.withLock { $0.posts[location] ?? [] }.compactMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] }
    }

    /// The media item names created at `location`.
    public func mediaNames(location: String) -> [String] { state.withLock { $0.media[location] ?? [] } }

    /// The reply stored for a review name.
    public func reply(review: String) -> String? { state.withLock { $0.replies[review] } }

    /// Every request to any host.
    public var requests: [FakeProviderServer.RecordedRequest] {
        accountManagement.requests + businessInformation.requests + v4.requests + performance.requests
    }

    // MARK: - Dispatch

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    private func handle(_ request: Request, service: String) -> Reply {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        if let refused = GoogleAPIError.authenticate(request, oauth: oauth, scopes: [Self.scope], service: service) { return refused.reply }
        if let fault = faults.take() { return fault.reply }
        switch (service, request.method, segments.count) {
        case ("mybusinessaccountmanagement.googleapis.com", "GET", 2) where segments == ["v1", "accounts"]:
            return listAccounts(request)
        case ("mybusinessbusinessinformation.googleapis.com", "GET", 4)
        where segments[0] == "v1" && segments[1] == "accounts" && segments[3] == "locations":
            return withAccount(segments[2]) { listLocations(request, account: $0) }
        case ("businessprofileperformance.googleapis.com", "GET", 3) where segments[0] == "v1" && segments[1] == "locations":
            guard segments[2].hasSuffix(":fetchMultiDailyMetricsTimeSeries") else { return GoogleAPIError.notFound("Method not found.").reply }
            return metrics(request, location: String(segments[2].dropLast(":fetchMultiDailyMetricsTimeSeries".count)))
        case ("mybusiness.googleapis.com", _, _)
        where segments.count >= 6 && segments[0] == "v4" && segments[1] == "accounts" && segments[3] == "locations":
            return withLocation(account: segments[2], location: segments[4]) { location in
                handleV4(request, account: segments[2], location: location, rest: Array(segments.dropFirst(5)))
            }
        default:
            return GoogleAPIError.notFound("Method not found.").reply
        }
    }

    private func handleV4(_ request: Request, account: String, location: String, rest: [String]) -> Reply {
        switch (request.method, rest.count, rest.first) {
        case ("POST", 1, "localPosts"): return createPost(request, account: account, location: location)
        case ("GET", 1, "localPosts"): return listPosts(request, location: location)
        case ("DELETE", 2, "localPosts"): return deletePost(location: location, id: rest[1])
        case ("POST", 1, "media"): return createMedia(request, account: account, location: location)
        case ("GET", 1, "reviews"): return listReviews(request, account: account, location: location)
        case ("PUT", 3, "reviews") where rest[2] == "reply": return replyToReview(request, account: account, location: location, review: rest[1])
        default: return GoogleAPIError.notFound("Method not found.").reply
        }
    }

    private func withAccount(_ id: String, _ body: (Account) -> Reply) -> Reply {
        guard let account = accounts.first(where: { $0.id == id }) else {
            return GoogleAPIError.permissionDenied("The caller does not have permission").reply
        }
        return body(account)
    }

    private func withLocation(account: String, location: String, _ body: (String) -> Reply) -> Reply {
        withAccount(account) { owner in
            guard owner.locationIDs.contains(location) else { return GoogleAPIError.notFound().reply }
            return body(location)
        }
    }

    /// The query parameters a method binds; another answers 400 as Google's front end does.
    private func unknownQuery(_ request: Request, allowed: Set<String>) -> Reply? {
        guard let name = request.queryItems.keys.sorted().first(where: { !allowed.contains($0) }) else { return nil }
        return GoogleAPIError.invalidArgument(
            "Invalid JSON payload received. Unknown name \"\(name)\": Cannot bind query parameter. Field '\(name)' could not be found in request message."
        ).reply
    }

    /// `pageSize` within `1...maximum` (coerced down when larger, as Google documents), or the default.
    private func pageSize(_ request: Request, default fallback: Int, maximum: Int) -> Result<Int, GoogleAPIError> {
        guard let text = request.queryItems["pageSize"]?.last else { return .success(fallback) }
        guard let size = Int(text), size >= 0 else { return .failure(.invalidArgument("Request contains an invalid argument.")) }
        return .success(size == 0 ? fallback : min(size, maximum))
    }

    /// The offset a `pageToken` of ours carries (`<kind>.<offset>`), 0 without one.
    private func offset(_ request: Request, kind: String) -> Result<Int, GoogleAPIError> {
        guard let token = request.queryItems["pageToken"]?.last, !token.isEmpty else { return .success(0) }
        let parts = token.split(separator: ".")
        guard parts.count == 2, parts[0] == kind, let offset = Int(parts[1]) else {
            return .failure(.invalidArgument("Request contains an invalid argument."))
        }
        return .success(offset)
    }

    private func page<T>(_ all: [T], _ request: Request, kind: String, default fallback: Int, maximum: Int) -> Result<
        (ArraySlice<T>, String?), GoogleAPIError
    > {
        let size: Int, start: Int
        switch pageSize(request, default: fallback, maximum: maximum) {
        case .failure(let error): return .failure(error)
        case .success(let value): size = value
        }
        switch offset(request, kind: kind) {
        case .failure(let error): return .failure(error)
        case .success(let value): start = value
        }
        let slice = all.dropFirst(start).prefix(size)
        return .success((slice, start + slice.count < all.count ? "\(kind).\(start + slice.count)" : nil))
    }

    // MARK: - Accounts and locations

    private func listAccounts(_ request: Request) -> Reply {
        if let refused = unknownQuery(request, allowed: ["pageSize", "pageToken", "parentAccount", "filter"]) { return refused }
        switch page(accounts, request, kind: "AC", default: 20, maximum: 20) {
        case .failure(let error): return error.reply
        case .success(let (slice, next)):
            var body: [String: Any] = [
                "accounts": slice.map { account -> [String: Any] in
                    var object: [String: Any] = [
                        "name": "accounts/\(account.id)", "accountName": account.accountName, "type": account.type,
                        "verificationState": account.type == "PERSONAL" ? "UNVERIFIED" : "VERIFIED", "vettedState": "NOT_VETTED",
                    ]
                    if account.type != "PERSONAL" { object["role"] = "OWNER" }
                    return object
                }
            ]
            if let next { body["nextPageToken"] = next }
            return .json(200, object: body)
        }
    }

    private func listLocations(_ request: Request, account: Account) -> Reply {
        if let refused = unknownQuery(request, allowed: ["pageSize", "pageToken", "filter", "orderBy", "readMask"]) { return refused }
        guard let mask = request.queryItems["readMask"]?.last, !mask.isEmpty else {
            return Self.badRequest(field: "read_mask", description: "Field is required")
        }
        let fields = mask.split(separator: ",").map { String($0.split(separator: ".").first ?? "").trimmingCharacters(in: .whitespaces) }
        if let unknown = fields.first(where: { !Self.locationFields.contains($0) }) {
            return Self.badRequest(field: "read_mask", description: "Invalid field mask provided: \(unknown)")
        }
        let owned = account.locationIDs.compactMap { id in locations.first { $0.id == id } }
        switch page(owned, request, kind: "LO", default: 10, maximum: 100) {
        case .failure(let error): return error.reply
        case .success(let (slice, next)):
            var body: [String: Any] = [
                "locations": slice.map { location -> [String: Any] in
                    let full: [String: Any] = [
                        "name": "locations/\(location.id)", "title": location.title, "websiteUri": location.websiteUri,
                        "storefrontAddress": [
                            "regionCode": "US", "languageCode": "en", "locality": "San Francisco",
                            "addressLines": ["\(location.id.suffix(3)) Example Ave"],
                        ] as [String: Any],
                        "metadata": ["placeId": "ChIJ\(location.id.suffix(6))", "mapsUri": "https://maps.google.com/maps?cid=\(location.id)"],
                        "languageCode": "en", "storeCode": "S\(location.id.suffix(3))",
                    ]
                    return full.filter { Set(fields).contains($0.key) }
                }
            ]
            if let next { body["nextPageToken"] = next }
            return .json(200, object: body)
        }
    }

    // MARK: - Local posts

    /// 400 INVALID_ARGUMENT with a v4 `ValidationError` naming the field.
    static func validation(_ field: String, _ message: String) -> Reply {
        .json(
            400,
            object: [
                "error": [
                    "code": 400, "message": "Request contains an invalid argument.", "status": "INVALID_ARGUMENT",
                    "details": [
                        [
                            "@type": "type.googleapis.com/google.mybusiness.v4.ValidationError",
                            "errorDetails": [["code": 3, "field": field, "message": message] as [String: Any]],
                        ] as [String: Any]
                    ],
                ] as [String: Any]
            ])
    }

    /// 400 INVALID_ARGUMENT with a `google.rpc.BadRequest` field violation (v1 APIs).
    static func badRequest(field: String, description: String) -> Reply {
        .json(
            400,
            object: [
                "error": [
                    "code": 400, "message": "Request contains an invalid argument.", "status": "INVALID_ARGUMENT",
                    "details": [
                        ["@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [["field": field, "description": description]]]
                            as [String: Any]
                    ],
                ] as [String: Any]
            ])
    }

    /// Counts an edit at `location`; the 429 when the minute's edits are spent.
    private func edit(_ location: String) -> Reply? {
        state.withLock { state in
            let now = Date()
            let recent = (state.edits[location] ?? []).filter { now.timeIntervalSince($0) < state.editWindow }
            guard recent.count < state.editsPerMinute else {
                state.edits[location] = recent
                return GoogleAPIError.resourceExhausted(
                    "Quota exceeded for quota metric 'Edits' and limit 'Edits per minute per location' of service 'mybusiness.googleapis.com'."
                ).reply
            }
            state.edits[location] = recent + [now]
            return nil
        }
    }

    private func createPost(_ request: Request, account: String, location: String) -> Reply {
        let body: [String: Any]
        switch GoogleAPIError.jsonObject(request) {
        case .failure(let error): return error.reply
        case .success(let object): body = object
        }
        if let unknown = GoogleAPIError.unknownFields(body, allowed: Self.postFields) { return unknown.reply }
        if let invalid = Self.validatePost(body) { return invalid }
        if let limited = edit(location) { return limited }
        let late = state.withLock { $0.latePosts.isEmpty ? nil : $0.latePosts.removeFirst() }
        if let late, !late.create { return GoogleAPIError.unavailable.reply.delayed(late.delay) }
        let id = state.withLock { state -> Int in
            defer { state.nextID += 1 }
            return state.nextID
        }
        var post = body
        post["name"] = "accounts/\(account)/locations/\(location)/localPosts/\(id)"
        post["topicType"] = body["topicType"] ?? "STANDARD"
        post["createTime"] = "2026-03-0\(1 + id % 2)T12:00:\(String(format: "%02d", id % 60)).000Z"
        post["updateTime"] = post["createTime"]
        post["state"] = "LIVE"
        post["searchUrl"] = "https://local.google.com/place?id=\(location)&use=posts&lpsid=\(id)"
        if body["callToAction"] != nil && (body["topicType"] as? String) == "OFFER" { post["callToAction"] = nil }
        let stored = (try? JSONSerialization.data(withJSONObject: post)) ?? Data()
        state.withLock { $0.posts[location, default: []].append(stored) }
        let reply = Reply.json(200, object: post)
        return late.map { reply.delayed($0.delay) } ?? reply
    }

    /// The documented rules of a LocalPost; nil when it is acceptable.
    static func validatePost(_ body: [String: Any]) -> Reply? {
        guard let summary = body["summary"] as? String, !summary.isEmpty else { return validation("summary", "summary is required") }
        guard summary.count <= 1500 else { return validation("summary", "summary is too long (at most 1500 characters)") }
        let topic = body["topicType"] as? String ?? "STANDARD"
        guard ["STANDARD", "EVENT", "OFFER", "ALERT"].contains(topic) else { return validation("topic_type", "unsupported topic type \(topic)") }
        if topic == "EVENT" || topic == "OFFER" {
            guard let event = body["event"] as? [String: Any], let schedule = event["schedule"] as? [String: Any],
                schedule["startDate"] is [String: Any], schedule["endDate"] is [String: Any]
            else { return validation("event", "event with a schedule is required for \(topic) posts") }
            if topic == "EVENT", (event["title"] as? String)?.isEmpty ?? true { return validation("event.title", "event title is required") }
        } else if body["offer"] != nil {
            return validation("offer", "offer is only allowed for OFFER posts")
        }
        if topic == "ALERT", body["alertType"] as? String != "COVID_19" { return validation("alert_type", "alertType is required for ALERT posts") }
        if let action = body["callToAction"] as? [String: Any], topic != "OFFER" {
            guard let type = action["actionType"] as? String, actionTypes.contains(type) else {
                return validation("call_to_action.action_type", "invalid action type")
            }
            let url = action["url"] as? String
            if type == "CALL", url != nil { return validation("call_to_action.url", "url must be unset for CALL") }
            if type != "CALL", url?.hasPrefix("http") != true { return validation("call_to_action.url", "url is required for \(type)") }
        }
        if let media = body["media"] as? [[String: Any]] {
            for item in media
            where !(["PHOTO", "VIDEO"].contains(item["mediaFormat"] as? String ?? "") && (item["sourceUrl"] as? String)?.hasPrefix("http") == true) {
                return validation("media", "each media item needs mediaFormat PHOTO or VIDEO and a sourceUrl")
            }
        }
        return nil
    }

    private func listPosts(_ request: Request, location: String) -> Reply {
        if let refused = unknownQuery(request, allowed: ["pageSize", "pageToken"]) { return refused }
        let all = Array(posts(location: location).reversed())
        switch page(all, request, kind: "LP", default: 20, maximum: 100) {
        case .failure(let error): return error.reply
        case .success(let (slice, next)):
            var body: [String: Any] = ["localPosts": Array(slice)]
            if let next { body["nextPageToken"] = next }
            return .json(200, object: body)
        }
    }

    private func deletePost(location: String, id: String) -> Reply {
        let suffix = "/localPosts/\(id)"
        let exists = posts(location: location).contains { ($0["name"] as? String)?.hasSuffix(suffix) == true }
        guard exists else { return GoogleAPIError.notFound().reply }
        if let limited = edit(location) { return limited }
        state.withLock { state in
            state.posts[location]?.removeAll { data in
                ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["name"].map { "\($0)".hasSuffix(suffix) } ?? false
            }
        }
        return .json(200, object: [String: Any]())
    }

    // MARK: - Media and reviews

    private func createMedia(_ request: Request, account: String, location: String) -> Reply {
        let body: [String: Any]
        switch GoogleAPIError.jsonObject(request) {
        case .failure(let error): return error.reply
        case .success(let object): body = object
        }
        let allowed: Set<String> = ["name", "mediaFormat", "locationAssociation", "sourceUrl", "dataRef", "description", "dimensions", "attribution"]
        if let unknown = GoogleAPIError.unknownFields(body, allowed: allowed) { return unknown.reply }
        guard let format = body["mediaFormat"] as? String, ["PHOTO", "VIDEO"].contains(format) else {
            return Self.validation("media_format", "mediaFormat must be PHOTO or VIDEO")
        }
        guard let association = body["locationAssociation"] as? [String: Any], let category = association["category"] as? String,
            Self.categories.contains(category)
        else { return Self.validation("location_association", "locationAssociation.category is required") }
        guard let source = body["sourceUrl"] as? String, source.hasPrefix("http") else {
            return Self.validation("source_url", "sourceUrl is required")
        }
        if let limited = edit(location) { return limited }
        let name = state.withLock { state -> String in
            let name = "accounts/\(account)/locations/\(location)/media/AF1Qip\(state.nextID)"
            state.nextID += 1
            state.media[location, default: []].append(name)
            return name
        }
        var answer = body
        answer["name"] = name
        answer["googleUrl"] = "https://lh3.googleusercontent.com/p/\(name.split(separator: "/").last ?? "")"
        answer["createTime"] = "2026-03-01T12:05:00Z"
        return .json(200, object: answer)
    }

    /// Three reviews per location, newest first by updateTime.
    private func reviews(account: String, location: String) -> [[String: Any]] {
        let ratings = ["FIVE", "THREE", "FOUR"]
        return (1...3).map { index in
            let name = "accounts/\(account)/locations/\(location)/reviews/AIe9_Review\(index)"
            var review: [String: Any] = [
                "name": name, "reviewId": "AIe9_Review\(index)", "reviewer": ["displayName": "Reviewer \(index)"],
                "starRating": ratings[index - 1], "comment": "Review \(index) of \(location)",
                "createTime": "2026-02-2\(9 - index)T09:00:00Z", "updateTime": "2026-02-2\(9 - index)T09:00:00Z",
            ]
            if let reply = reply(review: name) { review["reviewReply"] = ["comment": reply, "updateTime": "2026-03-01T10:00:00Z"] }
            return review
        }
    }

    private func listReviews(_ request: Request, account: String, location: String) -> Reply {
        if let refused = unknownQuery(request, allowed: ["pageSize", "pageToken", "orderBy"]) { return refused }
        var all = reviews(account: account, location: location)
        let value = ["ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5]
        switch request.queryItems["orderBy"]?.last ?? "updateTime desc" {
        case "updateTime desc": break
        case "rating": all.sort { value[$0["starRating"] as? String ?? ""] ?? 0 < value[$1["starRating"] as? String ?? ""] ?? 0 }
        case "rating desc": all.sort { value[$0["starRating"] as? String ?? ""] ?? 0 > value[$1["starRating"] as? String ?? ""] ?? 0 }
        default: return GoogleAPIError.invalidArgument("Request contains an invalid argument.").reply
        }
        switch page(all, request, kind: "RV", default: 50, maximum: 50) {
        case .failure(let error): return error.reply
        case .success(let (slice, next)):
            var body: [String: Any] = ["reviews": Array(slice), "averageRating": 4.0, "totalReviewCount": all.count]
            if let next { body["nextPageToken"] = next }
            return .json(200, object: body)
        }
    }

    private func replyToReview(_ request: Request, account: String, location: String, review: String) -> Reply {
        let body: [String: Any]
        switch GoogleAPIError.jsonObject(request) {
        case .failure(let error): return error.reply
        case .success(let object): body = object
        }
        if let unknown = GoogleAPIError.unknownFields(body, allowed: ["comment", "updateTime"]) { return unknown.reply }
        guard let comment = body["comment"] as? String, !comment.isEmpty, comment.utf8.count <= 4096 else {
            return Self.validation("comment", "comment is required (at most 4096 bytes)")
        }
        let name = "accounts/\(account)/locations/\(location)/reviews/\(review)"
        guard reviews(account: account, location: location).contains(where: { $0["name"] as? String == name }) else {
            return GoogleAPIError.notFound().reply
        }
        if let limited = edit(location) { return limited }
        state.withLock { $0.replies[name] = comment }
        return .json(200, object: ["comment": comment, "updateTime": "2026-03-01T10:00:00Z"])
    }

    // MARK: - Performance

    private func metrics(_ request: Request, location: String) -> Reply {
        guard locations.contains(where: { $0.id == location }),
            accounts.contains(where: { $0.locationIDs.contains(location) })
        else { return GoogleAPIError.permissionDenied("The caller does not have permission").reply }
        let query = request.queryItems
        var allowed: Set<String> = ["dailyMetrics"]
        for range in ["dailyRange", "daily_range"] {
            for end in ["startDate", "start_date", "endDate", "end_date"] {
                for part in ["year", "month", "day"] { allowed.insert("\(range).\(end).\(part)") }
            }
        }
        if let refused = unknownQuery(request, allowed: allowed) { return refused }
        let asked = query["dailyMetrics"] ?? []
        guard !asked.isEmpty else { return Self.badRequest(field: "daily_metrics", description: "Field is required") }
        if let unknown = asked.first(where: { !Self.dailyMetrics.contains($0) }) {
            return GoogleAPIError.invalidArgument(
                "Invalid value at 'daily_metrics' (type.googleapis.com/google.businessprofileperformance.v1.DailyMetric), \"\(unknown)\""
            ).reply
        }
        func part(_ end: String, _ snake: String, _ name: String) -> Int? {
            for key in ["dailyRange.\(end).\(name)", "dailyRange.\(snake).\(name)", "daily_range.\(snake).\(name)", "daily_range.\(end).\(name)"] {
                if let value = query[key]?.last.flatMap(Int.init) { return value }
            }
            return nil
        }
        let calendar = Self.utcCalendar
        guard let startYear = part("startDate", "start_date", "year"), let startMonth = part("startDate", "start_date", "month"),
            let startDay = part("startDate", "start_date", "day"), let endYear = part("endDate", "end_date", "year"),
            let endMonth = part("endDate", "end_date", "month"), let endDay = part("endDate", "end_date", "day"),
            let start = calendar.date(from: DateComponents(year: startYear, month: startMonth, day: startDay)),
            let end = calendar.date(from: DateComponents(year: endYear, month: endMonth, day: endDay)), start <= end
        else { return Self.badRequest(field: "daily_range", description: "A valid start_date and end_date (start not after end) are required") }
        let settled = calendar.date(byAdding: .day, value: -dataDelayDays, to: calendar.date(from: today)!)!
        var days: [Date] = []
        var day = start
        while day <= end, days.count < 550 {
            days.append(day)
            day = calendar.date(byAdding: .day, value: 1, to: day)!
        }
        let series = asked.map { metric -> [String: Any] in
            let values = days.map { date -> [String: Any] in
                let parts = calendar.dateComponents([.year, .month, .day], from: date)
                var value: [String: Any] = ["date": ["year": parts.year!, "month": parts.month!, "day": parts.day!]]
                let count = Self.value(metric: metric, location: location, day: parts.day!)
                if date <= settled, count != 0 { value["value"] = String(count) }  // zero and unsettled days carry no value
                return value
            }
            return ["dailyMetric": metric, "timeSeries": ["datedValues": values]]
        }
        return .json(200, object: ["multiDailyMetricTimeSeries": [["dailyMetricTimeSeries": series]]])
    }

    /// The fake's count of `metric` at `location` on day-of-month `day` (zero on every fifth day).
    public static func value(metric: String, location: String, day: Int) -> Int {
        day % 5 == 0 ? 0 : (metric.count * 3 + day * 7 + Int(location.suffix(1))!) % 97
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
