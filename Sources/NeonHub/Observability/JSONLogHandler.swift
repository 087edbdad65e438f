import Foundation
public import Logging

/// A swift-log handler that writes one JSON object per line to standard error:
/// `{"ts":…,"level":…,"logger":…,"msg":…, <metadata>}`. The metadata merges, in this order
/// (later wins), the logger's own, the metadata provider's (the current trace and request:
/// `TraceContext.metadataProvider`) and the line's.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (Data) -> Void

    /// Creates a handler for the logger `label`, writing to standard error.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, metadataProvider: metadataProvider) { FileHandle.standardError.write($0) }
    }

    /// Creates a handler writing each line (newline included) to `write`.
    init(label: String, metadataProvider: Logger.MetadataProvider?, write: @escaping @Sendable (Data) -> Void) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: Any] = [
            "ts": ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds]),
            "level": event.level.rawValue,
            "logger": label,
            "msg": event.message.description,
        ]
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        for (key, value) in merged { object[key] = Self.plain(value) }
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(10)
        write(line)
    }

    private static func plain(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let a): a.map(plain)
        case .dictionary(let d): d.mapValues(plain)
        }
    }
}

/// Installs the process-wide log handler once, per `LOG_FORMAT` and `LOG_LEVEL`, with the
/// trace metadata provider (every line written under a request or job names its trace).
public enum LoggingSetup {
    /// Bootstraps swift-log; call once at start-up.
    public static func bootstrap(format: String, level: Logger.Level) {
        LoggingSystem.bootstrap(
            { label, provider in
                makeHandler(label: label, format: format, level: level, metadataProvider: provider)
            }, metadataProvider: TraceContext.metadataProvider)
    }

    /// The handler `bootstrap` installs for the logger `label`.
    static func makeHandler(
        label: String, format: String, level: Logger.Level,
        metadataProvider: Logger.MetadataProvider? = TraceContext.metadataProvider
    ) -> any LogHandler {
        var handler: any LogHandler =
            format == "json"
            ? JSONLogHandler(label: label, metadataProvider: metadataProvider)
            : StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
        handler.logLevel = level
        return handler
    }
}
