/// Extracts the token from an `Authorization: Bearer <token>` header value (RFC 6750 §2.1).
///
/// The scheme is matched case-insensitively and surrounding spaces/tabs are trimmed. Returns nil
/// when the header is absent, uses another scheme, has no token, or the token holds anything but
/// visible ASCII (RFC 6750's `b64token` is a subset; whitespace, controls and non-ASCII never
/// belong in one). Works on bytes: it runs on every authenticated request.
public func bearerToken(fromAuthorizationHeader header: String?) -> String? {
    guard let header else { return nil }
    let bytes = Array(header.utf8)
    func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    var start = 0
    while start < bytes.count, isBlank(bytes[start]) { start += 1 }
    var end = bytes.count
    while end > start, isBlank(bytes[end - 1]) { end -= 1 }
    let scheme = Array("bearer".utf8)
    guard end - start > scheme.count else { return nil }
    for (offset, expected) in scheme.enumerated() where bytes[start + offset] | 0x20 != expected { return nil }
    var tokenStart = start + scheme.count
    guard isBlank(bytes[tokenStart]) else { return nil }
    while tokenStart < end, isBlank(bytes[tokenStart]) { tokenStart += 1 }
    guard tokenStart < end, bytes[tokenStart..<end].allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else { return nil }
    return String(decoding: bytes[tokenStart..<end], as: UTF8.self)
}
