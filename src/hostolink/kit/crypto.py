"""Secrets: password hashing (argon2id), one-time codes and opaque tokens.

Hashing a password costs tens of milliseconds of CPU on purpose; it runs in a worker thread
(argon2-cffi releases the GIL) so that the event loop keeps serving other requests.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

OTP_DIGITS = 6


@lru_cache(maxsize=8)
def password_hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


class PasswordHashing:
    def __init__(
        self, *, time_cost: int, memory_kib: int, parallelism: int, concurrency: int = 1
    ) -> None:
        self._hasher = password_hasher(time_cost, memory_kib, parallelism)
        self._limiter = anyio.CapacityLimiter(concurrency)
        # Verified against when the identifier is unknown, so that "unknown" and "wrong secret"
        # take the same time and cannot be told apart.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password, limiter=self._limiter)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        target = stored_hash or self._dummy_hash

        def _verify() -> bool:
            try:
                return self._hasher.verify(target, password)
            except (VerificationError, InvalidHashError):
                return False

        ok = await anyio.to_thread.run_sync(_verify, limiter=self._limiter)
        return ok and stored_hash is not None


def generate_otp() -> str:
    """Six digits from the operating system's CSPRNG."""
    return f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"


def keyed_hash(key: str, *parts: str) -> str:
    """HMAC-SHA256 of the parts: stores OTPs and refresh tokens without storing them."""
    message = "\x1f".join(parts).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def opaque_token() -> str:
    return secrets.token_urlsafe(32)
