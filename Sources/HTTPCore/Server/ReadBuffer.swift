import Glibc

/// A growable byte buffer that a socket reads into and the parser reads from.
/// Consumed bytes are dropped from the front lazily (compaction happens before a read).
struct ReadBuffer {
    private var storage: UnsafeMutablePointer<UInt8>?
    private var capacity: Int
    private var start = 0
    private var end = 0

    init(initialCapacity: Int) {
        capacity = initialCapacity
        storage = nil
    }

    /// Unread bytes.
    var count: Int { end - start }

    enum ReadResult {
        /// `n` bytes arrived; `filled` when they filled all free space (more may be waiting).
        case bytes(Int, filled: Bool)
        case wouldBlock
        case endOfFile
        case failed
    }

    /// One `read(2)` into free space, growing or compacting first as needed.
    mutating func read(from fd: Int32) -> ReadResult {
        ensureSpace()
        let space = capacity - end
        while true {
            let n = Glibc.read(fd, storage! + end, space)
            if n > 0 {
                end += n
                return .bytes(n, filled: n == space)
            }
            if n == 0 { return .endOfFile }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .failed
        }
    }

    private mutating func ensureSpace() {
        if storage == nil {
            storage = .allocate(capacity: capacity)
        }
        if start == end {
            start = 0
            end = 0
        }
        if capacity - end >= 2048 { return }
        if start > 0 {
            (storage! + 0).update(from: storage! + start, count: end - start)
            end -= start
            start = 0
            if capacity - end >= 2048 { return }
        }
        let newCapacity = capacity * 2
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: storage!, count: end)
        storage!.deallocate()
        storage = bigger
        capacity = newCapacity
    }

    /// Calls `body` with the unread bytes.
    func withUnreadBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        guard let storage else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return body(UnsafeBufferPointer(start: storage + start, count: end - start))
    }

    /// Capacity above which an empty buffer between requests is given back: one large body
    /// must not keep a megabyte per idle keep-alive connection.
    static let retainedCapacity = 64 * 1024

    /// Marks `n` bytes as read.
    mutating func consume(_ n: Int) {
        start += n
        if start == end {
            start = 0
            end = 0
        }
    }

    /// Frees the memory if the buffer is empty and grew past `retainedCapacity` (called
    /// between requests, not within a body: an upload would free and regrow it at every read).
    mutating func releaseIfLarge() {
        if start == end && capacity > Self.retainedCapacity { release() }
    }

    /// Bytes allocated now.
    var allocatedCapacity: Int { storage == nil ? 0 : capacity }

    /// Frees the memory (the buffer stays usable and reallocates on the next read).
    mutating func release() {
        storage?.deallocate()
        storage = nil
        start = 0
        end = 0
        capacity = 4096
    }
}
