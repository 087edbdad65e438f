import CSystemShims
import Glibc
import Synchronization

/// One thread running one epoll instance. Connections accepted by a loop stay on it for
/// life, so their state is touched by one thread only. Other threads hand work to the loop
/// with `execute(_:)` (a locked queue plus an eventfd wake-up).
final class EventLoop: @unchecked Sendable {
    // Everything below except `tasks` and `wakeFD` is confined to the loop thread.
    let epollFD: Int32
    let wakeFD: Int32
    let index: Int
    unowned let server: HTTPServer
    private let tasks = Mutex<[@Sendable () -> Void]>([])
    /// Work queued from the loop thread itself (no lock, no wake-up needed).
    private var localTasks: [@Sendable () -> Void] = []
    /// Work for after the next poll of the sockets (`executeNextTurn`).
    private var nextTurnTasks: [@Sendable () -> Void] = []
    /// The loop thread's id (0 until `run()` starts); read from any thread.
    private let threadID = Atomic<UInt>(0)
    private(set) var connections: [Connection?] = []
    private(set) var connectionCount = 0
    let dateCache = DateCache()
    /// Monotonic time of the latest wake-up, in nanoseconds.
    private(set) var now: UInt64 = EventLoop.monotonicNanos()
    private var nextSweep: UInt64 = 0
    private var listening = false
    /// Accepting stopped at capacity (or out of descriptors); read by other loops' threads to
    /// wake this one when a slot frees anywhere.
    private let acceptPaused = Atomic<Bool>(false)
    /// Set while an eviction closes a connection whose slot goes to the one being accepted.
    private var slotHandedOver = false
    private(set) var shuttingDown = false
    private var running = true

    private static let wakeToken: UInt64 = UInt64(UInt32.max)
    private static let listenToken: UInt64 = UInt64(UInt32.max) - 1

    init(index: Int, server: HTTPServer) throws {
        self.index = index
        self.server = server
        epollFD = nh_epoll_create()
        guard epollFD >= 0 else { throw SocketError("epoll_create1") }
        wakeFD = nh_eventfd()
        guard wakeFD >= 0 else { throw SocketError("eventfd") }
        nh_epoll_add(epollFD, wakeFD, nh_EPOLLIN, Self.wakeToken)
    }

    deinit {
        Glibc.close(epollFD)
        Glibc.close(wakeFD)
    }

    var inLoopThread: Bool {
        let id = threadID.load(ordering: .acquiring)
        return id != 0 && pthread_equal(pthread_t(id), pthread_self()) != 0
    }

