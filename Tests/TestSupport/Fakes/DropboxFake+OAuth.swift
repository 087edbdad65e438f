import Foundation
import HTTPFields
import Synchronization

// The OAuth token endpoint, the Bearer check and the argument checks of `DropboxFake`, as documented at
//   https://www.dropbox.com/developers/documentation/http/documentation#oauth2-token,
//   https://developers.dropbox.com/oauth-guide and
//   https://www.dropbox.com/developers/documentation/http/documentation (“Request and response formats”, “Errors”)
// (DropboxFake.swift's header cites the page of each answer).
extension DropboxFake {
    /// What the consent screen (`/oauth2/authorize`) would do: a one-time code for `scopes`, bound
    /// to `redirectURI` (the app's own when nil) and, with PKCE, to `codeChallenge`;
    /// `tokenAccessType` `offline` also gets a refresh token.
    public func authorize(
        scopes: Set<String> = DropboxFake.defaultScopes, redirectURI: String? = nil, codeChallenge: String? = nil,
        codeChallengeMethod: String? = nil, tokenAccessType: String? = "offline"
    ) -> String {
        state.withLock { state in
            state.sequence += 1
            let code = String(format: "Xq2dB0cI9fAAAAAAAAAA%08x-fk4Lm7Qw3Zx", state.sequence)
            state.grants[code] = Grant(
                scopes: scopes, redirectURI: redirectURI ?? app.redirectURI, challenge: codeChallenge,
                challengeMethod: codeChallenge == nil ? nil : (codeChallengeMethod ?? "plain"), offline: tokenAccessType == "offline")
            return code
        }
    }

    /// A short-lived access token for `scopes`, issued without the OAuth dance.
    public func issueToken(scopes: Set<String> = DropboxFake.defaultScopes) -> String {
        state.withLock { Self.mintAccess(&$0, scopes: scopes, refresh: nil) }
    }

