import Foundation
import Postgres
/// One page of a keyset-paginated list, newest first, with the cursor of the next page.
public struct Page<Item: Sendable>: Sendable {
    /// The rows of this page.
    public var items: [Item]
    /// Where the next page starts; nil on the last page.
    public var nextCursor: String?

    /// Creates a page.
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// Opaque keyset cursors: base64url of `<timestamp text>|<uuid>`, shared by every store that
/// lists rows by `(created_at, id)` descending.
enum PageCursor {
    static func encode(key: String, id: UUID) -> String { Base64URL.encode(Array("\(key)|\(id.uuidString)".utf8)) }

    /// The position a cursor names; a cursor we did not make is a `DatabaseError.invalidCursor`.
    static func decode(_ cursor: String) throws -> (key: String, id: UUID) {
        guard let bytes = Base64URL.decode(cursor) else { throw DatabaseError(.invalidCursor, "Invalid cursor") }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let bar = text.lastIndex(of: "|"), let id = UUID(uuidString: String(text[text.index(after: bar)...])) else {
            throw DatabaseError(.invalidCursor, "Invalid cursor")
        }
        return (String(text[..<bar]), id)
    }

    /// The cursor after the last row of a page, when the query fetched `limit + 1` rows with
    /// `created_at::text AS created_text` and `id` columns; nil when there is no next page.
    static func next(after rows: [PostgresRow], limit: Int) throws -> String? {
        guard rows.count > limit else { return nil }
        let last = rows[limit - 1]
        return encode(key: try last.decode("created_text", as: String.self), id: try last.decode("id", as: UUID.self))
    }
}
