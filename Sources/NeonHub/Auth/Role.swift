/// What an authenticated caller may do inside its tenant.
public enum Role: String, Codable, Sendable, CaseIterable {
    /// A regular member of the tenant.
    case user
    /// A tenant administrator.
    case admin
}