    static func mintAccess(_ state: inout State, scopes: Set<String>, refresh: String?) -> String {
        state.sequence += 1
        let token = "sl.u.AF" + Data("dropbox-fake:access:\(state.sequence)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        state.tokens[token] = Token(scopes: scopes, refresh: refresh)
        return token
    }

    // MARK: - POST /oauth2/token

    /// `POST /oauth2/token`: a form with `grant_type` `authorization_code` (`code`, `redirect_uri`,
    /// `code_verifier`) or `refresh_token` (`refresh_token`); the app by HTTP Basic or as
    /// `client_id`/`client_secret` (only `client_id` for a PKCE grant). Errors: 400 RFC 6749 §5.2.
    func token(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return Self.oauthError("invalid_request", "request body must be application/x-www-form-urlencoded")
        }
        var form: [String: String] = [:]
        for (name, values) in request.formItems { form[name] = values.last }
        var clientID = form["client_id"], secret = form["client_secret"]
        if let header = request.header("Authorization"), header.lowercased().hasPrefix("basic ") {
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)).map {
                String(decoding: $0, as: UTF8.self)
            }
            let pair = decoded?.split(separator: ":", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) } ?? []
            guard pair.count == 2 else { return Self.oauthError("invalid_client", "Invalid client_id or client_secret") }
            if let named = clientID, named != pair[0] {
                return Self.oauthError("invalid_client", "client_id does not match the Authorization header")
            }
            (clientID, secret) = (pair[0], pair[1])
        }
        guard clientID == app.clientID else { return Self.oauthError("invalid_client", "Invalid client_id or client_secret") }
        if let secret, secret != app.clientSecret { return Self.oauthError("invalid_client", "Invalid client_id or client_secret") }
        switch form["grant_type"] {
        case "authorization_code":
            return tokenReply(
                state.withLock { state -> Result<[String: Any], Refusal> in
                    guard let code = form["code"], let grant = state.grants[code], !grant.used else {
                        return .failure(Refusal(reply: Self.oauthError("invalid_grant", "code doesn't exist or has expired")))
                    }
                    guard form["redirect_uri"] == grant.redirectURI else {
                        return .failure(Refusal(reply: Self.oauthError("invalid_grant", "redirect_uri mismatch")))
                    }
                    if let challenge = grant.challenge {
                        guard let verifier = form["code_verifier"], PKCE.isWellFormedVerifier(verifier),
                            (grant.challengeMethod == "S256" ? PKCE.s256Challenge(verifier) : verifier) == challenge
                        else { return .failure(Refusal(reply: Self.oauthError("invalid_grant", "invalid code verifier"))) }
                    } else if secret == nil {
                        return .failure(Refusal(reply: Self.oauthError("invalid_client", "No client secret, and the code was not issued with PKCE")))
                    }
                    state.grants[code]?.used = true
                    var refresh: String?
                    if grant.offline {
                        state.sequence += 1
                        let token = String(format: "Rk3vN8sQ2xAAAAAAAAAAA%08xWb6Jt1Yc5Hd9Lp0Ge4Uo7Mi2", state.sequence)
                        state.refreshTokens[token] = Refresh(scopes: grant.scopes, pkce: grant.challenge != nil)
                        refresh = token
                    }
                    var body: [String: Any] = [
                        "access_token": Self.mintAccess(&state, scopes: grant.scopes, refresh: refresh), "token_type": "bearer",
                        "expires_in": 14400, "scope": grant.scopes.sorted().joined(separator: " "), "account_id": account.id,
                        "uid": "4815162342",
                    ]
                    if let refresh { body["refresh_token"] = refresh }
                    return .success(body)
                })
        case "refresh_token":
            return tokenReply(
                state.withLock { state -> Result<[String: Any], Refusal> in
                    guard let token = form["refresh_token"], let grant = state.refreshTokens[token], !grant.revoked else {
                        return .failure(Refusal(reply: Self.oauthError("invalid_grant", "refresh token is invalid or revoked")))
                    }
                    guard secret != nil || grant.pkce else {
                        return .failure(Refusal(reply: Self.oauthError("invalid_client", "No client secret, and the grant was not issued with PKCE")))
                    }
                    // Not rotated: the answer holds no refresh_token, the old one stays valid.
                    return .success([
                        "access_token": Self.mintAccess(&state, scopes: grant.scopes, refresh: token), "token_type": "bearer", "expires_in": 14400,
                    ])
                })
        default:
            return Self.oauthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
        }
    }

    private func tokenReply(_ outcome: Result<[String: Any], Refusal>) -> Reply {
        switch outcome {
        case .success(let body): .json(200, object: body)
        case .failure(let refusal): refusal.reply
        }
    }

    static func oauthError(_ code: String, _ description: String) -> Reply {
        .json(400, object: ["error": code, "error_description": description])
    }

    // MARK: - Bearer and arguments

    /// The Bearer check: the token, or 400 (no or a non-Bearer `Authorization`), 401
    /// `invalid_access_token` / `expired_access_token`, 401 `missing_scope` naming `scope`.
    func authenticate(_ request: Request, endpoint: String, scope: String?) -> Result<String, Refusal> {
        guard let header = request.header("Authorization") else {
            return .failure(Refusal(reply: Self.badInput(endpoint, #"Must provide HTTP header "Authorization" or URL parameter "authorization"."#)))
        }
        guard header.lowercased().hasPrefix("bearer ") else {
            return .failure(
                Refusal(
                    reply: Self.badInput(
                        endpoint, #"Invalid authorization value in HTTP header "Authorization". Expecting "Bearer <oauth2-access-token>"."#)))
        }
        let value = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard let token = state.withLock({ $0.tokens[value] }), !token.revoked else {
            return .failure(Refusal(reply: Self.authError("invalid_access_token")))
        }
        if token.expired { return .failure(Refusal(reply: Self.authError("expired_access_token"))) }
        if let scope, !token.scopes.contains(scope) { return .failure(Refusal(reply: Self.authError("missing_scope", requiredScope: scope))) }
        return .success(value)
    }

    /// Whether `Content-Type` is one an RPC endpoint takes: JSON, or Dropbox's CORS text type.
    static func isRPCContentType(_ value: String?) -> Bool {
        guard let value = value?.lowercased().replacingOccurrences(of: " ", with: "") else { return false }
        return value == "application/json" || value.hasPrefix("application/json;") || value == "text/plain;charset=dropbox-cors-hack"
    }

    private static func badContentType(_ endpoint: String, _ value: String?, expecting: String) -> Reply {
        badInput(endpoint, "Bad HTTP \"Content-Type\" header: \"\(value ?? "")\".  Expecting one of \(expecting).")
    }

    static let rpcTypes = #""application/json", "text/plain; charset=dropbox-cors-hack""#

    /// An endpoint without parameters: no body (and no JSON `Content-Type`), or the JSON `null`.
    /// Nil when acceptable, else Dropbox's 400.
    func noArguments(_ request: Request, _ endpoint: String) -> Reply? {
        let type = request.header("Content-Type")
        let text = request.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty && type == nil { return nil }
        guard Self.isRPCContentType(type) else { return Self.badContentType(endpoint, type, expecting: Self.rpcTypes) }
        if text.isEmpty { return Self.badInput(endpoint, "request body: could not decode input as JSON") }
        return text == "null" ? nil : Self.badInput(endpoint, "request body: expected null, got value")
    }

    /// An RPC endpoint's arguments: a JSON object in a JSON body, or Dropbox's 400.
    func rpcArguments(_ request: Request, _ endpoint: String) -> Result<[String: Any], Refusal> {
        let type = request.header("Content-Type")
        guard Self.isRPCContentType(type) else { return .failure(Refusal(reply: Self.badContentType(endpoint, type, expecting: Self.rpcTypes))) }
        guard let object = request.json as? [String: Any] else {
            return .failure(Refusal(reply: Self.badInput(endpoint, "request body: could not decode input as JSON")))
        }
        return .success(object)
    }

    /// A content-upload endpoint's arguments: `Dropbox-API-Arg` (or the `arg` URL parameter) as
    /// header-safe JSON, with an `application/octet-stream` body; or Dropbox's 400.
    func contentArguments(_ request: Request, _ endpoint: String) -> Result<[String: Any], Refusal> {
        let type = request.header("Content-Type")
        guard let value = type?.lowercased(), value == "application/octet-stream" || value == "text/plain; charset=dropbox-cors-hack" else {
            return .failure(
                Refusal(
                    reply: Self.badContentType(endpoint, type, expecting: #""application/octet-stream", "text/plain; charset=dropbox-cors-hack""#)))
        }
        guard let argument = request.header("Dropbox-API-Arg") ?? request.queryItems["arg"]?.last else {
            return .failure(Refusal(reply: Self.badInput(endpoint, #"Must provide HTTP header "Dropbox-API-Arg" or URL parameter "arg"."#)))
        }
        // HTTP-header-safe JSON: a character above 0x7E must come escaped as \uXXXX.
        guard argument.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value <= 0x7E }),
            let object = (try? JSONSerialization.jsonObject(with: Data(argument.utf8))) as? [String: Any]
        else {
            return .failure(Refusal(reply: Self.badInput(endpoint, #"HTTP header "Dropbox-API-Arg": could not decode input as JSON"#)))
        }
        return .success(object)
    }

    /// 400 `request body: unknown field '<name>'` for a field `known` does not hold.
    static func unknownField(_ arguments: [String: Any], known: Set<String>, endpoint: String, where place: String = "request body") -> Reply? {
        guard let field = arguments.keys.sorted().first(where: { !known.contains($0) }) else { return nil }
        return badInput(endpoint, "\(place): unknown field '\(field)'")
    }
}
