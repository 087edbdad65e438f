import Foundation
import HTTPFields

// Redirects of requests that carry a credential outside `Authorization`: followed here, on the
// request's own origin only, since the transport would carry such a header anywhere.
extension ConnectorRuntime {
    /// `request` sent; when it does not let the transport follow redirects (its credential is in
    /// a header the transport would carry anywhere), up to five redirects on the request's own
    /// scheme, host and port are followed here with the same headers, and one elsewhere is the
    /// provider's refusal: the credential goes nowhere else.
    func sendFollowingSameOrigin(_ request: OutboundRequest, connector: String) async throws -> OutboundResponse {
        var request = request
        var response = try await client.send(request)
        guard !request.followsRedirects else { return response }
        var hops = 0
        while ConnectorFlowContext.redirectStatuses.contains(response.status) {
            let location = response.headers["Location"].flatMap { URL(string: $0, relativeTo: request.url)?.absoluteURL }
            guard let next = location, hops < 5, Self.sameOrigin(next, request.url) else {
                throw ConnectorError(
                    .providerRejected,
                    "\(connector) answered HTTP \(response.status) to \(location?.host ?? "nowhere"); a redirect away from the provider's host is not followed with the connection's credential"
                )
            }
            hops += 1
            if response.status == 303 || (response.status == 301 || response.status == 302) && request.method == "POST" {
                request.method = "GET"
                request.body = nil
            }
            request.url = next
            response = try await client.send(request)
        }
        return response
    }

    /// Whether `a` and `b` share scheme, host and port.
    static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased() && a.port == b.port
    }

    /// Whether a header other than `Authorization` carries one of `secrets`.
    static func carriesCredentialOutsideAuthorization(_ headers: HTTPHeaders, secrets: [String]) -> Bool {
        let secrets = secrets.filter { $0.utf8.count >= 8 }
        guard !secrets.isEmpty else { return false }
        return headers.contains { field in
            !HTTPHeaders.equalsIgnoringCase(field.name, "authorization") && secrets.contains { field.value.contains($0) }
        }
    }
}
