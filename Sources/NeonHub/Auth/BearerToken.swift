/// Extracts the token from an `Authorization: Bearer <token>` header value (RFC 6750 §2.1).
///
/// The scheme is matched case-insensitively and surrounding spaces/tabs are trimmed. Returns nil
/// when the header is absent, uses another scheme, has no token, or the token contains whitespace.
public func bearerToken(fromAuthorizationHeader header: String?) -> String? {
    guard let header else { return nil }
    let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    let trimmed = header.drop(while: isBlank)
    let scheme = trimmed.prefix(while: { !isBlank($0) })
    guard scheme.lowercased() == "bearer" else { return nil }
    let rest = trimmed.dropFirst(scheme.count)
    guard let first = rest.first, isBlank(first) else { return nil }
    var token = rest.drop(while: isBlank)
    while let last = token.last, isBlank(last) { token = token.dropLast() }
    guard !token.isEmpty, !token.contains(where: { $0.isWhitespace }) else { return nil }
    return String(token)
}
