import ArgumentParser
import Foundation
import HTTPCore
import HTTPFields
import Logging
import NeonHub

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `neonhub bench-outbound`: what one outbound call costs. Starts our own HTTP server on a
/// loopback port (one event loop, a 200 answer with a small JSON body), then measures, each for
/// `--seconds`: wrk against it (the server's own CPU per request and the loopback ceiling), and
/// `OutboundClient` over each transport (AsyncHTTPClient, the one connectors use, and
/// URLSession) and each bare transport, with 1 and `--concurrency` requests in flight. CPU is the whole process's (`getrusage`), so a client's own cost per request is its
/// phase's CPU per request minus the server's, measured under wrk.
///
/// To measure the client in a process of its own (and other clients against the same
/// endpoint): `--serve-only` serves for `--seconds` and prints the URL; `--url` runs only the
/// client phases against that URL, and then all of the process's CPU is the client's.
struct BenchOutboundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-outbound",
        abstract: "Benchmark the outbound HTTP client (AsyncHTTPClient and URLSession) against a loopback server, beside wrk.")

    @Option(help: "Requests in flight for the concurrent phases.")
    var concurrency: Int = 32

    @Option(help: "How long each phase runs, in seconds.")
    var seconds: Int = 5

    @Option(help: "The wrk binary; the wrk phases are skipped when it is missing.")
    var wrk: String = "/usr/bin/wrk"

    @Flag(help: "Only serve the endpoint for --seconds (print its URL), for clients in other processes.")
    var serveOnly = false

    @Option(help: "Run only the client phases, against this URL (a `--serve-only` endpoint).")
    var url: String?

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard (1...120).contains(seconds) else { throw ValidationError("--seconds must be between 1 and 120") }
        if let url, URL(string: url)?.host == nil { throw ValidationError("--url must be an absolute http URL") }
    }

    func run() async throws {
        if let url {
            try await measureClients(url, serverMicros: 0)
            return
        }
        var serverConfiguration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, eventLoopCount: 1)
        serverConfiguration.shutdownGrace = .milliseconds(200)
        let server = HTTPServer(configuration: serverConfiguration, handler: PingHandler())
        try server.start()
        defer { server.shutdown() }
        let url = "http://127.0.0.1:\(server.port)/v1/ping"
        if serveOnly {
            FileHandle.standardOutput.write(Data((url + "\n").utf8))
            try await Task.sleep(for: .seconds(seconds))
            return
        }
        var serverMicros: Double?
        if FileManager.default.isExecutableFile(atPath: wrk) {
            for connections in [1, concurrency] {
                let result = try await WrkRun.run(wrk, url: url, connections: connections, seconds: seconds)
                if connections == concurrency { serverMicros = result.cpuMicrosPerRequest }
                print(Self.line("wrk (server CPU only)", connections, result.requestsPerSecond, result.cpuMicrosPerRequest, nil, nil))
            }
        } else {
            print("wrk not found at \(wrk): no baseline, no server-CPU subtraction")
        }
        try await measureClients(url, serverMicros: serverMicros)
    }

    /// The client phases; `serverMicros` is subtracted from the process's CPU per request.
    private func measureClients(_ url: String, serverMicros: Double?) async throws {
        let session = Self.session(connections: concurrency)
        defer { session.invalidateAndCancel() }
        var logger = Logger(label: "neonhub.bench-outbound")
        logger.logLevel = .error
        let transport = URLSessionTransport(session: session)
        let overURLSession = OutboundClient(configuration: OutboundConfiguration(), transport: transport, logger: logger)
        let pooled = AsyncHTTPClientTransport()
        let client = OutboundClient(configuration: OutboundConfiguration(), transport: pooled, logger: logger)
        let phase = Duration.seconds(seconds)

        print("endpoint \(url), \(seconds) s per phase, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        _ = try await Load.run(concurrency: 4, for: .seconds(1)) { try await Self.call(client, url) }  // warm-up
        _ = try await Load.run(concurrency: 4, for: .seconds(1)) { try await Self.call(overURLSession, url) }
        let phases: [(String, @Sendable () async throws -> Void)] = [
            ("OutboundClient (AHC)", { @Sendable in try await Self.call(client, url) }),
            ("AsyncHTTPClientTransport", { @Sendable in try await Self.call(pooled, url) }),
            ("OutboundClient (URLSession)", { @Sendable in try await Self.call(overURLSession, url) }),
            ("URLSessionTransport only", { @Sendable in try await Self.call(transport, url) }),
        ]
        for (name, call) in phases {
            for inFlight in [1, concurrency] {
                let result = try await Load.run(concurrency: inFlight, for: phase, call)
                let clientMicros = serverMicros.map { result.cpuMicrosPerRequest - $0 }
                print(Self.line(name, inFlight, result.requestsPerSecond, result.cpuMicrosPerRequest, clientMicros, result.p50Micros))
            }
        }
    }

    private static func call(_ client: OutboundClient, _ url: String) async throws {
        let request = OutboundRequest(
            method: "GET", url: URL(string: url)!, urlTemplate: "/v1/ping",
            labels: OutboundLabels(connector: "bench", action: "ping"))
        _ = try await client.send(request)
    }

    private static func call(_ transport: any OutboundTransport, _ url: String) async throws {
        let request = TransportRequest(method: "GET", url: URL(string: url)!, headers: ["User-Agent": "NeonHub/bench"], body: nil)
        let response = try await transport.send(request, timeout: .seconds(30))
        guard response.status == 200 else { throw ValidationError("unexpected status \(response.status)") }
    }

    /// A server-side session allowing `connections` connections to the one host.
    private static func session(connections: Int) -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.httpMaximumConnectionsPerHost = connections
        return URLSession(configuration: configuration)
    }

    private static func line(_ name: String, _ inFlight: Int, _ rps: Double, _ cpu: Double, _ clientCPU: Double?, _ p50: Double?) -> String {
        var text =
            "\(name.padding(toLength: 28, withPad: " ", startingAt: 0)) in-flight=\(inFlight) req/s=\(format(rps)) process-cpu-us/req=\(format(cpu))"
        if let clientCPU { text += " client-cpu-us/req=\(format(clientCPU))" }
        if let p50 { text += " p50-us=\(format(p50))" }
        return text
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// Answers every request with 200 and a small JSON body, at once.
private struct PingHandler: HTTPHandler {
    func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        responder.respond(HTTPResponse(status: 200, contentType: "application/json", body: #"{"ok":true}"#))
    }
}
