import Testing

@testable import Postgres

@Suite struct PostgresPoolStateTests {
    typealias State = PostgresPoolState<Int, String>

    @Test func handsOutIdleSlotsThenQueuesWaiters() {
        var state = State(slots: [1, 2])
        guard case .use(2) = state.acquire(id: 1, waiter: "a", isCancelled: false) else {
            Issue.record("expected slot 2")
            return
        }
        guard case .use(1) = state.acquire(id: 2, waiter: "b", isCancelled: false) else {
            Issue.record("expected slot 1")
            return
        }
        guard case .wait = state.acquire(id: 3, waiter: "c", isCancelled: false) else {
            Issue.record("expected to wait")
            return
        }
        guard case .wait = state.acquire(id: 4, waiter: "d", isCancelled: false) else {
            Issue.record("expected to wait")
            return
        }
        #expect(state.waiterCount == 2)
        // FIFO hand-off on release.
        guard case .handOff(2, "c") = state.release(2) else {
            Issue.record("expected hand-off to c")
            return
        }
        #expect(state.removeWaiter(id: 4) == "d")
        #expect(state.removeWaiter(id: 4) == nil)
        guard case .keep = state.release(1) else {
            Issue.record("expected keep")
            return
        }
        #expect(state.idle == [1])
    }

    @Test func cancelledAndShutDown() {
        var state = State(slots: [])
        guard case .failCancelled = state.acquire(id: 1, waiter: "a", isCancelled: true) else {
            Issue.record("expected cancellation")
            return
        }
        _ = state.acquire(id: 2, waiter: "b", isCancelled: false)
        let (idle, waiters) = state.shutDown()
        #expect(idle.isEmpty)
        #expect(waiters == ["b"])
        guard case .failShutDown = state.acquire(id: 3, waiter: "c", isCancelled: false) else {
            Issue.record("expected shut down")
            return
        }
        guard case .close = state.release(7) else {
            Issue.record("expected close")
            return
        }
    }
}
