/// NextAuth v4 session tokens: compact JWE `protected..iv.ciphertext.tag` with `alg: dir`, `enc: A256GCM`.
extension TokenVerifier {
    /// Decrypts and checks a NextAuth session token; tenant defaults to `sub`, role to `.user`.
    func verifySessionToken(_ parts: [Substring]) throws(AuthError) -> AuthIdentity {
        guard let key = nextAuthKey else { throw .sessionNotConfigured }
        let header = try JSONValue.object(fromSegment: parts[0])
        guard header == ["alg": .string("dir"), "enc": .string("A256GCM")] else {
            throw header["crit"] != nil ? .criticalHeader : .unsupportedEncryption
        }
        // `dir` means no wrapped key: the encrypted-key part must be empty.
        guard parts[1].isEmpty,
            let nonce = Base64URL.decode(parts[2]), nonce.count == AESGCM.nonceSize,
            let ciphertext = Base64URL.decode(parts[3]),
            let tag = Base64URL.decode(parts[4]), tag.count == AESGCM.tagSize
        else { throw .malformed }

        let plaintext: [UInt8]
        do {
            plaintext = try AESGCM.open(
                ciphertext: ciphertext, key: key, nonce: nonce, aad: Array(parts[0].utf8), tag: tag)
        } catch {
            throw .decryptionFailed
        }

        let claims = TokenClaims(values: try JSONValue.object(fromJSON: plaintext))
        let subject = try claims.requiredString("sub")
        try claims.checkValidity(now: now(), leeway: leeway)
        let tenantID = try TokenClaims.tenant(try claims.optionalString("tenantId") ?? subject, claim: "tenantId")
        let role: Role =
            if case .string(let text)? = claims.values["role"], let role = Role(rawValue: text) {
                role
            } else {
                .user
            }
        return AuthIdentity(subject: subject, tenantID: tenantID, role: role)
    }
}
