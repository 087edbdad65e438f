public import Foundation

/// Mints HS256 JWTs in the shape `TokenVerifier` accepts (for `neonhub token` and tests).
public enum JWTSigner {
    /// The fixed protected header, `{"alg":"HS256","typ":"JWT"}`, base64url-encoded.
    static let encodedHeader = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))

    /// Returns a compact JWT with claims `sub`, `tenantId`, `role`, `iat` (now, whole seconds)
    /// and `exp` (`iat + ttl`), signed with HMAC-SHA256 under the UTF-8 bytes of `secret`.
    public static func hs256(
        subject: String, tenantID: String, role: Role, ttl: TimeInterval, secret: String, now: Date = Date()
    ) -> String {
        let issuedAt = Int64(now.timeIntervalSince1970.rounded(.down))
        let expiresAt = issuedAt + Int64(ttl.rounded(.down))
        let claims =
            "{\"sub\":\(jsonString(subject)),\"tenantId\":\(jsonString(tenantID)),"
            + "\"role\":\"\(role.rawValue)\",\"iat\":\(issuedAt),\"exp\":\(expiresAt)}"
        return sign(header: encodedHeader, payload: Base64URL.encode(Array(claims.utf8)), secret: secret)
    }

    /// Joins already-encoded header and payload and appends their HS256 signature.
    static func sign(header: String, payload: String, secret: String) -> String {
        let signingInput = header + "." + payload
        let mac = HMACSHA256.authenticate(message: Array(signingInput.utf8), key: Array(secret.utf8))
        return signingInput + "." + Base64URL.encode(mac)
    }

    /// Quotes `text` as a JSON string (RFC 8259 escaping).
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
