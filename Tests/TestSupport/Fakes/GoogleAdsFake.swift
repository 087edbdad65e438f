// A fake of the Google Ads API (REST interface, v26) on loopback that follows the
// documentation, not what our connector definition assumes:
//
// - REST interface and resource names (`https://googleads.googleapis.com/v26/customers/{id}/…`,
//   JSON bodies, lowerCamelCase fields, int64 as strings):
//   https://developers.google.com/google-ads/api/rest/overview and
//   https://developers.google.com/google-ads/api/rest/design/resource-names
// - Call structure and headers (`Authorization: Bearer`, `developer-token` on every request,
//   `login-customer-id` — digits only — when a manager account is the authorized customer;
//   a client account reached through its manager without it is USER_PERMISSION_DENIED):
//   https://developers.google.com/google-ads/api/rest/auth and
//   https://developers.google.com/google-ads/api/docs/concepts/call-structure
// - customers.listAccessibleCustomers (GET /v26/customers:listAccessibleCustomers, the
//   customers the user reaches directly, whatever login-customer-id says):
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers/listAccessibleCustomers
// - GoogleAdsService.Search (POST …/googleAds:search; body query, pageToken,
//   returnTotalResultsCount, summaryRowSetting, validateOnly; pages of 10,000 rows,
//   `pageSize` refused with PAGE_SIZE_NOT_SUPPORTED; answer results, nextPageToken,
//   totalResultsCount, fieldMask, queryResourceConsumption):
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.googleAds/search
// - GoogleAdsService.SearchStream (POST …/googleAds:searchStream; body query,
//   summaryRowSetting; answer a JSON array of batches, each results, fieldMask, requestId):
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.googleAds/searchStream
// - CampaignService.MutateCampaigns and CampaignBudgetService.MutateCampaignBudgets (POST
//   …/campaigns:mutate, …/campaignBudgets:mutate; body operations[{updateMask, update}],
//   partialFailure, validateOnly, responseContentType; atomic unless partialFailure, then
//   HTTP 200 with partialFailureError and an empty result for each failed operation):
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.campaigns/mutate,
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.campaignBudgets/mutate,
//   https://developers.google.com/google-ads/api/docs/best-practices/partial-failures
// - Errors and quotas (GoogleAdsFailure; quotaError RESOURCE_TEMPORARILY_EXHAUSTED with
//   QuotaErrorDetails.retryDelay, RESOURCE_EXHAUSTED for the daily operations of the
//   developer token's access level): GoogleAdsFailure.swift and
//   https://developers.google.com/google-ads/api/docs/productivity/rate-limits,
//   https://developers.google.com/google-ads/api/docs/api-policy/access-levels
// - OAuth scope `https://www.googleapis.com/auth/adwords` (tokens from GoogleOAuthFake):
//   https://developers.google.com/google-ads/api/docs/oauth/overview
//
// Metrics are synthetic but deterministic (they depend on the campaign, ad group or keyword
// and the day). Where Google documents no message the message is ours.

import Foundation
import Synchronization

/// The Google Ads API on loopback. Knobs: `searchPageSize`, `streamBatchSize`,
/// `failNext(_:calls:)`, `dailyOperations`; readings: `campaign(_:)`, `budget(_:)`,
/// `mutateRequests`, `operationsUsed`.
public final class GoogleAdsFake: ServedFake {
    /// A Google Ads account.
    public struct Customer: Sendable {
        /// The 10-digit id.
        public var id: String
        /// `descriptiveName`.
        public var name: String
        /// Whether it is a manager (MCC) account.
        public var manager: Bool
        /// The manager it is linked under, if any.
        public var managerID: String?
        /// Whether the user reaches it directly (listAccessibleCustomers lists it).
        public var direct: Bool

        /// A customer.
        public init(id: String, name: String, manager: Bool = false, managerID: String? = nil, direct: Bool = true) {
            self.id = id
            self.name = name
            self.manager = manager
            self.managerID = managerID
            self.direct = direct
        }
    }

    /// A campaign and its budget.
    public struct Campaign: Sendable, Equatable {
        /// The campaign id.
        public var id: String
        /// Its customer.
        public var customerID: String
        /// `name`.
        public var name: String
        /// `ENABLED`, `PAUSED`, `REMOVED`.
        public var status: String
        /// `advertisingChannelType`.
        public var channel: String
        /// The campaign budget's id.
        public var budgetID: String
    }

    /// The default accounts: a manager with one client reached through it, and a direct customer.
    public static let defaultCustomers: [Customer] = [
        Customer(id: "1234567890", name: "NeonHub Demo Ads"),
        Customer(id: "5550001111", name: "NeonHub Agency (manager)", manager: true),
        Customer(id: "9876543210", name: "Example Coffee", managerID: "5550001111", direct: false),
    ]

