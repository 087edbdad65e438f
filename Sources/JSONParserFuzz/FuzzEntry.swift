import NeonHub

/// Feeds arbitrary bytes to the JSON parser. Whatever it accepts must survive a round trip:
/// written back out and parsed again, it is the same value (and the same bytes once more).
func fuzzOne(_ data: UnsafeBufferPointer<UInt8>) {
    guard let value = try? JSONValue.parse(data) else { return }
    let written = value.jsonBytes
    guard let again = try? JSONValue.parse(written) else {
        fatalError("the parser refuses what the writer wrote: \(String(decoding: written, as: UTF8.self))")
    }
    if again != value {
        fatalError("a round trip changed the value: \(String(decoding: written, as: UTF8.self))")
    }
    if again.jsonBytes != written {
        fatalError("writing the same value twice gave different bytes")
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
    @_cdecl("JSONParserFuzz_main")
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
