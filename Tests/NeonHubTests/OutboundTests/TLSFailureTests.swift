import Foundation
import Logging
import Synchronization
import Testing

@testable import NeonHub

/// Reading BoringSSL's errors as NIOSSL prints them (the texts below are what a handshake
/// against `TLSTerminator` produced): a provider's alert about our client certificate, told
/// apart from our own refusal of the provider's certificate, which is said in words too.
@Suite struct TLSFailureTests {
    static let unknownCA =
        "sslError([Error: 268436504 error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA at /BUILD_ROOT/CNIOBoringSSL/ssl/tls_record.cc:491])"

    static func refusal(_ text: String) -> String? { TLSFailure.read(text, presentedCertificate: true).refusal }
    static func reasons(_ text: String) -> String? { TLSFailure.read(text, presentedCertificate: false).reasons }

    @Test func aCertificateAlertFromTheProviderIsARefusalInWords() {
        #expect(Self.refusal(Self.unknownCA)?.contains("unknown CA") == true)
        let revoked = Self.unknownCA.replacingOccurrences(of: "TLSV1_ALERT_UNKNOWN_CA", with: "SSLV3_ALERT_CERTIFICATE_REVOKED")
        #expect(Self.refusal(revoked) == "the TLS handshake refused the client certificate (certificate revoked)")
        let required = Self.unknownCA.replacingOccurrences(of: "TLSV1_ALERT_UNKNOWN_CA", with: "TLSV1_ALERT_CERTIFICATE_REQUIRED")
        #expect(Self.refusal(required)?.contains("certificate required") == true)
        // TLS 1.2: the same alert inside the handshake error.
        #expect(Self.refusal("handshakeFailed(\(Self.unknownCA))")?.contains("unknown CA") == true)
    }

    @Test func anAlertWhenWePresentedNoCertificateIsNotARefusalOfOne() {
        #expect(TLSFailure.read(Self.unknownCA, presentedCertificate: false).refusal == nil)
        #expect(TLSFailure.read(Self.unknownCA, presentedCertificate: false) == .other(reasons: "TLSV1_ALERT_UNKNOWN_CA"))
        #expect(Self.reasons(Self.unknownCA) == "TLSV1_ALERT_UNKNOWN_CA")
    }

    @Test func onlyTheReasonFieldCountsNeverThePathOrOtherText() {
        // The alert's name in the build path or in free text is not an alert.
        let elsewhere = "sslError([Error: 1 error:10000418:SSL routines:OPENSSL_internal:UNEXPECTED_RECORD at /TLSV1_ALERT_UNKNOWN_CA/x.cc:1])"
        #expect(Self.refusal(elsewhere) == nil)
        #expect(Self.reasons(elsewhere) == "UNEXPECTED_RECORD")
        #expect(Self.refusal("TLSV1_ALERT_UNKNOWN_CA") == nil)
        #expect(Self.reasons(Self.unknownCA)?.contains("BUILD_ROOT") == false)
    }

    @Test func ourOwnRefusalOfTheProvidersCertificateOrAnotherAlertIsNot() {
        let verify = "handshakeFailed(sslError([Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at x.cc:1]))"
        #expect(Self.refusal(verify) == nil)
        // Ours: said in words whether or not we presented a certificate, not as a bare code.
        for presented in [true, false] {
            let said = TLSFailure.read(verify, presentedCertificate: presented)
            #expect(said == .unverified && said.reasons == nil && said.refusal == nil)
        }
        #expect(TLSFailure.read(Self.unknownCA, presentedCertificate: true) != .unverified)
        let protocolVersion = Self.unknownCA.replacingOccurrences(of: "TLSV1_ALERT_UNKNOWN_CA", with: "TLSV1_ALERT_PROTOCOL_VERSION")
        #expect(Self.refusal(protocolVersion) == nil)
        #expect(Self.reasons(protocolVersion) == "TLSV1_ALERT_PROTOCOL_VERSION")
        #expect(Self.reasons("uncleanShutdown") == nil)
    }

    @Test func theHostNIOSSLNamesIsTheOneSaidElseTheRequests() {
        let said = TLSFailure.wrongHost(
            "NIOSSLExtraError.failedToValidateHostname: Couldn't find api.redirected.example in certificate from peer", fallback: "api.example")
        #expect(said.contains("not issued for api.redirected.example"))
        #expect(TLSFailure.wrongHost("NIOSSLExtraError.failedToValidateHostname", fallback: "api.example").contains("not issued for api.example"))
        let odd = TLSFailure.wrongHost("Couldn't find a b/c in certificate", fallback: "api.example")
        #expect(odd.contains("not issued for api.example"), "only a host name is taken from the text")
    }

    @Test func anUnverifiedCertificateEndsTheCallAtTheFirstAttemptInWordsWhereANetworkFailureIsRetried() async throws {
        for (kind, attempts) in [(OutboundTransportError.Kind.certificateUnverified, 1), (.network, 4)] {
            let transport = FailingTransport(OutboundTransportError(kind, detail: TLSFailure.unverifiedCertificate))
            // Bounds a starved test run cannot reach: the failures are immediate.
            let client = ClientFixtures.client(transport, maxRetries: 3, attemptTimeout: .seconds(60), deadline: .seconds(120))
            let error = await ClientFixtures.outboundError { try await client.send(ClientFixtures.request("https://api.example")) }
            #expect(error?.code == .network && error?.attempts == attempts, "\(kind)")
            #expect(transport.calls == attempts)
            #expect((error?.message == TLSFailure.unverifiedCertificate) == (kind == .certificateUnverified), "\(kind)")
        }
    }
}

/// A transport whose every call fails with one error, counting the calls.
final class FailingTransport: OutboundTransport {
    private let error: OutboundTransportError
    private let count = Mutex(0)

    /// How many calls were made.
    var calls: Int { count.withLock { $0 } }

    init(_ error: OutboundTransportError) { self.error = error }

    func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        count.withLock { $0 += 1 }
        throw error
    }
}

extension TLSFailure.Reading {
    /// The refusal's words, if it is one.
    var refusal: String? { if case .refusal(let words) = self { words } else { nil } }
    /// The other reason codes, if it is neither a refusal nor an unverified certificate.
    var reasons: String? { if case .other(let reasons) = self { reasons } else { nil } }
}
