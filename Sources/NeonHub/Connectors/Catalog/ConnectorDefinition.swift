import Foundation

/// One connector as `configs/connectors/<id>.json` defines it (the format is
/// `configs/connectors/connector.schema.json`; every file is validated against it before it
/// is decoded into this value).
public struct ConnectorDefinition: Codable, Sendable {
    /// Lower-case kebab id (`google-ads`); the environment form is `GOOGLE_ADS`.
    public var id: String
    public var name: String
    public var category: String
    /// Rollout wave: `marketing`, `messaging`, `A`…`E`, `productivity`.
    public var wave: String
    /// `stable`, `experimental` or `disabled`.
    public var availability: String
    /// The provider's API reference this definition follows.
    public var docs: String
    public var description: String?
    public var auth: Auth
    /// May contain `{{vars.x}}` for per-connection hosts.
    public var baseUrl: String
    public var variables: [Variable]?
    /// Sent with every request.
    public var headers: [String: String]?
    /// Extra app-level environment variables (beyond `<ID>_CLIENT_ID` / `_CLIENT_SECRET`).
    public var appSettings: [String]?
    public var rateLimit: RateLimit
    public var errors: ErrorRules?
    public var accounts: AccountsAction?
    public var actions: [Action]
    public var triggers: [Trigger]
    public var smoke: Smoke?
    public var notes: [String]?

    /// How a connection authenticates.
    public struct Auth: Codable, Sendable {
        /// `oauth2`, `oauth2_client_credentials`, `api_key`, `basic`, `personal_token`, `key_pair`, `bot_token`.
        public var type: String
        public var authorizeUrl: String?
        public var tokenUrl: String?
        public var revokeUrl: String?
        /// Where refresh-token grants go when not to `tokenUrl` (Acrobat Sign's `/oauth/v2/refresh`).
        public var refreshUrl: String?
        /// How `revokeUrl` is called: `rfc7009` (the default: the token in a form, the app
        /// authenticated), `bearer` (Dropbox: POST with an access token as `Authorization:
        /// Bearer` and no body, which also revokes its refresh token), `json` (Intuit:
        /// `{"token": …}` as JSON, the app authenticated) or `session` (Tableau: the session
        /// signed out with its token where requests carry it).
        public var revokeStyle: String?
        public var scopes: [String]?
        public var scopeSeparator: String?
        public var pkce: Bool?
        public var clientAuthentication: String?
        /// How the token endpoint's parameters are sent: `form` (RFC 6749, the default) or
        /// `json` (an object of the same fields: Zendesk's documented format).
        public var tokenRequestEncoding: String?
        /// The name of the client id parameter where a provider renames it (TikTok: `client_key`).
        public var clientIdParam: String?
        public var extraAuthorizeParams: [String: String]?
        public var refresh: Refresh?
        public var credentials: [Credential]?
        /// Extra fields of the token request, templates over `vars`; one whose placeholders are
        /// missing is left out (Greenhouse's `sub`, the user the calls act as).
        public var tokenParams: [String: String]?
        /// `basic`: the password sent beside a key that is the user name (Dropbox Sign: blank);
        /// without it the last secret field is the password.
        public var basicPassword: String?
        public var placement: Placement?
        /// For `key_pair`: the signing scheme and where its inputs are.
        public var keyPair: KeyPair?
        /// The credential fields holding a TLS client certificate and its key, sent on every
        /// call, token requests included (ADP's mutual TLS).
        public var clientCertificate: ClientCertificate?
        /// A signature in the authorization callback's query (Shopify's `hmac`).
        public var callbackSignature: CallbackSignature?
        /// Variables the authorization callback's query names (Shopify's `shop`).
        public var callbackVariables: [String]?
        /// A session the credentials sign in to (Tableau's personal access token): the
        /// session's token is what requests carry, and signing in again is its refresh.
        public var signIn: SignIn?
    }

    /// How the provider signs its authorization callback.
    public struct CallbackSignature: Codable, Sendable {
        /// The query parameter holding the signature (`hmac`).
        public var param: String
        /// `hmac_sha256_hex_sorted_query`.
        public var scheme: String
    }