    /// Campaigns of the default customers.
    public static let defaultCampaigns: [Campaign] = [
        Campaign(id: "20000000001", customerID: "1234567890", name: "Spring Search", status: "ENABLED", channel: "SEARCH", budgetID: "30000000001"),
        Campaign(id: "20000000002", customerID: "1234567890", name: "Brand Display", status: "PAUSED", channel: "DISPLAY", budgetID: "30000000002"),
        Campaign(id: "20000000003", customerID: "1234567890", name: "Old Promo", status: "REMOVED", channel: "SEARCH", budgetID: "30000000003"),
        Campaign(id: "20000000004", customerID: "9876543210", name: "Coffee Search", status: "ENABLED", channel: "SEARCH", budgetID: "30000000004"),
    ]

    /// The scope the API takes.
    public static let scope = "https://www.googleapis.com/auth/adwords"
    /// The API version served.
    public static let version = "v26"

    struct State: Sendable {
        var campaigns: [Campaign]
        var budgets: [String: Int64]
        var searchPageSize = 10_000
        var streamBatchSize = 10_000
        var dailyOperations: Int?
        var operationsUsed = 0
    }

    /// The server.
    public let server = FakeProviderServer()
    /// The token server whose access tokens are accepted.
    public let oauth: GoogleOAuthFake
    /// The developer token the API accepts.
    public let developerToken: String
    /// The accounts.
    public let customers: [Customer]
    let state: Mutex<State>
    private let faults = ScriptedFaults<GoogleAdsFailure>()

    /// A fake of `customers` and `campaigns` accepting `oauth`'s tokens and `developerToken`.
    public init(
        oauth: GoogleOAuthFake, developerToken: String = "placeholder-developer-token", customers: [Customer] = defaultCustomers,
        campaigns: [Campaign] = defaultCampaigns
    ) {
        self.oauth = oauth
        self.developerToken = developerToken
        self.customers = customers
        var budgets: [String: Int64] = [:]
        for (index, campaign) in campaigns.enumerated() { budgets[campaign.budgetID] = Int64(50_000_000 - index * 10_000_000) }
        state = Mutex(State(campaigns: campaigns, budgets: budgets))
        server.onEveryRequest { [weak self] in self?.handle($0) ?? GoogleAdsFailure.internalError.reply }
    }

    /// `https://googleads.googleapis.com/v26` on loopback.
    public var baseURL: String { "\(server.baseURL)/\(Self.version)" }

    /// Rows per page of `search` (10,000 at Google).
    public var searchPageSize: Int {
        get { state.withLock { $0.searchPageSize } }
        set { state.withLock { $0.searchPageSize = max(1, newValue) } }
    }
    /// Rows per batch of `searchStream`.
    public var streamBatchSize: Int {
        get { state.withLock { $0.streamBatchSize } }
        set { state.withLock { $0.streamBatchSize = max(1, newValue) } }
    }
    /// Operations the developer token may still spend today (nil: Standard access, unlimited).
    public var dailyOperations: Int? {
        get { state.withLock { $0.dailyOperations } }
        set { state.withLock { $0.dailyOperations = newValue } }
    }
    /// Operations spent so far (a search or get is one; a mutate counts its operations).
    public var operationsUsed: Int { state.withLock { $0.operationsUsed } }

    /// The next `calls` authenticated requests answer `failure`.
    public func failNext(_ failure: GoogleAdsFailure, calls: Int = 1) { faults.add(failure, calls: calls) }

    /// The campaign `id` as it stands.
    public func campaign(_ id: String) -> Campaign? { state.withLock { $0.campaigns.first { $0.id == id } } }
    /// The daily amount of budget `id`, in micros.
    public func budget(_ id: String) -> Int64? { state.withLock { $0.budgets[id] } }
    /// The mutate requests received (every attempt, applied or not).
    public var mutateRequests: [FakeProviderServer.RecordedRequest] { requests.filter { $0.path.hasSuffix(":mutate") } }

    // MARK: - Dispatch

    typealias Request = FakeProviderServer.RecordedRequest
    typealias Reply = FakeProviderServer.Reply

