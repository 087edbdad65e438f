import CSystemShims
import Foundation
import Glibc
import Synchronization
import TimeUnits

/// The HTTP/1.1 server: a listening socket shared by one epoll event loop per core.
///
/// `start()` binds and spawns the loops; `shutdown()` stops accepting, closes idle
/// connections, lets in-flight requests finish (their responses carry `Connection: close`)
/// and force-closes whatever is left after `shutdownGrace`; `waitUntilStopped()` blocks
/// until then.
public final class HTTPServer: @unchecked Sendable {
    // `listener` and `loops` are written once in `start()` before any loop thread runs,
    // then only read; counters are atomics; `stopped` is a condition guarded by `state`.
    /// The configuration in force.
    public let configuration: HTTPServerConfiguration
    let handler: any HTTPHandler
    private(set) var listener: ListeningSocket?
    private var loops: [EventLoop] = []
    private let openConnections = Atomic<Int>(0)
    /// Which loop is asked next to close an idle connection for a loop at capacity.
    private let evictionTurn = Atomic<Int>(0)
    private let state = Mutex<(running: Int, shuttingDown: Bool)>((0, false))
    private let stoppedCondition = NSCondition()

    /// Creates a server; nothing is bound until `start()`.
    public init(configuration: HTTPServerConfiguration, handler: any HTTPHandler) {
        self.configuration = configuration
        self.handler = handler
    }

    /// The bound port (after `start()`).
    public var port: Int { listener?.port ?? configuration.port }

    /// Connections open right now.
    public var connectionCount: Int { openConnections.load(ordering: .relaxed) }

    /// Binds the socket and starts the event loops.
    public func start() throws {
        signal(SIGPIPE, SIG_IGN)
        listener = try ListeningSocket(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        loops = try (0..<configuration.eventLoopCount).map { try EventLoop(index: $0, server: self) }
        state.withLock { $0.running = loops.count }
        for loop in loops {
            let name = "http-loop-\(loop.index)"
            let thread = Thread { [self] in
                // The kernel's name for the thread (what `top -H`, `perf` and `ps -L` show).
                _ = nh_name_this_thread(name)
                loop.run()
                loopExited()
            }
            thread.name = name
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func loopExited() {
        let remaining = state.withLock { s -> Int in
            s.running -= 1
            return s.running
        }
        if remaining == 0 {
            listener?.close()
            stoppedCondition.lock()
            stoppedCondition.broadcast()
            stoppedCondition.unlock()
        }
    }

    /// Starts a graceful shutdown (idempotent). Returns at once.
    public func shutdown() {
        let first = state.withLock { s -> Bool in
            defer { s.shuttingDown = true }
            return !s.shuttingDown
        }
        guard first else { return }
        for loop in loops { loop.execute { loop.beginShutdown() } }
        let grace = configuration.shutdownGrace
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(grace.inNanoseconds))) { [loops] in
            for loop in loops { loop.execute { loop.forceClose() } }
        }
    }

    /// Whether every loop has exited.
    public var isStopped: Bool { state.withLock { $0.running == 0 } }

    /// Blocks the calling thread until every loop has exited.
    public func waitUntilStopped() {
        stoppedCondition.lock()
        while !isStopped { stoppedCondition.wait() }
        stoppedCondition.unlock()
    }

    func reserveConnectionSlot() -> Bool {
        let after = openConnections.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
        if after > configuration.maxConnections {
            openConnections.wrappingSubtract(1, ordering: .sequentiallyConsistent)
            return false
        }
        return true
    }

    /// Gives back a slot reserved for an accept that found nobody (or failed): nothing closed,
    /// so no loop is woken (two loops out of descriptors would otherwise wake each other in turn).
    func unreserveConnectionSlot() {
        openConnections.wrappingSubtract(1, ordering: .sequentiallyConsistent)
    }

    /// Frees the slot of a connection that closed, and wakes the loops that stopped accepting:
    /// a slot freed on one loop must not wait for a connection of the paused loop's own to close.
    func releaseConnectionSlot() {
        openConnections.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        for loop in loops where loop.isAcceptPaused {
            loop.execute { loop.resumeAccepting() }
        }
    }

    /// A loop at capacity found none of its own connections idle: the next other loop in turn
    /// closes its longest-idle keep-alive connection, if it has one (the freed slot wakes the
    /// paused loop).
    func evictIdleConnectionElsewhere(than loop: EventLoop) {
        let others = loops.filter { $0 !== loop }
        guard !others.isEmpty else { return }
        let other = others[evictionTurn.wrappingAdd(1, ordering: .relaxed).oldValue % others.count]
        other.execute { other.evictOneIdleConnection() }
    }
}
