/// Size limits enforced while parsing a request (DESIGN §2 contract values by default).
public struct HTTPParserLimits: Sendable, Equatable {
    /// Longest request line (method, target, version) before answering 414.
    public var maxRequestLineBytes: Int
    /// Largest header block (after the request line) before answering 431.
    public var maxHeaderBytes: Int
    /// Most header fields before answering 431.
    public var maxHeaderCount: Int
    /// Largest body before answering 413.
    public var maxBodyBytes: Int

    /// Creates limits; the defaults are the contract's.
    public init(
        maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 16 * 1024,
        maxHeaderCount: Int = 100, maxBodyBytes: Int = 1024 * 1024
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
