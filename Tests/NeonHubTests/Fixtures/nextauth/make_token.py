#!/usr/bin/env python3
"""Builds NextAuth v4 session tokens for NeonHub's auth tests.

Reproduces next-auth v4 `jwt.encode()` (next-auth/src/jwt/index.ts):

    const encryptionSecret = await getDerivedEncryptionKey(secret)   // HKDF below
    return await new EncryptJWT(token)
      .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
      .setIssuedAt().setExpirationTime(now() + maxAge).setJti(uuid())
      .encrypt(encryptionSecret)

  key  = HKDF-SHA256(ikm=secret, salt="", info="NextAuth.js Generated Encryption Key", 32 bytes)
  JWE  = BASE64URL(header) "." "" "." BASE64URL(iv) "." BASE64URL(ciphertext) "." BASE64URL(tag)
  AAD  = ASCII(BASE64URL(header)); AES-256-GCM with a random 96-bit IV and a 128-bit tag.

jose serialises the protected header with JSON.stringify, i.e. without spaces. The claims are
fixed here (iat/exp/jti included) so the fixture is reproducible apart from the random IV.

Usage: python3 make_token.py  (writes tokens.json next to this script)
"""

import base64
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET = "neonhub-test-nextauth-secret-0123456789"
INFO = b"NextAuth.js Generated Encryption Key"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def derive_key(secret: str) -> bytes:
    # HKDF with an empty salt: RFC 5869 treats it as HashLen zero bytes, as Node's crypto.hkdf does.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=INFO).derive(secret.encode("utf-8"))


def encode(claims: dict, secret: str) -> str:
    header = b64url(json.dumps({"alg": "dir", "enc": "A256GCM"}, separators=(",", ":")).encode("ascii"))
    plaintext = json.dumps(claims, separators=(",", ":")).encode("utf-8")
    iv = os.urandom(12)
    sealed = AESGCM(derive_key(secret)).encrypt(iv, plaintext, header.encode("ascii"))
    ciphertext, tag = sealed[:-16], sealed[-16:]
    return ".".join([header, "", b64url(iv), b64url(ciphertext), b64url(tag)])


def main() -> None:
    with_tenant = {
        "name": "Ada", "email": "ada@example.com", "sub": "user-42", "tenantId": "tenant-7",
        "role": "admin", "iat": 1700000000, "exp": 4102444800, "jti": "fixture-1",
    }
    without_tenant = {
        "name": "Grace", "email": "grace@example.com", "sub": "user-43",
        "iat": 1700000000, "exp": 4102444800, "jti": "fixture-2",
    }
    fixture = {
        "secret": SECRET,
        "withTenant": {"token": encode(with_tenant, SECRET), "claims": with_tenant},
        "withoutTenant": {"token": encode(without_tenant, SECRET), "claims": without_tenant},
    }
    out = Path(__file__).with_name("tokens.json")
    out.write_text(json.dumps(fixture, indent=2) + "\n")


if __name__ == "__main__":
    main()
