/// The lifecycle of a draft: `draft → in_review → approved → published`, with `archived`
/// reachable from every state but itself; review can send a draft back.
public enum DraftLifecycle {
    /// Every status, in lifecycle order.
    public static let statuses = ["draft", "in_review", "approved", "published", "archived"]

    static let allowed: [String: Set<String>] = [
        "draft": ["in_review", "archived"],
        "in_review": ["draft", "approved", "archived"],
        "approved": ["in_review", "published", "archived"],
        "published": ["archived"],
        "archived": [],
    ]

    /// Whether `from → to` is a legal move (staying put is always legal).
    public static func canMove(from: String, to: String) -> Bool {
        from == to || allowed[from]?.contains(to) == true
    }
}
