public import Foundation

/// `{id}`: the input of every procedure that reads or acts on one row.
public struct IDInput: RPCInput {
    public static let schema = JSONSchema.object([("id", .uuid)], required: ["id"])
    /// The row's id.
    public let id: UUID
}

/// `{items, nextCursor}`: the output of every list procedure (DESIGN §4).
public struct PageOutput<Item: RPCOutput>: RPCOutput {
    public static var schema: JSONSchema {
        .object([("items", .array(Item.schema)), ("nextCursor", .nullable(.string()))], required: ["items"])
    }
    /// This page's items.
    public let items: [Item]
    /// The cursor of the next page; nil on the last.
    public let nextCursor: String?

    /// A page of `Item`s made from a store's page.
    public init<Row>(_ page: Page<Row>, _ transform: (Row) -> Item) {
        items = page.items.map(transform)
        nextCursor = page.nextCursor
    }
}

/// The paging fields every list input has: `limit` (default 20, at most 100) and an opaque
/// `cursor` (a `nextCursor` from an earlier page; any string of its published shape is a position).
public enum PageInput {
    /// The schema fields, to append to a list input's own filters.
    public static let fields: [(String, JSONSchema)] = [
        ("limit", .integer(minimum: 1, maximum: 100)), ("cursor", .string(pattern: PageCursor.pattern)),
    ]
    /// The page size when `limit` is absent.
    public static let defaultLimit = 20
}
