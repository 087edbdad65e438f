import Logging
import Synchronization

/// Collects every log line (message and metadata, rendered) so that a test can search them.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    /// Everything logged so far.
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
    /// How many lines were logged.
    var count: Int { lines.withLock { $0.count } }

    /// Every line logged so far, one string each.
    var all: [String] { lines.withLock { $0 } }

    /// A logger at `trace` level that writes here, adding `metadataProvider`'s metadata (e.g.
    /// `TraceContext.metadataProvider`) to every line as the production handlers do.
    func logger(label: String = "test.capture", metadataProvider: Logger.MetadataProvider? = nil) -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self, metadataProvider: metadataProvider) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadataProvider: Logger.MetadataProvider?
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(metadataProvider?.get() ?? [:]) { $1 }.merging(event.metadata ?? [:]) { $1 }
            let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append("\(event.level) \(event.message) \(rendered)")
        }
    }
}
