/// Who a verified token speaks for: the subject, the tenant every query is scoped to, and the role.
public struct AuthIdentity: Sendable, Equatable {
    /// The token's `sub` claim (user id).
    public var subject: String
    /// Tenant ids with this prefix belong to the server itself (`_system`): never a caller's.
    public static let reservedTenantPrefix = "_"

    /// The tenant the caller acts in; every row it sees is scoped by this id.
    public var tenantID: String
    /// The caller's role in that tenant.
    public var role: Role

    /// Creates an identity.
    public init(subject: String, tenantID: String, role: Role) {
        self.subject = subject
        self.tenantID = tenantID
        self.role = role
    }
}
