import CZlib
import HTTPFields

/// gzip compression of response bodies through zlib.
public enum Gzip {
    /// Compresses `input` into a gzip member (RFC 1952). Returns nil if zlib fails.
    public static func compress(_ input: [UInt8], level: Int32 = 5) -> [UInt8]? {
        var stream = z_stream()
        // windowBits 15 + 16 selects the gzip wrapper.
        let initStatus = deflateInit2_(
            &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let status: Int32 = input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }

    /// Decompresses a gzip member (used by tests and clients). Returns nil on corrupt input.
    public static func decompress(_ input: [UInt8], maxOutput: Int = 64 * 1024 * 1024) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        input.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = uInt(inBuf.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
            } while status == Z_OK && output.count <= maxOutput
        }
        return status == Z_STREAM_END ? output : nil
    }

    /// Whether an `Accept-Encoding` value admits gzip (a `q=0` refuses it; `*` admits it).
    public static func isAccepted(by acceptEncoding: String) -> Bool {
        var gzip: Bool?
        var star: Bool?
        for item in acceptEncoding.split(separator: ",") {
            let parts = item.split(separator: ";")
            guard let coding = parts.first?.trimmingASCIIWhitespace().lowercased() else { continue }
            var q = 1.0
            for param in parts.dropFirst() {
                let p = param.trimmingASCIIWhitespace()
                if p.lowercased().hasPrefix("q="), let v = Double(p.dropFirst(2)) { q = v }
            }
            if coding == "gzip" || coding == "x-gzip" { gzip = q > 0 }
            if coding == "*" { star = q > 0 }
        }
        return gzip ?? star ?? false
    }
}
