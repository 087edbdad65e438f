import Glibc

/// A failed system call on a socket, with `errno`.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    /// The call that failed, e.g. `bind`.
    public var call: String
    /// The `errno` value.
    public var code: Int32

    /// Creates an error from the current `errno`.
    init(_ call: String, code: Int32 = errno) {
        self.call = call
        self.code = code
    }

    public var description: String { "\(call) failed: \(String(cPointer: strerror(code))) (errno \(code))" }
}
