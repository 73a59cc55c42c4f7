"""Fixed-window rate limits, shared through Redis when `REDIS_URL` is set, in-process otherwise.

A fixed window is coarse but cheap (one INCR per check) and enough to blunt enumeration and
brute force; the real protection of secrets is the per-identifier lockout in the database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision: ...

    async def peek(self, key: str, window_seconds: int) -> int: ...

    async def close(self) -> None: ...


class MemoryRateLimiter:
    """Per-process counters; right for a single API process (the embedded default)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._max_keys = max_keys

    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        now = time.time()
        window = int(now // window_seconds)
        if len(self._counts) >= self._max_keys:
            self._evict(window_seconds, now)
        count = self._counts.get((key, window), 0) + 1
        self._counts[(key, window)] = count
        retry_after = int((window + 1) * window_seconds - now) + 1
        return Decision(allowed=count <= limit, retry_after=retry_after)

    async def peek(self, key: str, window_seconds: int) -> int:
        return self._counts.get((key, int(time.time() // window_seconds)), 0)

    def _evict(self, window_seconds: int, now: float) -> None:
        current = int(now // window_seconds)
        self._counts = {k: v for k, v in self._counts.items() if k[1] >= current}
        if len(self._counts) >= self._max_keys:  # still full: a flood of distinct keys
            self._counts.clear()

    async def close(self) -> None:
        self._counts.clear()


class RedisRateLimiter:
    """Counters shared by every API process through Redis (INCR + EXPIRE in one round trip)."""

    def __init__(self, url: str) -> None:
        self._redis: Redis = Redis.from_url(url)

    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        now = time.time()
        window = int(now // window_seconds)
        redis_key = f"hl:rl:{key}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(redis_key)
            pipe.expire(redis_key, window_seconds + 1)
            count, _ = await pipe.execute()
        retry_after = int((window + 1) * window_seconds - now) + 1
        return Decision(allowed=int(count) <= limit, retry_after=retry_after)

    async def peek(self, key: str, window_seconds: int) -> int:
        window = int(time.time() // window_seconds)
        value = await self._redis.get(f"hl:rl:{key}:{window}")
        return int(value or 0)

    async def close(self) -> None:
        await self._redis.aclose()


def build_rate_limiter(redis_url: str | None) -> RateLimiter:
    if redis_url:
        return RedisRateLimiter(redis_url)
    return MemoryRateLimiter()
