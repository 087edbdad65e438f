import Foundation

/// The app a provider fake has registered, as an OAuth provider's developer console holds
/// it: what `client_id`, `client_secret` and `redirect_uri` of an authorization must match
/// (RFC 6749 §2, https://www.rfc-editor.org/rfc/rfc6749#section-2).
public struct FakeOAuthApp: Sendable {
    /// `client_id`.
    public var clientID: String
    /// `client_secret`.
    public var clientSecret: String
    /// The one redirect URI the app registered.
    public var redirectURI: String

    /// An app.
    public init(clientID: String, clientSecret: String, redirectURI: String) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.redirectURI = redirectURI
    }

    /// Whether `authorization` is HTTP Basic with this app's `client_id:client_secret` (RFC 6749
    /// §2.3.1, https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1).
    public func isBasicClient(_ authorization: String?) -> Bool {
        guard let header = authorization, header.lowercased().hasPrefix("basic "),
            let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces))
        else { return false }
        let pair = String(decoding: data, as: UTF8.self).split(separator: ":", maxSplits: 1).map(String.init)
        return pair.count == 2 && pair[0] == clientID && pair[1] == clientSecret
    }
}
