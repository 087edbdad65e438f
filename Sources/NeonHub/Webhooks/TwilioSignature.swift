public import Foundation

/// Twilio webhooks: `X-Twilio-Signature: <base64 HMAC-SHA1>` keyed with the account's auth
/// token, over the full URL Twilio called (`PUBLIC_URL` + path + `?query`) followed, for form
/// posts, by every POST parameter sorted by name, each name and value concatenated with no
/// separator. JSON posts carry `bodySHA256=<hex SHA-256 of the body>` in the URL instead; the
/// URL alone is signed and the body's hash must match it.
///
/// Reference: https://www.twilio.com/docs/usage/webhooks/webhooks-security
/// ("Validating signatures from Twilio").
public struct TwilioSignature: WebhookSignatureScheme {
    /// `TWILIO_AUTH_TOKEN`.
    let authToken: [UInt8]
    /// The server's public base URL, as configured at Twilio (`PUBLIC_URL`).
    let publicURL: String

    /// A verifier for one auth token and public base URL.
    public init(authToken: String, publicURL: String) {
        self.authToken = Array(authToken.utf8)
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
    }

    public var signatureHeaders: [String] { ["X-Twilio-Signature"] }

    /// The account a delivery claims to be from (`AccountSid` of the form, or of a JSON body):
    /// unverified, it only chooses which accounts' tokens to check the signature with.
    public static func accountSid(_ request: WebhookRequest) -> String? {
        if let form = FormBody.object(request.body)["AccountSid"], !form.isEmpty { return form }
        guard WebhookEventParser.isJSON(request.body), let json = try? JSONValue.parse(request.body) else { return nil }
        return JSONPath.text(json["AccountSid"])
    }

    /// The string Twilio signs for `request`.
    func signedString(_ request: WebhookRequest) -> String {
        var signed = publicURL + request.path + (request.query.map { "?" + $0 } ?? "")
        if request.queryParameters["bodySHA256"] == nil {
            let sorted = FormBody.pairs(request.body).sorted { $0.name == $1.name ? $0.value < $1.value : $0.name < $1.name }
            for (name, value) in sorted { signed += name + value }
        }
        return signed
    }

    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookError) {
        guard let header = request.header("X-Twilio-Signature"), !header.isEmpty else {
            throw WebhookError(.missingSignature, "X-Twilio-Signature is missing")
        }
        let expected = HMACSHA1.authenticate(message: Array(signedString(request).utf8), key: authToken)
        guard WebhookEncoding.matches(WebhookEncoding.unbase64(header), expected) else {
            throw WebhookError(.invalidSignature, "X-Twilio-Signature does not match the URL and parameters")
        }
        if let bodyHash = request.queryParameters["bodySHA256"],
            !WebhookEncoding.matches(WebhookEncoding.unhex(bodyHash), SHA256Digest.digest(request.body))
        {
            throw WebhookError(.invalidSignature, "bodySHA256 does not match the body")
        }
    }
}
