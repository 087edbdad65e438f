import Foundation

// NOTE (integration): `JSONValue` itself lives in RPC/JSONValue.swift (shared with the RPC
// layer); this file keeps only the token-segment helpers the auth code needs.
extension JSONValue {
    /// Decodes one base64url token segment that must hold a JSON object.
    static func object(fromSegment segment: Substring) throws(AuthError) -> [String: JSONValue] {
        guard let bytes = Base64URL.decode(segment) else { throw .malformed }
        return try object(fromJSON: bytes)
    }

    /// Parses bytes that must be a JSON object.
    static func object(fromJSON bytes: [UInt8]) throws(AuthError) -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .malformed
        }
        guard case .object(let object) = value else { throw .malformed }
        return object
    }
}
