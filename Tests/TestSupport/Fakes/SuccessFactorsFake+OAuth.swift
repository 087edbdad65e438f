// The token endpoint (POST /oauth/token, SAML 2.0 bearer assertion grant, RFC 7522
// https://www.rfc-editor.org/rfc/rfc7522) and the Bearer check of `SuccessFactorsFake`. Sources in
// SuccessFactorsFake.swift's header: SAP KBAs 3462403 (the request), 2668018 (invalid user, the
// error body), 3336571 (signature), 2872019 (token reuse, `new_token`, LGN0022), 2524436 (LGN
// codes); moveworks/developer-docs (api_key, recipient and API key messages); piejanssens/sf-oauth
// (the token's shape). The checks' order and every status other than 401 are inferred.

import Foundation
import HTTPFields
import Synchronization

extension SuccessFactorsFake {
    /// An assertion the token endpoint received, parsed, with what the fake made of it.
    public struct ReceivedAssertion: Sendable {
        /// The form's `client_id`.
        public var clientID: String?
        /// The form's `company_id`.
        public var companyID: String?
        /// The decoded XML (nil when `assertion` was not Base64).
        public var xml: String?
        /// `Issuer`.
        public var issuer: String?
        /// `Subject/NameID`.
        public var nameID: String?
        /// `SubjectConfirmationData/@Recipient`.
        public var recipient: String?
        /// `AudienceRestriction/Audience`.
        public var audience: String?
        /// The attributes by name (`api_key`, `use_username`, …).
        public var attributes: [String: String]
        /// Whether a token was issued.
        public var accepted: Bool
        /// The `errorMessage` answered, when refused.
        public var refusal: String?
    }