    /// How a `key_pair` connection signs its requests.
    public struct KeyPair: Codable, Sendable {
        /// `snowflake_jwt`.
        public var scheme: String
        /// The variable holding the account identifier.
        public var account: String
        /// The credential field holding the user name.
        public var user: String
        /// The secret credential field holding the PEM private key.
        public var privateKey: String
    }

    /// When and how tokens are refreshed.
    public struct Refresh: Codable, Sendable {
        public var strategy: String
        public var rotatesRefreshToken: Bool?
        /// ISO 8601 durations before expiry (`P7D`, `PT50M`).
        public var before: [String]?
        /// A fixed period (`PT18H`).
        public var every: String?
    }

    /// A field `connectors.connect` takes for non-OAuth kinds.
    public struct Credential: Codable, Sendable {
        public var name: String
        /// Secret fields go to the vault; the others are stored as variables.
        public var secret: Bool
        public var description: String?
        /// A field a connection may leave out or give as `""` (Tableau's site of the Default site).
        public var optional: Bool?
    }

    /// Where the credential goes on each request.
    public struct Placement: Codable, Sendable {
        /// `header` or `query`.
        public var `in`: String
        public var name: String
        public var prefix: String?
    }

    /// A per-connection variable (Shopify `shop`, Salesforce instance URL…).
    public struct Variable: Codable, Sendable {
        public var name: String
        public var description: String
        public var pattern: String?
        public var example: String?
        /// A variable a connection may leave out (Google Ads' `loginCustomerId`, needed only
        /// through a manager account); a header or value naming it is then not sent.
        public var optional: Bool?
        /// A credential whose text after its last `-` is this variable when the caller gives
        /// none (Mailchimp's data centre: an API key `…-us21` lives on `us21`).
        public var fromCredentialSuffix: String?
        /// A member of the OAuth token answer this variable is taken from (its host, when it is
        /// a URL), checked against `pattern`: Salesforce's `instance_url`, the org's own API host.
        /// Not asked for before the authorization; the answer's value replaces any given.
        public var fromToken: String?
        /// A query parameter of the authorization callback this variable is taken from (its
        /// host, when it is a URL), checked against `pattern` before the code is exchanged:
        /// Acrobat Sign's `api_access_point`, the account's data-centre host, known only after
        /// consent and needed for the token request itself.
        public var fromCallback: String?
        /// A field of the account a call acts as (as the `accounts` action stored it) this
        /// variable is taken from per call (its host, when it is a URL), checked against
        /// `pattern`: DocuSign's `baseUri`, each account's own API host. A call naming no
        /// account acts as the connection's default one (`isDefault`), or its only one.
        public var fromAccount: String?
    }

    /// The provider's documented limits.
    public struct RateLimit: Codable, Sendable {
        public var requests: Int?
        public var per: String?
        public var scope: String?
        /// When a spent budget opens again (`window`, `midnightUTC`, `midnightPacific`).
        public var resets: String?
        public var headers: [String]?
        public var description: String
        /// A header with the seconds (decimals allowed) until the limit resets, read on a 429
        /// that has neither a body `retryAfterPath` nor `Retry-After` (Discord `X-RateLimit-Reset-After`).
        public var resetAfterHeader: String?
        /// A header naming which limit a 429 hit (Discord `X-RateLimit-Scope`: user, global, shared).
        public var scopeHeader: String?
        /// A header with the epoch second at which the limit resets, read on a 429 that has no
        /// `Retry-After` (X `x-rate-limit-reset`).
        public var resetAtHeader: String?
        /// A calculated-cost bucket every answer reports (Shopify's `extensions.cost`).
        public var costBucket: CostBucket?
    }

    /// Where a cost-bucket provider reports the bucket, and how long the runtime may wait for it.
    public struct CostBucket: Codable, Sendable {
        /// The points the request asked for (`extensions.cost.requestedQueryCost`).
        public var requestedPath: String
        /// The points in the bucket (`extensions.cost.throttleStatus.currentlyAvailable`).
        public var availablePath: String
        /// Points restored per second (`extensions.cost.throttleStatus.restoreRate`).
        public var restoreRatePath: String
        /// The longest wait for points before a call fails as rate-limited instead.
        public var maxWaitSeconds: Double
    }

