// GitHub's OAuth app web flow, as documented at
//   https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
//   (GET /login/oauth/authorize: client_id, redirect_uri, scope space-delimited, state,
//   code_challenge + code_challenge_method S256 only — "the plain code challenge method is not
//   supported"; redirect URLs: same host and port as the registered callback, a path under
//   its path, any port for loopback hosts; the code expires after 10 minutes.
//   POST /login/oauth/access_token: client_id, client_secret, code, redirect_uri, code_verifier;
//   the answer is form-encoded `access_token=…&scope=repo%2Cgist&token_type=bearer` by default
//   and JSON with `Accept: application/json`; scopes in it are comma-separated),
//   https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors
//   (incorrect_client_credentials, redirect_uri_mismatch, bad_verification_code — answered with
//   HTTP 200, their format following the Accept header),
//   https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-authorization-request-errors
//   (redirect_uri_mismatch sent back to the registered callback), and
//   https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
//   (expiring user tokens: expires_in 28800, refresh_token ghr_…, refresh_token_expires_in
//   15897600; grant_type=refresh_token rotates the refresh token; bad_refresh_token).
// Assumed: a wrong or missing code_verifier is bad_verification_code (the code "doesn't match
// what you received in the first request"); a code_challenge_method other than S256 is sent back
// as error=invalid_request.

import Foundation
import HTTPFields
import Synchronization

extension GitHubFake {
    /// What the consent screen would do: a one-time code for `scopes`, bound to `redirectURI`
    /// (the app's own when nil) and to a PKCE S256 `challenge`, if given.
    public func authorize(scopes: [String] = ["repo", "read:user"], redirectURI: String? = nil, challenge: String? = nil) -> String {
        state.withLock { state in
            state.sequence += 1
            let code = String(format: "%020lx", 0x5eed_0000 + state.sequence)
            state.grants[code] = Grant(scopes: scopes, redirectURI: redirectURI ?? app.redirectURI, challenge: challenge, issuedAt: Date())
            return code
        }
    }

    /// `GET /login/oauth/authorize`: the user approves at once; 302 to the redirect URI with
    /// `code` and `state`, or with `error` when the request is refused.
    func authorizePage(_ request: Request) -> Reply {
        var query: [String: String] = [:]
        for (name, values) in request.queryItems { query[name] = values.last }
        guard query["client_id"] == app.clientID else {
            return Reply(status: 404, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array("<h1>404</h1>".utf8))
        }
        let redirect = query["redirect_uri"] ?? app.redirectURI
        let state = query["state"].map { [("state", $0)] } ?? []
        guard Self.redirectMatches(redirect, registered: app.redirectURI) else {
            return Self.redirect(
                app.redirectURI,
                [
                    ("error", "redirect_uri_mismatch"),
                    ("error_description", "The redirect_uri MUST match the registered callback URL for this application."),
                    (
                        "error_uri",
                        "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#redirect-uri-mismatch"
                    ),
                ] + state)
        }
        let challenge = query["code_challenge"]
        if challenge != nil || query["code_challenge_method"] != nil {
            guard query["code_challenge_method"] == "S256", let challenge, challenge.utf8.count == 43 else {
                return Self.redirect(
                    redirect,
                    [("error", "invalid_request"), ("error_description", "code_challenge must be 43 characters and code_challenge_method S256")]
                        + state)
            }
        }
        let scopes = (query["scope"] ?? "").split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        let code = authorize(scopes: scopes, redirectURI: redirect, challenge: challenge)
        return Self.redirect(redirect, [("code", code)] + state)
    }

    /// Same scheme and host as the registered callback, the same port unless the host is a
    /// loopback address, and a path at or under the callback's path.
    static func redirectMatches(_ given: String, registered: String) -> Bool {
        guard let given = URLComponents(string: given), let registered = URLComponents(string: registered) else { return false }
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(registered.host ?? "")
        guard given.scheme == registered.scheme, given.host == registered.host, loopback || given.port == registered.port else {
            return false
        }
        let base = registered.path.hasSuffix("/") ? registered.path : registered.path + "/"
        return given.path == registered.path || given.path.hasPrefix(base)
    }