    /// Runs `task` on the loop thread (soon, in FIFO order). Thread-safe.
    func execute(_ task: @escaping @Sendable () -> Void) {
        if inLoopThread {
            localTasks.append(task)
            return
        }
        let wasEmpty = tasks.withLock { queue in
            queue.append(task)
            return queue.count == 1
        }
        if wasEmpty {
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, 8)
        }
    }

    /// Runs `task` on the loop thread after the next poll of the sockets has been served, so
    /// that one connection's resumed work (a parse pass that stopped at its budget) waits its
    /// turn behind the others'. Loop thread only.
    func executeNextTurn(_ task: @escaping @Sendable () -> Void) {
        nextTurnTasks.append(task)
    }

    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    // MARK: Loop

    /// The loop body; returns when the loop has shut down and has no connections left.
    func run() {
        threadID.store(UInt(pthread_self()), ordering: .releasing)
        startListening()
        let capacity = 256
        let tokens = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        let events = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        defer {
            tokens.deallocate()
            events.deallocate()
        }
        while running {
            let n = nh_epoll_wait(epollFD, tokens, events, Int32(capacity), localTasks.isEmpty ? 250 : 0)
            let waitError = n < 0 ? errno : 0  // read before anything else can change errno
            now = Self.monotonicNanos()
            dateCache.refresh()
            if n < 0 && waitError != EINTR { break }
            if n > 0 {
                for k in 0..<Int(n) {
                    let token = tokens[k]
                    if token == Self.wakeToken {
                        drainTasks()
                    } else if token == Self.listenToken {
                        acceptConnections()
                    } else if let connection = connection(for: Int32(truncatingIfNeeded: token)) {
                        connection.handleEvents(events[k])
                    }
                }
            }
            runLocalTasks()
            if now >= nextSweep {
                nextSweep = now + 100_000_000
                sweepTimeouts()
            }
            if !nextTurnTasks.isEmpty {
                localTasks.append(contentsOf: nextTurnTasks)  // after the next poll (which then does not wait)
                nextTurnTasks.removeAll(keepingCapacity: true)
            }
            if shuttingDown && connectionCount == 0 { running = false }
        }
        for case let connection? in connections { connection.close() }
    }

    private func connection(for fd: Int32) -> Connection? {
        let i = Int(fd)
        return i >= 0 && i < connections.count ? connections[i] : nil
    }

    private func runLocalTasks() {
        var rounds = 0
        while !localTasks.isEmpty && rounds < 64 {
            let batch = localTasks
            localTasks.removeAll(keepingCapacity: true)
            for task in batch { task() }
            rounds += 1
        }
    }

    private func drainTasks() {
        var value: UInt64 = 0
        _ = Glibc.read(wakeFD, &value, 8)
        let batch = tasks.withLock { queue -> [@Sendable () -> Void] in
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
        for task in batch { task() }
    }

    // MARK: Accepting

    private func startListening() {
        guard !shuttingDown, let listener = server.listener else { return }
        if nh_epoll_add(epollFD, listener.fd, nh_EPOLLIN | nh_EPOLLEXCLUSIVE, Self.listenToken) == 0 { listening = true }
    }

    private func stopListening() {
        guard listening, let listener = server.listener else { return }
        nh_epoll_del(epollFD, listener.fd)
        listening = false
    }

    private func acceptConnections() {
        guard let listener = server.listener else { return }
        var idle: [Connection]?
        for _ in 0..<64 {
            // At capacity, a connection is taken only in exchange for an idle one, and only once
            // one is known to be waiting (accepted first): a wake-up with nobody left in the
            // backlog must not close anything.
            let reserved = server.reserveConnectionSlot()
            if !reserved {
                if idle == nil { idle = idleConnectionsOldestLast() }
                guard idle?.isEmpty == false else {
                    // None of this loop's connections is idle: leave the rest in the kernel
                    // backlog, and ask another loop to close its longest-idle one.
                    pauseAccepting()
                    // A slot freed between the failed reservation and the pause woke nobody:
                    // give it back the waking way.
                    if server.reserveConnectionSlot() { server.releaseConnectionSlot() }
                    server.evictIdleConnectionElsewhere(than: self)
                    return
                }
            }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    nh_accept(listener.fd, $0, &length)
                }
            }
            guard fd >= 0 else {
                let error = errno
                if reserved { server.unreserveConnectionSlot() }  // wakes nobody: nothing closed
                if error == EMFILE || error == ENFILE { pauseAccepting() }
                return
            }
            if !reserved && !evictOldest(&idle) {
                Glibc.close(fd)  // the idle ones all woke up meanwhile: the client retries later
                return
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let connection = Connection(fd: fd, loop: self, remoteAddress: SocketAddress.host(of: storage))
            register(connection)
        }
    }

    private func register(_ connection: Connection) {
        let fd = Int(connection.fd)
        if fd >= connections.count {
            connections.append(contentsOf: [Connection?](repeating: nil, count: fd - connections.count + 64))
        }
        connections[fd] = connection
        connectionCount += 1
        nh_epoll_add(epollFD, connection.fd, nh_EPOLLIN | nh_EPOLLOUT | nh_EPOLLRDHUP | nh_EPOLLET, UInt64(connection.fd))
        connection.start()
    }

    /// Called by a connection when it has closed its socket. Its slot is freed (waking loops
    /// paused at capacity) unless an eviction hands it to the connection being accepted.
    func unregister(_ connection: Connection) {
        let fd = Int(connection.fd)
        if fd < connections.count, connections[fd] === connection { connections[fd] = nil }
        connectionCount -= 1
        if slotHandedOver {
            slotHandedOver = false
        } else {
            server.releaseConnectionSlot()
        }
    }

    // MARK: Capacity

    /// Whether accepting is paused (any thread).
    var isAcceptPaused: Bool { acceptPaused.load(ordering: .sequentiallyConsistent) }

    private func pauseAccepting() {
        stopListening()
        acceptPaused.store(true, ordering: .sequentiallyConsistent)
    }

    /// Starts accepting again after a pause, when a connection has closed on any loop. Loop
    /// thread only.
    func resumeAccepting() {
        guard acceptPaused.exchange(false, ordering: .sequentiallyConsistent), !shuttingDown else { return }
        startListening()
    }

    /// This loop's keep-alive connections waiting for a request, the longest idle last.
    private func idleConnectionsOldestLast() -> [Connection] {
        connections.compactMap { $0 }.filter(\.isIdleKeepAlive).sorted { $0.deadline > $1.deadline }
    }

    /// Closes the longest-idle connection of `idle` that is still idle, handing its slot to
    /// the caller; false when none is.
    private func evictOldest(_ idle: inout [Connection]?) -> Bool {
        while let oldest = idle?.popLast() {
            guard oldest.isIdleKeepAlive, !oldest.hasUnreadInput else { continue }
            slotHandedOver = true
            oldest.close()
            return true
        }
        return false
    }

    /// Closes this loop's longest-idle keep-alive connection, if any, for a loop paused at
    /// capacity (the freed slot wakes it). Loop thread only.
    func evictOneIdleConnection() {
        guard let oldest = idleConnectionsOldestLast().last(where: { !$0.hasUnreadInput }) else { return }
        oldest.close()
    }

    // MARK: Timeouts and shutdown

    private func sweepTimeouts() {
        for case let connection? in connections where connection.deadline != 0 && connection.deadline <= now {
            connection.deadlinePassed()
        }
    }

    /// Stops accepting, closes idle connections and lets busy ones finish. Loop thread only.
    func beginShutdown() {
        guard !shuttingDown else { return }
        shuttingDown = true
        stopListening()
        for case let connection? in connections { connection.shutdownRequested() }
    }

    /// Closes every connection at once (grace period over). Loop thread only.
    func forceClose() {
        shuttingDown = true
        stopListening()
        for case let connection? in connections { connection.close() }
        running = false
    }
}

/// Swift tasks can run on an event loop (`Task(executorPreference: responder.executor)`), so
/// that a handler's async work and its response stay on the connection's thread.
extension EventLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        execute { job.runSynchronously(on: executor) }
    }
}
