import Foundation
import Testing

@testable import NeonHub

/// `X-Twilio-Signature`: base64 HMAC-SHA1 of the full URL and the sorted form parameters.
@Suite struct TwilioSignatureTests {
    static let form = "To=%2B15550002&From=%2B15550001&Body=Hello+world&MessageSid=SM0001&AccountSid=AC0001&MessageStatus=received"
    // python3 -c 'import hmac,hashlib,base64
    // url="https://hub.example.com/webhooks/twilio?tenant=a"
    // p={"MessageSid":"SM0001","AccountSid":"AC0001","Body":"Hello world","From":"+15550001","To":"+15550002","MessageStatus":"received"}
    // print(base64.b64encode(hmac.new(b"twilio-token-test",(url+"".join(k+p[k] for k in sorted(p))).encode(),hashlib.sha1).digest()).decode())'
    static let expected = "8sK86qMms0/+djHm9QKiBJkN++k="
    let scheme = TwilioSignature(authToken: "twilio-token-test", publicURL: "https://hub.example.com/")

    static func request(body: String = form, signature: String? = expected, query: String? = "tenant=a") -> WebhookRequest {
        WebhookVectors.request(
            "twilio", body: body, headers: signature.map { [("X-Twilio-Signature", $0)] } ?? [],
            path: "/webhooks/twilio", query: query)
    }

    @Test func aValidSignatureIsAccepted() {
        #expect(WebhookVectors.outcome(scheme, Self.request()) == nil)
    }

    @Test func twiliosDocumentedExampleVerifies() {
        // The example of Twilio's security page (auth token 12345): its documented signature.
        let docs = TwilioSignature(authToken: "12345", publicURL: "https://mycompany.com")
        let request = WebhookVectors.request(
            "twilio", body: "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212",
            headers: [("X-Twilio-Signature", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")], path: "/myapp.php", query: "foo=1&bar=2")
        #expect(WebhookVectors.outcome(docs, request) == nil)
    }

    @Test func aTamperedParameterAnotherURLOrAnotherTokenIsRefused() {
        #expect(WebhookVectors.outcome(scheme, Self.request(body: Self.form.replacingOccurrences(of: "Hello", with: "Hallo"))) == .invalidSignature)
        #expect(WebhookVectors.outcome(scheme, Self.request(query: "tenant=b")) == .invalidSignature)
        #expect(
            WebhookVectors.outcome(TwilioSignature(authToken: "other", publicURL: "https://hub.example.com"), Self.request()) == .invalidSignature)
        #expect(
            WebhookVectors.outcome(TwilioSignature(authToken: "twilio-token-test", publicURL: "http://hub.example.com"), Self.request())
                == .invalidSignature)
    }

    @Test func aMissingHeaderIsRefused() {
        #expect(WebhookVectors.outcome(scheme, Self.request(signature: nil)) == .missingSignature)
    }
}