    private static func redirect(_ target: String, _ items: [(String, String)]) -> Reply {
        let query = items.map { "\(component($0.0))=\(component($0.1))" }.joined(separator: "&")
        return Reply(status: 302, headers: ["Location": target + (target.contains("?") ? "&" : "?") + query])
    }

    private static func component(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// `POST /login/oauth/access_token`. Every answer, errors included, is HTTP 200: JSON when
    /// the request accepts `application/json`, form-encoded otherwise.
    func accessToken(_ request: Request) -> Reply {
        var form: [String: String] = [:]
        for (name, values) in request.queryItems { form[name] = values.last }
        for (name, values) in request.formItems { form[name] = values.last }
        let json = request.header("Accept")?.lowercased().contains("application/json") == true
        guard form["client_id"] == app.clientID, form["client_secret"] == app.clientSecret else {
            return Self.tokenAnswer(
                Self.refusal("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect."), json: json)
        }
        if form["grant_type"] == "refresh_token" {
            return Self.tokenAnswer(refresh(form["refresh_token"]), json: json)
        }
        let outcome = state.withLock { state -> [(String, String)] in
            guard let code = form["code"], let grant = state.grants[code], !grant.used, Date().timeIntervalSince(grant.issuedAt) < 600 else {
                return Self.refusal("bad_verification_code", "The code passed is incorrect or expired.")
            }
            if let redirect = form["redirect_uri"], redirect != grant.redirectURI {
                return Self.refusal("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.")
            }
            if let challenge = grant.challenge {
                guard let verifier = form["code_verifier"], PKCE.isWellFormedVerifier(verifier), PKCE.s256Challenge(verifier) == challenge else {
                    return Self.refusal("bad_verification_code", "The code passed is incorrect or expired.")
                }
            }
            state.grants[code]?.used = true
            return issue(&state, scopes: grant.scopes)
        }
        return Self.tokenAnswer(outcome, json: json)
    }

    private func refresh(_ token: String?) -> [(String, String)] {
        state.withLock { state in
            guard expiringTokens, let token, let scopes = state.refreshTokens.removeValue(forKey: token) else {
                return Self.refusal("bad_refresh_token", "The refresh token passed is incorrect or expired.")
            }
            return issue(&state, scopes: scopes)
        }
    }

    private func issue(_ state: inout State, scopes: [String]) -> [(String, String)] {
        let access = Self.mint(&state, prefix: expiringTokens ? "ghu_" : "gho_", scopes: scopes, into: \.tokens)
        var fields = [("access_token", access)]
        if expiringTokens {
            let refresh = Self.mint(&state, prefix: "ghr_", scopes: scopes, into: \.refreshTokens)
            fields += [("expires_in", "28800"), ("refresh_token", refresh), ("refresh_token_expires_in", "15897600")]
        }
        return fields + [("scope", scopes.joined(separator: ",")), ("token_type", "bearer")]
    }

    private static func refusal(_ code: String, _ description: String) -> [(String, String)] {
        let anchor = code.replacingOccurrences(of: "_", with: "-")
        return [
            ("error", code), ("error_description", description),
            ("error_uri", "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#\(anchor)"),
        ]
    }

    private static func tokenAnswer(_ fields: [(String, String)], json: Bool) -> Reply {
        if json {
            var object: [String: Any] = [:]
            for (name, value) in fields { object[name] = name.hasSuffix("expires_in") ? Int(value) ?? value : value }
            var reply = Reply.json(200, object: object)
            reply.headers.replaceOrAdd(name: "Content-Type", value: "application/json; charset=utf-8")
            return reply
        }
        let text = fields.map { "\(component($0.0))=\(component($0.1))" }.joined(separator: "&")
        return Reply(status: 200, headers: ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"], body: Array(text.utf8))
    }
}
