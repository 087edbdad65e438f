// Not a provider fake: a TLS front for one, by the `socat` command-line tool (Debian package
// `socat`, http://www.dest-unreach.org/socat/doc/socat.html, checked against socat 1.7.4.4), for
// providers that authenticate callers by mutual TLS (ADP: every call, token call included, over
// a connection with the client certificate ADP signed). `OPENSSL-LISTEN` with `cert`, `key`,
// `cafile` and `verify=1` asks for a client certificate and refuses a handshake without one or
// with one the CA did not sign (socat: "peer did not return a certificate", "certificate verify
// failed"); `openssl-min-proto-version=TLS1.2` refuses TLS 1.0/1.1; the ciphers are OpenSSL's
// defaults. `fork` serves each connection in a child; `TCP:127.0.0.1:<port>` relays the
// decrypted bytes to the loopback fake, which so sees no request at all from a refused caller.

public import Foundation
import Postgres

#if canImport(Glibc)
    import Glibc
#endif

/// `https://localhost:<port>` in front of a plain-HTTP loopback server, requiring a client
/// certificate signed by `pki.ca`: a `socat` process started with `ProcessRunner.spawn`
/// (posix_spawn, never Foundation's `Process`) in a process group of its own, waited for until
/// its port accepts, and killed with its per-connection children by `stop()` or when the value
/// is released.
public final class TLSTerminator: Sendable {
    /// socat failed to start or to listen.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with socat's standard error.
        public let description: String
    }

    /// Whether `socat` is installed.
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }

    static let path =
        ["/usr/bin/socat", "/usr/local/bin/socat", "/opt/homebrew/bin/socat"]
        .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/socat"

    /// The certificates: the server's, the CA client certificates must chain to, and clients'.
    public let pki: TestPKI
    /// The TLS port on 127.0.0.1.
    public let port: Int
    /// The plain-HTTP port the decrypted traffic goes to.
    public let upstreamPort: Int
    private let process: SpawnedProcess

    /// `https://localhost:<port>` (the server certificate names `localhost` and `127.0.0.1`).
    public var baseURL: String { "https://localhost:\(port)" }
    /// The CA certificate, PEM: what a client trusts the server by.
    public var caPEM: String { pki.caPEM }
    /// The server certificate, PEM.
    public var serverCertificatePEM: String { pki.server.certificatePEM }
    /// The client certificate the front accepts, PEM.
    public var clientCertificatePEM: String { pki.client.certificatePEM }
    /// That certificate's private key, PEM.
    public var clientKeyPEM: String { pki.client.keyPEM }

    /// Starts socat in front of `upstream` (`http://127.0.0.1:<port>`, a started fake's
    /// `baseURL`) and waits up to `timeout` until it accepts connections. `clientCA` replaces
    /// `pki.ca` as the only authority whose client certificates it accepts (a provider that
    /// stopped trusting a certificate); `port` listens there instead of on a free port;
    /// `certificate` replaces `pki.server` as the certificate the front presents.
    public convenience init(
        upstream: String, pki: TestPKI, clientCA: URL? = nil, port: Int? = nil, certificate: TestPKI.Identity? = nil, timeout: TimeInterval = 15
    ) throws {
        guard let upstreamPort = URL(string: upstream)?.port else { throw Failure(description: "no port in \(upstream)") }
        try self.init(upstreamPort: upstreamPort, pki: pki, clientCA: clientCA, port: port, certificate: certificate, timeout: timeout)
    }

    /// Starts socat in front of `127.0.0.1:upstreamPort`; see `init(upstream:pki:clientCA:port:certificate:timeout:)`.
    public init(
        upstreamPort: Int, pki: TestPKI, clientCA: URL? = nil, port fixedPort: Int? = nil, certificate: TestPKI.Identity? = nil,
        timeout: TimeInterval = 15
    ) throws {
        let presented = certificate ?? pki.server
        self.pki = pki
        self.upstreamPort = upstreamPort
        var lastError = ""
        for _ in 0..<5 {
            let port = try fixedPort ?? Self.freePort()
            let listen = [
                "OPENSSL-LISTEN:\(port)", "bind=127.0.0.1", "reuseaddr", "fork", "cert=\(presented.certificateFile.path)",
                "key=\(presented.keyFile.path)", "cafile=\((clientCA ?? pki.ca.certificateFile).path)", "verify=1",
                "openssl-min-proto-version=TLS1.2",
            ].joined(separator: ",")
            let child = try ProcessRunner.spawn(
                URL(fileURLWithPath: Self.path), ["-lh", listen, "TCP:127.0.0.1:\(upstreamPort)"], newProcessGroup: true)
            let deadline = Date().addingTimeInterval(timeout)
            while child.isRunning, Date() < deadline, !Self.accepts(port) { usleep(20_000) }
            if child.isRunning, Self.accepts(port) {
                self.port = port
                self.process = child
                return
            }
            lastError = child.standardError
            child.signal(SIGKILL)
            _ = try? child.waitUntilExit()
        }
        throw Failure(description: "socat did not listen: \(lastError)")
    }

    /// `init(upstream:pki:clientCA:port:certificate:timeout:)` on a thread of its own: the wait for socat's port does
    /// not block the cooperative pool.
    public static func start(
        upstream: String, pki: TestPKI, clientCA: URL? = nil, port: Int? = nil, certificate: TestPKI.Identity? = nil, timeout: TimeInterval = 15
    ) async throws -> TLSTerminator {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result {
                        try TLSTerminator(upstream: upstream, pki: pki, clientCA: clientCA, port: port, certificate: certificate, timeout: timeout)
                    })
            }
        }
    }

    deinit { shutDown() }

    /// Kills socat and its per-connection children (its process group), so that no kept-alive
    /// connection outlives this front (a client's pooled connection then fails, as when a
    /// provider goes away).
    public func stop() { shutDown() }

    /// Whether socat still runs.
    public var isRunning: Bool { process.isRunning }

    /// What socat has logged (refused handshakes among it).
    public var log: String { process.standardError }

    private func shutDown() {
        guard process.isRunning else { return }
        process.signalGroup(SIGKILL)  // socat and its per-connection children
        _ = try? process.waitUntilExit()
    }

    /// An ephemeral port the kernel just handed out (and took back).
    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw Failure(description: "bind: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a TCP connection to 127.0.0.1:`port` is accepted.
    private static func accepts(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
