import Foundation
import NeonHub

/// Feeds arbitrary bytes to the webhook signature-header parsers. The first byte picks the
/// scheme, the bytes up to the first newline are the signature header's value, the rest the
/// body. No input may crash a verifier, and a delivery accepted for a body must be refused
/// once the body's last byte changes (the signature covers every byte).
let secret = "fuzz-secret"
let schemes: [(header: String, scheme: any WebhookSignatureScheme)] = [
    ("X-Hub-Signature-256", MetaSignature(appSecret: secret)),
    ("X-Shopify-Hmac-Sha256", ShopifySignature(apiSecret: secret)),
    ("Stripe-Signature", StripeSignature(secrets: [secret, "fuzz-secret-2"])),
    ("X-Slack-Signature", SlackSignature(signingSecret: secret)),
    ("TikTok-Signature", TikTokSignature(clientSecret: secret)),
    ("X-LI-Signature", LinkedInSignature(clientSecret: secret)),
    ("X-PagerDuty-Signature", PagerDutySignature(secrets: [secret])),
    ("X-DocuSign-Signature-1", DocuSignSignature(secrets: [secret])),
    ("X-Twilio-Signature", TwilioSignature(authToken: secret, publicURL: "https://hub.example.com")),
]

func fuzzOne(_ data: UnsafeBufferPointer<UInt8>) {
    guard let first = data.first else { return }
    let (name, scheme) = schemes[Int(first) % schemes.count]
    let rest = Array(data.dropFirst())
    let split = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
    let value = String(decoding: rest[..<split], as: UTF8.self)
    let body = split < rest.endIndex ? Array(rest[(split + 1)...]) : []
    let headers = [(name: name, value: value), (name: "X-Slack-Request-Timestamp", value: "1767225600")]
    let now = Date(timeIntervalSince1970: 1_767_225_600)
    let request = WebhookRequest(connector: "fuzz", method: "POST", body: body, headers: headers, path: "/webhooks/fuzz", query: nil)
    guard (try? scheme.verify(request, now: now)) != nil, !body.isEmpty, !(scheme is TwilioSignature) else { return }
    var changed = body
    changed[changed.count - 1] ^= 0x01
    let tampered = WebhookRequest(connector: "fuzz", method: "POST", body: changed, headers: headers, path: "/webhooks/fuzz", query: nil)
    if (try? scheme.verify(tampered, now: now)) != nil {
        fatalError("\(name) accepted a body that differs from the signed one")
    }
}

#if FUZZING
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        fuzzOne(UnsafeBufferPointer(start: data, count: size))
        return 0
    }

    @_silgen_name("LLVMFuzzerRunDriver")
    func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    /// SwiftPM links executables with `main` renamed to `<target>_main`; hand control to libFuzzer.
    @_cdecl("WebhookSignatureFuzz_main")
    public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        var count = argc
        var arguments = argv
        return runFuzzerDriver(&count, &arguments) { data, size in fuzzerTestOneInput(data, size) }
    }
#else
    /// Without libFuzzer: replays the files named on the command line (a corpus or crash files).
    @main
    struct CorpusReplayer {
        static func main() {
            var count = 0
            for path in CommandLine.arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                [UInt8](data).withUnsafeBufferPointer { fuzzOne($0) }
                count += 1
            }
            print("replayed \(count) inputs without a failure")
        }
    }
#endif
