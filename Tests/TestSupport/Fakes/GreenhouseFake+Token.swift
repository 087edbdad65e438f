// Greenhouse's token endpoint for Harvest v3 custom integrations, as GreenhouseFake.swift cites it
// (https://harvestdocs.greenhouse.io/docs/authentication,
// https://harvestdocs.greenhouse.io/reference/generate-token): the client-credentials grant with
// the client authenticated by HTTP Basic, a form body, and `{access_token, token_type, expires_at}`.

import Foundation
import Synchronization

extension GreenhouseFake {
    /// `POST /token`: the client-credentials grant.
    func token(_ request: Request) -> Reply {
        let pair = Self.basicPair(request.header("Authorization"))
        let (client, secret) = pair ?? ("", "")
        guard pair != nil,
            [(Self.clientID, Self.clientSecret), (Self.jobsOnlyClientID, Self.jobsOnlyClientSecret)].contains(where: {
                $0.0 == client && $0.1 == secret
            }),
            !state.withLock({ $0.revoked.contains(client) })
        else { return .json(401, object: ["error": "invalid_client"]) }
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return .json(400, object: ["error": "invalid_request"])
        }
        let form = request.formItems
        guard form["grant_type"]?.last == "client_credentials" else { return .json(400, object: ["error": "unsupported_grant_type"]) }
        var user: Int?
        if let sub = form["sub"]?.last {
            guard let id = Int(sub), id == Self.userID else { return .json(400, object: ["error": "invalid_request"]) }
            user = id
        }
        let issued = mintToken(client: client, userID: user)
        return .json(200, object: ["access_token": issued.value, "token_type": "Bearer", "expires_at": Self.iso(issued.expiresAt)])
    }

    /// The `user:password` of a Basic `Authorization`.
    static func basicPair(_ header: String?) -> (String, String)? {
        guard let header, header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

}
