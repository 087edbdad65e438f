import Glibc

/// Bytes waiting to be written to a socket, sent with `writev` in as few calls as possible.
/// Small pieces are coalesced into the last buffer; large bodies stay separate (no copy).
struct OutputQueue {
    private var chunks: [[UInt8]] = []
    private var firstOffset = 0
    private static let coalesceLimit = 16 * 1024
    private static let maxIOVecs = 64

    var isEmpty: Bool { chunks.isEmpty }

    /// Bytes written since the queue was made (a flush that changes it made progress).
    private(set) var bytesWritten = 0

    /// Bytes still to write.
    var byteCount: Int { chunks.reduce(0) { $0 + $1.count } - firstOffset }

    /// Appends bytes, copying small ones into the tail buffer.
    mutating func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        if bytes.count < Self.coalesceLimit, !chunks.isEmpty, chunks[chunks.count - 1].count < Self.coalesceLimit,
            !(chunks.count == 1 && firstOffset > 0)
        {
            chunks[chunks.count - 1].append(contentsOf: bytes)
        } else {
            chunks.append(bytes)
        }
    }

    /// Appends bytes taken from a closure that writes into the tail buffer (avoids a temporary).
    mutating func withTail(_ body: (inout [UInt8]) -> Void) {
        if chunks.isEmpty || chunks[chunks.count - 1].count >= Self.coalesceLimit || (chunks.count == 1 && firstOffset > 0) {
            var fresh: [UInt8] = []
            fresh.reserveCapacity(512)
            chunks.append(fresh)
        }
        body(&chunks[chunks.count - 1])
        if chunks[chunks.count - 1].isEmpty { chunks.removeLast() }
    }

    enum FlushResult { case done, wouldBlock, failed }

    /// Writes as much as the socket takes.
    mutating func flush(to fd: Int32) -> FlushResult {
        while !chunks.isEmpty {
            let count = min(chunks.count, Self.maxIOVecs)
            var written = 0
            if count == 1 {
                written = chunks[0].withUnsafeBytes { raw in
                    Glibc.write(fd, raw.baseAddress! + firstOffset, raw.count - firstOffset)
                }
            } else {
                var iov = [iovec](repeating: iovec(), count: count)
                // The arrays stay alive and unmodified while writev runs.
                written = withExtendedLifetime(chunks) {
                    for k in 0..<count {
                        chunks[k].withUnsafeBytes { raw in
                            let offset = k == 0 ? firstOffset : 0
                            iov[k] = iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + offset), iov_len: raw.count - offset)
                        }
                    }
                    return writev(fd, iov, Int32(count))
                }
            }
            if written < 0 {
                if errno == EINTR { continue }
                return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .failed
            }
            bytesWritten += written
            consume(written)
        }
        return .done
    }

    private mutating func consume(_ written: Int) {
        var left = written
        while left > 0, !chunks.isEmpty {
            let available = chunks[0].count - firstOffset
            if left >= available {
                left -= available
                chunks.removeFirst()
                firstOffset = 0
            } else {
                firstOffset += left
                left = 0
            }
        }
    }
}
