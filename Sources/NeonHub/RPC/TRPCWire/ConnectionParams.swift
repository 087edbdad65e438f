import Foundation

/// tRPC v11 `connectionParams`: what `httpSubscriptionLink` adds to a subscription URL as
/// `connectionParams=<encodeURIComponent(JSON.stringify(params))>`, before `input`. The value
/// is `null` or a JSON object whose values are all strings (`@trpc/server`'s
/// `parseConnectionParamsFromString`); anything else is PARSE_ERROR (400), as there.
///
/// The values may be secrets: no error built here quotes one.
struct ConnectionParams: Equatable {
    /// The query parameter's name.
    static let queryName = "connectionParams"

    /// The parameters, by name.
    var values: [String: String]

    /// Parses the (percent-decoded) query value; `null` means none.
    static func parse(_ text: String) -> Result<ConnectionParams?, RPCError> {
        guard let value = try? JSONValue.parse(Array(text.utf8)) else {
            return .failure(RPCError(.parseError, "connectionParams is not valid JSON"))
        }
        switch value {
        case .null:
            return .success(nil)
        case .object(let members):
            var values: [String: String] = [:]
            for (name, member) in members {
                guard case .string(let text) = member else {
                    return .failure(RPCError(.parseError, "connectionParams must be a JSON object of string values"))
                }
                values[name] = text
            }
            return .success(ConnectionParams(values: values))
        default:
            return .failure(RPCError(.parseError, "connectionParams must be a JSON object of string values"))
        }
    }

    /// The bearer token the parameters carry: `token`, or `authorization` (any case) as
    /// `Bearer <token>`; nil when neither is there or both are empty. Both at once is
    /// BAD_REQUEST (one token, one place: RFC 6750 §2); an `authorization` in another scheme
    /// is UNAUTHORIZED, as the header would be.
    func bearerToken() -> Result<String?, RPCError> {
        let token = values["token"].flatMap { $0.isEmpty ? nil : $0 }
        let authorizations = values.filter { $0.key.lowercased() == "authorization" && !$0.value.isEmpty }.map(\.value)
        if authorizations.count > 1 { return .failure(Self.twice) }
        switch (token, authorizations.first) {
        case (nil, nil):
            return .success(nil)
        case (let token?, nil):
            return .success(token)
        case (nil, let authorization?):
            guard let token = NeonHub.bearerToken(fromAuthorizationHeader: authorization) else {
                return .failure(RPCError(.unauthorized, "connectionParams.authorization must use the Bearer scheme"))
            }
            return .success(token)
        case (_?, _?):
            return .failure(Self.twice)
        }
    }

    private static let twice = RPCError(.badRequest, "connectionParams carries the token more than once: send one")
}
