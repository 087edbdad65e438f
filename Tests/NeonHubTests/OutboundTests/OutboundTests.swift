import Testing

/// Namespace for the outbound HTTP client suites (`swift test --filter OutboundTests`).
@Suite enum OutboundTests {}
