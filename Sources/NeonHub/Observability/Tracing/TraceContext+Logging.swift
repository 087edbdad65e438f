public import Logging

extension TraceContext {
    /// Adds the current trace (`trace_id`, `span_id`, `parent_span_id`) and request id
    /// (`requestId`) to every line of a logger whose handler honours metadata providers
    /// (`JSONLogHandler`, swift-log's `StreamLogHandler`; `LoggingSetup` installs it). A
    /// line written outside any request or job gets nothing.
    public static let metadataProvider = Logger.MetadataProvider {
        current?.logMetadata ?? [:]
    }

    /// This context as log metadata.
    var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["trace_id": .string(traceID), "span_id": .string(spanID)]
        if let parentSpanID { metadata["parent_span_id"] = .string(parentSpanID) }
        if let requestID { metadata["requestId"] = .string(requestID) }
        return metadata
    }
}