    /// How the provider reports errors beyond the HTTP status.
    public struct ErrorRules: Codable, Sendable {
        public var codePath: String?
        /// A regular expression whose first capture, where it matches the message, is the
        /// error's code in place of the one at `codePath` (SuccessFactors' `[LGN0022]…`: its
        /// login errors name their code in the message only).
        public var messageCodePattern: String?
        public var messagePath: String?
        public var okPath: String?
        /// Where every answer carries a code at `codePath` (TikTok's `error.code`): the codes
        /// that mean success. A 2xx body with any other code is an error.
        public var successCodes: [String]?
        /// Lists that make a 2xx body an error when one of them is not empty: GraphQL's
        /// top-level `errors`, Shopify's `data.*.userErrors` (`*` is any member), Reddit's
        /// `json.errors`. An object entry's code is its `extensions.code` or `code`, its message
        /// `message`; an array entry (Reddit's `[CODE, message, field]`) gives both in order.
        public var errorListPaths: [String]?
        /// A list in an error body whose entries detail its message (GitHub's 422 `errors[]`):
        /// each entry's `message`, else its `field` and `code`, added to the message.
        public var detailsPath: String?
        /// A response header carrying the provider's error type where the body has no code
        /// (Opsgenie's `X-Opsgenie-Errortype`); a type in `retryableCodes` is repeated like a 5xx.
        public var codeHeader: String?
        /// A response header with the provider's message where error bodies are empty
        /// (BambooHR's `X-BambooHR-Error-Message`).
        public var messageHeader: String?
        /// The class of an error status where the provider's meaning differs from the usual one,
        /// by status (`{"403": "permanent"}`: BambooHR's 403 is a missing permission of a valid
        /// key, not a refused credential). Provider codes still come first.
        public var statusClasses: [String: String]?
        /// Where a 429 body gives the seconds to wait, decimals allowed (Discord `retry_after`);
        /// preferred over `Retry-After`, which providers round.
        public var retryAfterPath: String?
        public var authCodes: [JSONValue]?
        public var rateLimitCodes: [JSONValue]?
        public var permanentCodes: [JSONValue]?
        public var retryableCodes: [JSONValue]?
        /// A sentence per provider code that says what the code means and what to do
        /// (WhatsApp 131047: the 24-hour customer service window), added to the error's message.
        public var explanations: [String: String]?
    }

    /// The read action that lists a connection's publishable accounts.
    public struct AccountsAction: Codable, Sendable {
        public var action: String
        public var kind: String?
        /// The connection variable that is the account's id, where the action's own id is not
        /// (QuickBooks: `CompanyInfo.Id` is "1" in every company; the company is the `realmId`).
        public var idVariable: String?
        /// The authorizing user as an account of its own (LinkedIn's member), listed first.
        public var identity: Identity?
    }

    /// A read action whose `id` (with `idPrefix`) and `name` name the authorizing user.
    public struct Identity: Codable, Sendable {
        public var action: String
        public var kind: String
        public var idPrefix: String?
    }

    /// One thing the connector can do.
    public struct Action: Codable, Sendable {
        /// Dotted id, e.g. `pages.list`.
        public var id: String
        public var name: String
        public var description: String?
        /// `read` or `write`.
        public var kind: String
        /// Validates the action's input.
        public var inputSchema: JSONValue
        public var request: RequestTemplate?
        /// A Swift handler for flows that need code.
        public var handler: String?
        public var pagination: Pagination?
        public var response: ResponseMapping?
        public var idempotencyHeader: String?
        public var scopes: [String]?
    }

