public import Postgres

/// A `JSONValue` binds as `jsonb` text written by `jsonbText` (U+0000, which `jsonb` refuses,
/// as U+FFFD), and decodes from a `json` or
/// `jsonb` column with our own `JSONParser`, as the queue's rows do (no `JSONDecoder` built
/// per value); a column that is not valid JSON is a decoding error.
extension JSONValue: PostgresEncodable, PostgresDecodable {
    public var postgresBind: PostgresBind { .text(jsonbText, type: .jsonb) }

    public static func decode(postgresText text: String, type: PostgresDataType) -> JSONValue? {
        var text = text
        return text.withUTF8 { try? JSONParser.parse($0) }
    }
}
