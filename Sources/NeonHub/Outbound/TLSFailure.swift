import Foundation

/// Reads what a TLS library's error says (BoringSSL's reason codes, as NIOSSL prints them:
/// `error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA at …`), so that a
/// provider refusing our client certificate, or our refusing the provider's, is told apart
/// from a network failure.
///
/// BoringSSL reports an alert *received* from the peer as `SSLV3_ALERT_<name>` or
/// `TLSV1_ALERT_<name>` (`SSL_R_…` codes 1000 + the alert number, RFC 8446 §6.2); a failure of
/// our own check of the provider's certificate is `CERTIFICATE_VERIFY_FAILED`, not an alert.
enum TLSFailure {
    /// The alerts a server sends when it refuses the client's certificate (RFC 8446 §6.2,
    /// RFC 5246 §7.2.2), with what each tells a person.
    private static let certificateAlerts: [(reason: String, meaning: String)] = [
        ("TLSV1_ALERT_UNKNOWN_CA", "unknown CA: the provider does not trust the authority that issued it"),
        ("SSLV3_ALERT_BAD_CERTIFICATE", "bad certificate"),
        ("SSLV3_ALERT_CERTIFICATE_REVOKED", "certificate revoked"),
        ("SSLV3_ALERT_CERTIFICATE_EXPIRED", "certificate expired"),
        ("SSLV3_ALERT_CERTIFICATE_UNKNOWN", "certificate unknown"),
        ("SSLV3_ALERT_UNSUPPORTED_CERTIFICATE", "unsupported certificate"),
        ("TLSV1_ALERT_ACCESS_DENIED", "access denied"),
        ("TLSV1_ALERT_CERTIFICATE_REQUIRED", "certificate required"),
    ]

    /// What our own check of the provider's certificate failing tells a person
    /// (`CERTIFICATE_VERIFY_FAILED`: BoringSSL does not say which check failed).
    static let unverifiedCertificate =
        "the provider's TLS certificate could not be verified: not from an authority trusted here, expired or not yet"
        + " valid, or its chain incomplete (behind a TLS-inspecting proxy, set OUTBOUND_CA_FILE to the proxy's CA)"

    /// What a TLS error says, one of three things.
    enum Reading: Equatable {
        /// The provider refused the client certificate we presented; the words say why.
        case refusal(String)
        /// Our own check of the provider's certificate failed (`unverifiedCertificate`).
        case unverified
        /// Anything else: its reason codes joined with commas (nil when there is none).
        case other(reasons: String?)
    }

    /// What a TLS library's error `text` says: a refusal ("the TLS handshake refused the client
    /// certificate (…)") when we `presentedCertificate` and it carries one of the certificate
    /// alerts (a server asking for a certificate we never had is not a refusal of one); else
    /// `unverified` for `CERTIFICATE_VERIFY_FAILED`; else its other reason codes.
    static func read(_ text: String, presentedCertificate: Bool) -> Reading {
        let codes = reasonCodes(in: text)
        if presentedCertificate, let alert = certificateAlerts.first(where: { codes.contains($0.reason) }) {
            return .refusal("the TLS handshake refused the client certificate (\(alert.meaning))")
        }
        if codes.contains("CERTIFICATE_VERIFY_FAILED") { return .unverified }
        return .other(reasons: codes.isEmpty ? nil : codes.joined(separator: ", "))
    }

    /// What NIOSSL's check of the provider's certificate against the host called failing tells
    /// a person: the host NIOSSL names in `text` ("Couldn't find <host> in certificate from
    /// peer": after a redirect, not the request's), else `fallback` (a host, not a secret).
    static func wrongHost(_ text: String, fallback: String) -> String {
        var host = fallback
        if let start = text.range(of: "Couldn't find "), let end = text.range(of: " in certificate", range: start.upperBound..<text.endIndex) {
            let named = text[start.upperBound..<end.lowerBound]
            if !named.isEmpty, named.count <= 253, named.allSatisfy({ $0.isLetter || $0.isNumber || ".-:[]".contains($0) }) { host = String(named) }
        }
        return "the provider's TLS certificate was not issued for \(host) (its names do not include the host called)"
    }

    /// The reason field of each `error:<hex>:<library>:<function>:<REASON>` entry in `text`
    /// (BoringSSL's `ERR_error_string_n` format), kept only if it is a code (capitals, digits,
    /// underscores): never a path or anything from a certificate or key.
    private static func reasonCodes(in text: String) -> [String] {
        var codes: [String] = []
        var rest = Substring(text)
        while let start = rest.range(of: "error:") {
            rest = rest[start.upperBound...]
            let fields = rest.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
            guard fields.count >= 4, !fields[0].isEmpty, fields[0].allSatisfy(\.isHexDigit) else { continue }
            let reason = fields[3].prefix { !$0.isWhitespace && $0 != ":" && $0 != "]" && $0 != ")" }
            if reason.count >= 3, reason.allSatisfy({ ($0.isUppercase && $0.isASCII) || $0.isNumber || $0 == "_" }), !codes.contains(String(reason)) {
                codes.append(String(reason))
            }
        }
        return codes
    }
}