    /// An HTTP request with `{{…}}` placeholders.
    public struct RequestTemplate: Codable, Sendable {
        public var method: String
        public var path: String
        /// `path` is a sole placeholder holding a whole URL the provider handed out (an
        /// upload URL), used instead of `baseUrl` + path; its host must be the base URL's
        /// host or share its domain, so the credential never goes elsewhere.
        public var absoluteUrl: Bool?
        /// The action's own host where the provider splits its API over several (GA4's Admin
        /// and Data APIs): a literal https URL used instead of the definition's `baseUrl`. It
        /// is declared here, never templated, so the credential only goes to declared hosts.
        public var baseUrl: String?
        public var query: [String: String]?
        public var headers: [String: String]?
        public var body: Body?

        /// A request body template.
        public struct Body: Codable, Sendable {
            /// `json`, `form`, `multipart`, or `binary` (the template is one placeholder holding
            /// base64, sent decoded as `application/octet-stream`).
            public var encoding: String
            public var template: JSONValue
            /// `multipart` members whose value is base64, sent decoded as file parts
            /// (`application/octet-stream`; X's media `append` takes the chunk as `media`).
            public var fileParts: [String]?
        }
    }

    /// How a read action pages.
    public struct Pagination: Codable, Sendable {
        /// `none`, `cursor`, `page`, `offset`, `link_header`, `next_url`, `graphql`.
        public var style: String
        public var itemsPath: String?
        public var cursorPath: String?
        public var cursorParam: String?
        public var hasMorePath: String?
        public var nextUrlPath: String?
        public var pageParam: String?
        /// page: send `pageParam=1` on the first request too (Xero pages only when `page` is
        /// given; without it every match comes back in one answer).
        public var sendsFirstPage: Bool?
        public var offsetParam: String?
        public var limitParam: String?
        public var pageSize: Int?
        public var pageInfoPath: String?
        public var maxItems: Int?
        /// offset and page: where the body gives the total number of items (GA4 `rowCount`,
        /// Tableau's `pagination.totalAvailable`); paging stops when the items read reach it.
        public var totalPath: String?
    }

    /// What of the response an action returns.
    public struct ResponseMapping: Codable, Sendable {
        public var path: String?
        public var fields: [String: String]?
        /// A paged read's output members taken from the last page's body beside `items`
        /// (output name → dot path: GA4 `propertyQuota`, `rowCount`, headers).
        public var keep: [String: String]?
    }

    /// A webhook or polling trigger.
    public struct Trigger: Codable, Sendable {
        public var id: String
        public var type: String
        public var description: String
        public var signature: String?
        public var events: [String]?
        public var action: String?
        public var interval: String?
        /// polling: the read action's input, or the part of it every poll shares (a subscriber
        /// adds its own, such as a channel id).
        public var input: JSONValue?
        /// polling: how the action's output becomes events (defaults when absent).
        public var poll: Poll?

        /// How a polling trigger tells what is new: where the items are in the action's output,
        /// what identifies one, what changes when it changes, and which input narrows the next
        /// read to what changed since the newest version seen (`TriggerPoller`).
        public struct Poll: Codable, Sendable, Equatable {
            /// Dot path of the item list in the output; default: the output when it is a list,
            /// else its `items`; a path to an object makes that object the one item.
            public var items: String?
            /// Dot path of an item's id; default `id`. An item without one is identified by the
            /// SHA-256 of its JSON.
            public var id: String?
            /// Dot path of a value that changes whenever the item does (`updated_at`), or `*`
            /// for the item's whole JSON: with it a changed item is a new event; without it only
            /// new ids are.
            public var version: String?
            /// The action input set to the newest `version` seen (a watermark).
            public var since: String?
        }
    }

    /// What `neonhub connectors smoke` runs.
    public struct Smoke: Codable, Sendable {
        public var action: String
        public var input: JSONValue?
    }

    /// Every base URL the definition declares: its `baseUrl` and each action's own (the hosts
    /// that may receive the connection's credential).
    public var declaredBaseURLs: [String] {
        [baseUrl] + actions.compactMap { $0.request?.baseUrl }.filter { $0 != baseUrl }
    }

    /// The action with `id`, if any.
    public func action(_ id: String) -> Action? { actions.first { $0.id == id } }

    /// `GOOGLE_ADS` for `google-ads`: the prefix of the connector's environment variables.
    public var environmentPrefix: String { id.uppercased().replacingOccurrences(of: "-", with: "_") }
}
