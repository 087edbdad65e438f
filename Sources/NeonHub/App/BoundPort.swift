import Synchronization

/// The port the server listens on, known only once it is listening (port 0 picks one): what
/// the default `PUBLIC_URL` is built from.
final class BoundPort: Sendable {
    private let port = Atomic<Int>(0)

    /// The port, or 0 before the server listens.
    var value: Int {
        get { port.load(ordering: .relaxed) }
        set { port.store(newValue, ordering: .relaxed) }
    }
}
