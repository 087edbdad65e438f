/// An error of the content room: a stable `code` and a message safe to show.
public struct DraftError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public enum Code: String, Sendable, CaseIterable {
        /// No such draft for this tenant (other tenants' drafts look the same).
        case notFound
        /// The caller's `version` is not the current one.
        case versionConflict
        /// The lifecycle does not allow that status change.
        case invalidTransition
        /// The database did not return the row it was asked to store.
        case notStored
    }

    /// The kind of failure.
    public var code: Code
    /// Safe to show.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
