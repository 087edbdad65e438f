/// HS256 JWTs minted with `JWT_SECRET` (see `JWTSigner`).
extension TokenVerifier {
    /// Verifies `header.payload.signature`: header checks, then the MAC, and only then the claims.
    func verifySignedToken(_ parts: [Substring]) throws(AuthError) -> AuthIdentity {
        guard let key = jwtKey else { throw .bearerNotConfigured }
        let header = try JSONValue.object(fromSegment: parts[0])
        guard header["alg"] == .string("HS256") else { throw .unsupportedAlgorithm }
        if let type = header["typ"], type != .string("JWT") { throw .unsupportedType }
        guard header["crit"] == nil else { throw .criticalHeader }

        guard let signature = Base64URL.decode(parts[2]) else { throw .malformed }
        var signingInput = Array(parts[0].utf8)
        signingInput.append(UInt8(ascii: "."))
        signingInput.append(contentsOf: parts[1].utf8)
        let expected = HMACSHA256.authenticate(message: signingInput, key: key)
        guard constantTimeEquals(expected, signature) else { throw .badSignature }

        let claims = TokenClaims(values: try JSONValue.object(fromSegment: parts[1]))
        let subject = try claims.requiredString("sub")
        let tenantID = try TokenClaims.tenant(try claims.requiredString("tenantId"), claim: "tenantId")
        guard let role = Role(rawValue: try claims.requiredString("role")) else { throw .invalidClaim("role") }
        try claims.checkValidity(now: now(), leeway: leeway)
        return AuthIdentity(subject: subject, tenantID: tenantID, role: role)
    }
}
