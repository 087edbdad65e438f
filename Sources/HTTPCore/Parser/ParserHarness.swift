import HTTPFields

/// Drives a parser over a byte stream delivered in pieces, the way a connection does, and
/// summarises what it saw. Used by the tests and the fuzzer to compare deliveries.
public enum ParserHarness {
    /// One observed outcome.
    public enum Outcome: Equatable, Sendable {
        case request(method: String, target: String, headerCount: Int, body: [UInt8], keepAlive: Bool)
        case continueExpected
        case error(status: Int)
    }

    /// Feeds `bytes` cut at the given offsets and returns every outcome in order.
    public static func run(_ bytes: [UInt8], splits: [Int], limits: HTTPParserLimits = HTTPParserLimits()) -> [Outcome] {
        var parser = HTTPRequestParser(limits: limits)
        var buffer: [UInt8] = []
        var outcomes: [Outcome] = []
        var cuts = splits.filter { $0 > 0 && $0 < bytes.count }.sorted()
        cuts.append(bytes.count)
        var from = 0
        for cut in cuts where cut >= from {
            buffer.append(contentsOf: bytes[from..<cut])
            from = cut
            loop: while true {
                let (event, consumed) = buffer.withUnsafeBufferPointer { parser.next($0) }
                buffer.removeFirst(consumed)
                switch event {
                case .needMore:
                    break loop
                case .expectContinue:
                    outcomes.append(.continueExpected)
                case .request(let r):
                    outcomes.append(.request(method: r.method, target: r.target, headerCount: r.headers.count, body: r.body, keepAlive: r.keepAlive))
                case .error(let e):
                    outcomes.append(.error(status: e.status))
                    return outcomes
                }
            }
        }
        return outcomes
    }
}
