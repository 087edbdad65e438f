// The token endpoint (POST /auth/oauth/v2/token, OAuth 2.0 client credentials, RFC 6749 §4.4,
// https://www.rfc-editor.org/rfc/rfc6749#section-4.4) and the Bearer check of `ADPFake`. Sources in
// ADPFake.swift's header: adplabs/adp-connection-node (Basic client authentication, form
// `grant_type`, 3600 s), JoeyRussoniello/Adp-Api-Client (form client_id/client_secret,
// `expires_in`), marketplace-sample-payloads (401 "Invalid authorization credentials"). The error
// bodies, their order and `scope` are inferred (RFC 6749 §5.2, ADP's gateway from memory).

import Foundation
import HTTPFields
import Synchronization

extension ADPFake {
    /// `POST /auth/oauth/v2/token`.
    func token(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return Self.oauthError(400, "invalid_request", "The request body must be application/x-www-form-urlencoded.")
        }
        let form = request.formItems
        guard form.values.allSatisfy({ $0.count == 1 }) else {
            return Self.oauthError(400, "invalid_request", "A parameter was repeated.")
        }
        let fields = form.compactMapValues(\.first)
        let basic = Self.basicCredentials(request.header("Authorization"))
        let inForm = fields["client_id"].map { ($0, fields["client_secret"] ?? "") }
        if request.header("Authorization") != nil, basic == nil {
            return Self.oauthError(401, "invalid_client", "The given client credentials were not valid")
        }
        if basic != nil, inForm != nil {
            return Self.oauthError(400, "invalid_request", "Client credentials were sent in more than one way.")
        }
        guard let (clientID, secret) = basic ?? inForm else {
            return Self.oauthError(401, "invalid_client", "The given client credentials were not valid")
        }
        guard let client = state.withLock({ $0.clients[clientID] }), Self.constantTimeEqual(client.secret, secret) else {
            return Self.oauthError(401, "invalid_client", "The given client credentials were not valid")
        }
        guard let grantType = fields["grant_type"] else {
            return Self.oauthError(400, "invalid_request", "Missing or duplicate parameters")
        }
        guard grantType == "client_credentials" else {
            return Self.oauthError(400, "unsupported_grant_type", "The grant type \(grantType) is not supported by this client.")
        }
        let (token, lifetime) = state.withLock { state in
            state.grantCount += 1
            return Self.mint(&state, clientID: clientID)
        }
        return .json(
            200, object: ["access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": "api"],
            headers: HTTPHeaders([("Cache-Control", "no-store"), ("Pragma", "no-cache")]))
    }

    /// A new token for `clientID`, lasting the current lifetime.
    static func mint(_ state: inout State, clientID: String) -> (token: String, lifetime: Int) {
        let token = UUID().uuidString.lowercased()
        state.tokens[token] = AccessToken(clientID: clientID, expiresAt: Date().addingTimeInterval(TimeInterval(state.tokenLifetime)))
        return (token, state.tokenLifetime)
    }

    /// The client id behind the request's Bearer token, or the 401 ADP answers.
    func authenticate(_ request: Request) -> Result<String, Refusal> {
        guard let authorization = request.header("Authorization"), authorization.lowercased().hasPrefix("bearer ") else {
            return .failure(Refusal(reply: Self.gatewayError(401, request, "Invalid request")))
        }
        let token = authorization.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        guard let issued = state.withLock({ $0.tokens[token] }) else {
            return .failure(Refusal(reply: Self.gatewayError(401, request, "Invalid authorization credentials")))
        }
        guard issued.expiresAt > Date() else {
            return .failure(Refusal(reply: Self.gatewayError(401, request, "Access token is expired")))
        }
        return .success(issued.clientID)
    }

    /// `Basic base64(id:secret)`'s parts, ids and secrets form-decoded as RFC 6749 §2.3.1 says.
    static func basicCredentials(_ header: String?) -> (String, String)? {
        guard let header, header.lowercased().hasPrefix("basic ") else { return nil }
        guard let data = Data(base64Encoded: header.dropFirst("basic ".count).trimmingCharacters(in: .whitespaces)) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        func decode(_ part: Substring) -> String { String(part).removingPercentEncoding ?? String(part) }
        return (decode(text[..<colon]), decode(text[text.index(after: colon)...]))
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
