import HTTPCore

/// Feeds arbitrary bytes to the HTTP request parser, whole and split in two at a point chosen
/// by the input, checking that both ways agree (same requests, same error status).
func fuzzOne(_ data: UnsafeBufferPointer<UInt8>) {
    let bytes = Array(data)
    let limits = HTTPParserLimits(maxRequestLineBytes: 256, maxHeaderBytes: 512, maxHeaderCount: 8, maxBodyBytes: 1024)
    let whole = ParserHarness.run(bytes, splits: [], limits: limits)
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % max(1, bytes.count)
    let pieces = ParserHarness.run(bytes, splits: [split], limits: limits)
    if whole.filter({ $0 != .continueExpected }) != pieces.filter({ $0 != .continueExpected }) {
        fatalError("parser disagrees with itself when input is split at \(split)")
    }
}

#if FUZZING
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        fuzzOne(UnsafeBufferPointer(start: data, count: size))
        return 0
    }

    @_silgen_name("LLVMFuzzerRunDriver")
    func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    /// SwiftPM links executables with `main` renamed to `<target>_main`; hand control to libFuzzer.
    @_cdecl("HTTPParserFuzz_main")
    public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        var count = argc
        var arguments = argv
        return runFuzzerDriver(&count, &arguments) { data, size in fuzzerTestOneInput(data, size) }
    }
#else
    import Foundation
    /// Without libFuzzer: replays the files named on the command line (a corpus or crash files).
    @main
    struct CorpusReplayer {
        static func main() {
            var count = 0
            for path in CommandLine.arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                [UInt8](data).withUnsafeBufferPointer { fuzzOne($0) }
                count += 1
            }
            print("replayed \(count) inputs without a failure")
        }
    }
#endif
