// Microsoft Entra ID's v2.0 token endpoint for the client credentials grant, as the fakes of
// Microsoft services (Dynamics365Fake, PowerBIFake) serve it:
// `POST /{tenant}/oauth2/v2.0/token`, form-encoded `grant_type=client_credentials`, `client_id`,
// `client_secret` (in the body or by HTTP Basic) and one `scope` ending in `/.default` →
// `{token_type, expires_in, ext_expires_in, access_token}`; refusals as
// `{error, error_description: "AADSTSnnnn: …", error_codes, timestamp, trace_id, correlation_id, error_uri}`:
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
// https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes

import Foundation

/// One directory's client credentials grant for one app: checks a token request as Entra does
/// and says which resource it asks for; the calling fake mints the token.
struct EntraClientCredentials: Sendable {
    typealias Reply = FakeProviderServer.Reply

    /// The directory's id; `domain` is its verified domain. Either names it in the path.
    let tenantID: String
    let domain: String
    let app: FakeOAuthApp

    /// What a token request comes to.
    enum Outcome {
        /// Granted for this resource (the scope without `/.default`).
        case resource(String)
        /// Refused with Entra's answer.
        case refused(Reply)
    }

    /// The resource `request` (made to `/{tenant}/oauth2/v2.0/token`) is granted for, or why not.
    func check(_ request: FakeProviderServer.RecordedRequest, tenant: String) -> Outcome {
        guard tenant == tenantID || tenant.lowercased() == domain else {
            return .refused(
                Self.error(400, "invalid_request", "AADSTS90002: Tenant '\(tenant)' not found. Check to make sure you have the correct tenant ID."))
        }
        let missing = { (name: String) in
            Outcome.refused(Self.error(400, "invalid_request", "AADSTS900144: The request body must contain the following parameter: '\(name)'."))
        }
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return missing("grant_type")
        }
        var form: [String: String] = [:]
        for (name, values) in request.formItems { form[name] = values.last }
        // The client authenticates in the body or with HTTP Basic (RFC 6749 §2.3.1).
        if let basic = request.header("Authorization"), basic.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(basic.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":")
        {
            form["client_id"] = form["client_id"] ?? String(decoded[..<colon]).removingPercentEncoding
            form["client_secret"] = String(decoded[decoded.index(after: colon)...]).removingPercentEncoding
        }
        guard let grant = form["grant_type"] else { return missing("grant_type") }
        guard grant == "client_credentials" else {
            return .refused(Self.error(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type '\(grant)'."))
        }
        guard form["client_id"] == app.clientID else {
            return .refused(
                Self.error(
                    400, "unauthorized_client",
                    "AADSTS700016: Application with identifier '\(form["client_id"] ?? "")' was not found in the directory '\(domain)'."))
        }
        guard let scope = form["scope"], !scope.isEmpty else { return missing("scope") }
        guard scope.hasSuffix("/.default"), !scope.contains(" ") else {
            return .refused(
                Self.error(
                    400, "invalid_scope",
                    "AADSTS1002012: The provided value for scope \(scope) is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                ))
        }
        guard form["client_secret"] == app.clientSecret else {
            return .refused(
                Self.error(
                    401, "invalid_client",
                    "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID."
                ))
        }
        return .resource(String(scope.dropLast("/.default".count)))
    }

    /// The grant's answer carrying `accessToken` (an hour, as Entra gives an app).
    static func granted(_ accessToken: String) -> Reply {
        .json(200, object: ["token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": accessToken])
    }

    /// Entra ID's error body; the AADSTS number of `description` is its error code.
    static func error(_ status: Int, _ error: String, _ description: String) -> Reply {
        let code = Int(description.dropFirst(5).prefix { $0.isNumber }) ?? 0
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return .json(
            status,
            object: [
                "error": error, "error_description": description, "error_codes": [code], "timestamp": formatter.string(from: Date()),
                "trace_id": UUID().uuidString.lowercased(), "correlation_id": UUID().uuidString.lowercased(),
                "error_uri": "https://login.microsoftonline.com/error?code=\(code)",
            ])
    }
}
