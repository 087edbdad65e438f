// Not a provider fake: the `curl` command-line tool (https://curl.se/docs/manpage.html), for
// tests that must call an HTTPS server with a client certificate (`--cert`, `--key`) and trust
// a test CA (`--cacert`) — what URLSession cannot do portably — independently of the code under
// test. A refused TLS handshake is a non-zero exit (35 SSL connect error, 55/56 send/receive
// failure when TLS 1.3 reports the refusal after the handshake), with no HTTP status.

public import Foundation
import Postgres

/// One HTTP request by `curl`, through `ProcessRunner` (posix_spawn), on a thread of its own.
public enum CurlCommand {
    /// What curl did: its exit code and, when a response came, the status, headers and body.
    public struct Response: Sendable {
        /// curl's exit code (0: a response was read; see curl's EXIT CODES).
        public var exitCode: Int32
        /// The HTTP status (0 when there was no response).
        public var status: Int
        /// The header fields of the last response, by lowercased name.
        public var headers: [String: String]
        /// The body.
        public var body: Data
        /// curl's standard error (`-sS`: the failure, if any).
        public var standardError: String
        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The body as a JSON object (empty when it is not one).
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        /// A header by case-insensitive name.
        public func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    /// Whether the tool is installed.
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }

    static let path =
        ["/usr/bin/curl", "/usr/local/bin/curl", "/opt/homebrew/bin/curl"]
        .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/curl"

    /// Sends `method url` with `headers` and `body`, presenting `certificate` (nil: none) and
    /// trusting `caFile`. `basicAuth` (`user:password`) goes as curl's `--user`.
    public static func request(
        _ method: String, _ url: String, headers: [String: String] = [:], body: Data? = nil, certificate: TestPKI.Identity? = nil,
        caFile: URL, basicAuth: String? = nil, timeout: Int = 20
    ) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result {
                        try run(
                            method, url, headers: headers, body: body, certificate: certificate, caFile: caFile, basicAuth: basicAuth,
                            timeout: timeout)
                    })
            }
        }
    }

    private static func run(
        _ method: String, _ url: String, headers: [String: String], body: Data?, certificate: TestPKI.Identity?, caFile: URL,
        basicAuth: String?, timeout: Int
    ) throws -> Response {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("neonhub-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bodyFile = folder.appendingPathComponent("body"), headerFile = folder.appendingPathComponent("headers")
        var arguments = [
            "-sS", "--max-time", String(timeout), "-X", method, "--cacert", caFile.path, "-o", bodyFile.path, "-D", headerFile.path, "-w",
            "%{http_code}",
        ]
        if let certificate { arguments += ["--cert", certificate.certificateFile.path, "--key", certificate.keyFile.path] }
        if let basicAuth { arguments += ["--user", basicAuth] }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(name): \(value)"] }
        if let body {
            let requestBody = folder.appendingPathComponent("request")
            try body.write(to: requestBody)
            arguments += ["--data-binary", "@\(requestBody.path)"]
        }
        arguments.append(url)
        let output = try ProcessRunner.run(URL(fileURLWithPath: path), arguments)
        var fields: [String: String] = [:]
        let headerText = (try? String(contentsOf: headerFile, encoding: .utf8)) ?? ""
        // `-D` writes every response's head (a 100 Continue first); keep the last one's fields.
        for block in headerText.components(separatedBy: "\r\n\r\n") where !block.isEmpty {
            fields = [:]
            for line in block.components(separatedBy: "\r\n").dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return Response(
            exitCode: output.status, status: Int(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, headers: fields,
            body: (try? Data(contentsOf: bodyFile)) ?? Data(), standardError: output.standardError)
    }
}