    /// `POST /oauth/token`.
    func token(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return Self.tokenError(400, "The request body must be application/x-www-form-urlencoded.")
        }
        let form = request.formItems.compactMapValues(\.last)
        var record = ReceivedAssertion(
            clientID: form["client_id"], companyID: form["company_id"], xml: nil, issuer: nil, nameID: nil, recipient: nil, audience: nil,
            attributes: [:], accepted: false, refusal: nil)
        let outcome = grant(form, &record)
        state.withLock { state in
            if case .success = outcome { state.grantCount += 1 }
            state.assertions.append(record)
        }
        switch outcome {
        case .success(let body): return .json(200, object: body)
        case .failure(let refusal): return refusal.reply
        }
    }

    private func refuse(_ status: Int, _ message: String, _ record: inout ReceivedAssertion) -> Result<[String: Any], Refusal> {
        record.refusal = message
        return .failure(Refusal(reply: Self.tokenError(status, message)))
    }

    private func grant(_ form: [String: String], _ record: inout ReceivedAssertion) -> Result<[String: Any], Refusal> {
        guard form["grant_type"] == Self.grantType else {
            return refuse(400, "Unsupported grant type: \(form["grant_type"] ?? "")", &record)
        }
        guard let company = form["company_id"], company == companyID else {
            return refuse(
                401, "Company [\(form["company_id"] ?? "")] not found. Please validate the spelling of your company id, which is case-sensitive.",
                &record)
        }
        guard let apiKey = form["client_id"], let client = state.withLock({ $0.clients[apiKey] }) else {
            return refuse(401, "API key does not exist in company", &record)
        }
        guard let encoded = form["assertion"], !encoded.isEmpty, let data = Data(base64Encoded: encoded) else {
            return refuse(400, "The assertion is not valid Base64.", &record)
        }
        let xml = String(decoding: data, as: UTF8.self)
        record.xml = xml
        guard let assertion = Self.parseAssertion(xml) else {
            return refuse(401, "Invalid SAML assertion: it is not a SAML 2.0 Assertion.", &record)
        }
        record.issuer = assertion.issuer
        record.nameID = assertion.nameID
        record.recipient = assertion.recipient
        record.audience = assertion.audiences.first
        record.attributes = assertion.attributes
        // The signature must cover the Assertion itself (the root, by its ID or the whole document),
        // and verify with the certificate registered with the client — never a key it carries.
        let signatureMessage =
            "Unable to verify the signature of the SAML assertion. Please ensure that the assertion has a signature and the key pairs match the client ID"
        let coversRoot =
            assertion.signatureCount == 1 && assertion.references.count == 1
            && (assertion.references[0] == "" || assertion.id.map { assertion.references[0] == "#" + $0 } == true)
        guard coversRoot, (try? XMLSecCommand.verify(xml: xml, certificatePEM: client.certificatePEM)) == true else {
            return refuse(401, signatureMessage, &record)
        }
        guard assertion.attributes["api_key"] == apiKey else {
            return refuse(401, "Unable to verify the SAML assertion - api_key doesn't match client_id", &record)
        }
        guard assertion.audiences.contains(Self.audience) else {
            return refuse(401, "Unable to verify the SAML assertion - the audience must be \(Self.audience)", &record)
        }
        let now = Date()
        if let notBefore = assertion.notBefore, notBefore > now {
            return refuse(401, "The SAML assertion is not yet valid (NotBefore).", &record)
        }
        guard let notOnOrAfter = assertion.notOnOrAfter, notOnOrAfter > now,
            let confirmationEnd = assertion.confirmationNotOnOrAfter, confirmationEnd > now
        else { return refuse(401, "The SAML assertion has expired.", &record) }
        guard let recipient = assertion.recipient, namesAPIServer(recipient) else {
            return refuse(401, "The recipient attribute value must be set as the URL of the API server", &record)
        }
        let invalidUser = "Unable to authenticate the client (Login failed - invalid user)"
        guard let name = assertion.nameID, !name.isEmpty, let user = findUser(name, assertion.attributes), ["t", "T"].contains(user.status) else {
            return refuse(401, invalidUser, &record)
        }
        record.accepted = true
        let forceNew = form["new_token"]?.lowercased() == "true"
        return .success(
            state.withLock { state in
                let live = state.tokens.filter { $0.value.userID == user.userID && $0.value.apiKey == apiKey && $0.value.expiresAt > now }
                    .max { $0.value.expiresAt < $1.value.expiresAt }
                if !forceNew, let live {
                    return ["access_token": live.key, "token_type": "Bearer", "expires_in": Int(live.value.expiresAt.timeIntervalSince(now))]
                }
                let token = Self.mint(&state, userID: user.userID, apiKey: apiKey, companyID: companyID)
                return ["access_token": token, "token_type": "Bearer", "expires_in": Int(state.tokenLifetime)]
            })
    }

    /// Whether `recipient` is an `https` URL of the API server the fake stands for, or an http(s)
    /// URL of the fake's own loopback address (`loopbackHost`, as a `{{vars.apiHost}}` in tests).
    private func namesAPIServer(_ recipient: String) -> Bool {
        guard let url = URLComponents(string: recipient), let host = url.host else { return false }
        if url.scheme == "https", host.lowercased() == apiHost.lowercased(), url.port == nil || url.port == 443 { return true }
        guard let own = URLComponents(string: baseURL) else { return false }
        return ["http", "https"].contains(url.scheme ?? "") && host == own.host && url.port == own.port
    }

    /// The user a NameID names: by `userId`, or by `username` with `use_username=true`, or by
    /// e-mail with `use_email=true`.
    private func findUser(_ name: String, _ attributes: [String: String]) -> User? {
        let users = state.withLock { $0.users }
        if attributes["use_username"]?.lowercased() == "true" { return users.first { $0.username == name } }
        if attributes["use_email"]?.lowercased() == "true" { return users.first { $0.email.lowercased() == name.lowercased() } }
        return users.first { $0.userID == name }
    }

    /// A new token, shaped like SuccessFactors' (Base64 of `{"tokenContent": …, "signature": …}`).
    static func mint(_ state: inout State, userID: String, apiKey: String, companyID: String) -> String {
        state.sequence += 1
        let issuedAt = Date()
        let expiresAt = issuedAt.addingTimeInterval(state.tokenLifetime)
        let content: [String: Any] = [
            "tokenContent": [
                "apiKey": apiKey, "sfPrinciple": "\(userID)#DIV#\(companyID)", "issuedFor": "neonhub-fake", "scope": "",
                "issuedAt": Int(issuedAt.timeIntervalSince1970 * 1000), "expiresAt": Int(expiresAt.timeIntervalSince1970 * 1000),
            ],
            "signature": String(format: "sig%013lx", state.sequence * 2_654_435_761),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: content, options: [.sortedKeys])) ?? Data()
        let token = data.base64EncodedString()
        state.tokens[token] = AccessToken(userID: userID, apiKey: apiKey, expiresAt: expiresAt)
        return token
    }

    /// The code the fake puts beside "[LGN0022]…" (SAP's is not published; see the header).
    public static let rejectedTokenCode = "TOKEN_REJECTED_OR_EXPIRED"

    /// The Bearer check: the token's user, or the refusal (LGN0003 without credentials, LGN0007
    /// for a token never issued, LGN0022 for an expired or revoked one).
    func authenticate(_ request: Request) -> Result<String, Refusal> {
        let header = request.header("Authorization") ?? ""
        guard header.lowercased().hasPrefix("bearer ") else {
            return .failure(
                Refusal(
                    reply: Self.odataError(
                        403, "CREDENTIALS_MISSING",
                        "[LGN0003]Authentication credentials are require. Please provide a valid user name, password and company id.")))
        }
        let value = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        let (held, rejection) = state.withLock { ($0.tokens[value], $0.tokenRejectionStatus) }
        guard let held else {
            return .failure(
                Refusal(
                    reply: Self.odataError(
                        403, "TOKEN_INVALID", "[LGN0007]Invalid OAuth token:\(value). Please validate the value for your OAuth token.")))
        }
        guard held.expiresAt > Date() else {
            return .failure(
                Refusal(reply: Self.odataError(rejection, Self.rejectedTokenCode, "[LGN0022]The access token is either rejected or expired")))
        }
        return .success(held.userID)
    }
}