    private func handle(_ request: Request) -> Reply {
        let prefix = "/\(Self.version)/customers"
        guard request.path.hasPrefix(prefix) else {
            return GoogleAPIError.notFound("The requested URL \(request.path) was not found on this server.").reply
        }
        if let refused = authenticate(request) { return refused.reply }
        if let fault = faults.take() { return fault.reply }
        let rest = String(request.path.dropFirst(prefix.count))
        if rest == ":listAccessibleCustomers" {
            guard request.method == "GET" else { return GoogleAPIError.notFound("Method not found.").reply }
            if let spent = spend(1) { return spent.reply }
            return .json(200, object: ["resourceNames": customers.filter(\.direct).map { "customers/\($0.id)" }])
        }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0].isEmpty, let colon = parts[2].firstIndex(of: ":"), request.method == "POST" else {
            return GoogleAPIError.notFound("Method not found.").reply
        }
        let customerID = parts[1]
        let method = parts[2][..<colon] + "/" + parts[2][parts[2].index(after: colon)...]
        guard customerID.count == 10, customerID.allSatisfy(\.isNumber) else {
            return GoogleAdsFailure.invalidArgument([
                GoogleAdsError(family: "requestError", code: "INVALID_CUSTOMER_ID", message: "The customer ID is not valid.")
            ]).reply
        }
        if let refused = authorize(request, customerID: customerID) { return refused.reply }
        let body: [String: Any]
        switch GoogleAPIError.jsonObject(request) {
        case .failure(let error): return error.reply
        case .success(let object): body = object
        }
        switch method {
        case "googleAds/search": return search(body, customerID: customerID)
        case "googleAds/searchStream": return searchStream(body, customerID: customerID)
        case "campaigns/mutate": return mutate(body, customerID: customerID, collection: "campaigns")
        case "campaignBudgets/mutate": return mutate(body, customerID: customerID, collection: "campaignBudgets")
        default: return GoogleAPIError.notFound("Method not found.").reply
        }
    }

    /// The bearer token (issued by the OAuth fake with the adwords scope) and the developer token.
    private func authenticate(_ request: Request) -> GoogleAdsFailure? {
        guard let header = request.header("Authorization"), header.hasPrefix("Bearer "), header.count > 7 else {
            return .unauthenticated("OAUTH_TOKEN_HEADER_INVALID", "OAuth token HTTP header is malformed.")
        }
        let token = String(header.dropFirst(7))
        guard let scopes = oauth.grantedScopes(accessToken: token) else {
            return .unauthenticated("OAUTH_TOKEN_INVALID", "OAuth token in the header is not valid.")
        }
        guard oauth.isValid(accessToken: token) else { return .unauthenticated("OAUTH_TOKEN_EXPIRED", "Oauth token is expired.") }
        guard scopes.contains(Self.scope) else {
            return GoogleAdsFailure(
                httpStatus: 403, status: "PERMISSION_DENIED", message: "Request had insufficient authentication scopes.",
                errors: [
                    GoogleAdsError(family: "authenticationError", code: "OAUTH_TOKEN_INVALID", message: "The OAuth token lacks the adwords scope.")
                ])
        }
        guard let developer = request.header("developer-token"), !developer.isEmpty else {
            return .invalidArgument([
                GoogleAdsError(
                    family: "requestError", code: "DEVELOPER_TOKEN_PARAMETER_MISSING",
                    message: "The developer-token parameter is required for all requests.")
            ])
        }
        guard developer == developerToken else {
            return .permissionDenied("DEVELOPER_TOKEN_PROHIBITED", "The developer token is not allowed with the project sent in the request.")
        }
        return nil
    }

    /// Whether the user may act on `customerID`: directly, or through the manager named by
    /// `login-customer-id` (10 digits, no dashes).
    private func authorize(_ request: Request, customerID: String) -> GoogleAdsFailure? {
        guard let customer = customers.first(where: { $0.id == customerID }) else {
            return .unauthenticated("CUSTOMER_NOT_FOUND", "No customer found for the provided customer id.")
        }
        if let login = request.header("login-customer-id") {
            guard login.count == 10, login.allSatisfy(\.isNumber) else {
                return .invalidArgument([
                    GoogleAdsError(family: "headerError", code: "INVALID_LOGIN_CUSTOMER_ID", message: "The login customer ID could not be validated.")
                ])
            }
            guard let manager = customers.first(where: { $0.id == login }), manager.direct,
                login == customerID || (manager.manager && customer.managerID == login)
            else {
                return .permissionDenied(
                    "USER_PERMISSION_DENIED",
                    "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header."
                )
            }
            return nil
        }
        guard customer.direct else {
            return .permissionDenied(
                "USER_PERMISSION_DENIED",
                "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header."
            )
        }
        return nil
    }

    /// Takes `count` operations from the day's allowance; the quota error when it is spent.
    func spend(_ count: Int) -> GoogleAdsFailure? {
        state.withLock { state in
            if let left = state.dailyOperations {
                guard left >= count else { return .quota("RESOURCE_EXHAUSTED", retryDelay: nil) }
                state.dailyOperations = left - count
            }
            state.operationsUsed += count
            return nil
        }
    }
}
