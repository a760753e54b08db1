"""Secrets of people and devices.

People's passwords get argon2id (slow on purpose, run in a thread). Device credentials and
refresh tokens are 256-bit random secrets: a sha256 of them and a constant-time compare is
enough (ARCHITECTURE decision 12) and costs microseconds, so a fleet reconnecting at once
after a restart is authenticated in a moment.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id, the library's RFC 9106 "low memory" parameters
#: A hash to verify against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-password")
#: Unambiguous when read aloud or typed on a phone: no 0/O, 1/I/L, U.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
ALGORITHM = "HS256"


def new_id() -> str:
    return uuid.uuid4().hex


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def same_digest(secret: str, stored_sha256: str) -> bool:
    return hmac.compare_digest(sha256_hex(secret), stored_sha256)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password: str, stored: str | None) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


def new_secret() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def split_credential(credential: str) -> tuple[str, str] | None:
    """``<id>.<secret>`` -> (id, secret); None when it has not that shape."""
    ident, dot, secret = credential.partition(".")
    if not dot or not ident or not secret or len(ident) > 64 or len(secret) > 128:
        return None
    return ident, secret


def new_enrollment_code() -> str:
    """Eight characters in two groups (``K7QX-3MPD``): 30^8 ≈ 6.6e11 codes, 15 minutes to guess."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class TokenKeys:
    secret: str
    issuer: str
    audience: str
    ttl_s: int

    def issue(self, claims: dict[str, Any]) -> str:
        now = int(time.time())
        payload = {
            **claims,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + self.ttl_s,
            "jti": new_id(),
        }
        return jwt.encode(payload, self.secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> dict[str, Any]:
        """Decode an access token; raises ``jwt.PyJWTError`` for anything but a valid one.

        The algorithm is pinned: ``alg: none`` and an RS/HS confusion are refused by PyJWT
        because only HS256 is accepted; exp, iss and aud must be present and right.
        """
        return jwt.decode(
            token,
            self.secret,
            algorithms=[ALGORITHM],
            audience=self.audience,
            issuer=self.issuer,
            options={"require": ["exp", "iss", "aud", "sub", "iat"]},
        )
