import HTTPCore
import HTTPFields

extension TRPCHandler {
    /// How a request proved who it is.
    enum Credential {
        /// No credential: only public procedures answer.
        case anonymous
        /// A token from `Authorization: Bearer` or, on a subscription, from `connectionParams`.
        case token(AuthIdentity)
        /// The NextAuth session cookie (read-only calls from a listed origin).
        case sessionCookie(AuthIdentity)

        var identity: AuthIdentity? {
            switch self {
            case .anonymous: nil
            case .token(let identity), .sessionCookie(let identity): identity
            }
        }
    }

    /// The request's credential, or why it is refused. A presented token must be valid, even
    /// for public procedures; every way in goes through the same `TokenVerifier`.
    ///
    /// In order: the `Authorization` header; on a subscription, a token in tRPC's
    /// `connectionParams` query parameter (both at once is BAD_REQUEST: one token, one place);
    /// and only when neither is there, the NextAuth session cookie if `sessionCookies` admits
    /// the request. A cookie is sent by the browser whether or not the app meant it, so it
    /// never competes with an explicit token and is ignored where it does not count.
    func authenticate(_ request: HTTPRequest, subscription: Bool) -> Result<Credential, RPCError> {
        var explicit: String?
        if let header = request.headers["authorization"] {
            guard let token = bearerToken(fromAuthorizationHeader: header) else {
                return .failure(RPCError(.unauthorized, "Authorization must use the Bearer scheme"))
            }
            explicit = token
        }
        if subscription, let text = QueryString.parameters(request.query)[ConnectionParams.queryName] {
            let token: String?
            switch ConnectionParams.parse(text).flatMap({ $0.map { $0.bearerToken() } ?? .success(nil) }) {
            case .failure(let error): return .failure(error)
            case .success(let value): token = value
            }
            if let token {
                guard explicit == nil else {
                    return .failure(RPCError(.badRequest, "Send the token either in Authorization or in connectionParams, not both"))
                }
                explicit = token
            }
        }
        if let explicit { return verify(explicit).map(Credential.token) }
        if sessionCookies.admits(request),
            let cookie = NextAuthSessionCookie.token(fromCookieHeaders: request.headers.values(for: "cookie"))
        {
            return verify(cookie).map(Credential.sessionCookie)
        }
        return .success(.anonymous)
    }

    private func verify(_ token: String) -> Result<AuthIdentity, RPCError> {
        do {
            return .success(try verifier.verify(token))
        } catch {
            // AuthError reasons are fixed text: never the token.
            return .failure(RPCErrorMapper.wire(error) ?? RPCError(.unauthorized, "Invalid token"))
        }
    }
}
