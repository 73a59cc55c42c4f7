"""Fixed-window rate limits, shared through Redis when `REDIS_URL` is set, in-process otherwise.

A fixed window is coarse but cheap (one INCR per check) and enough to blunt enumeration and
brute force; the real protection of secrets is the per-identifier lockout in the database.

Redis helps; it is never a reason to refuse a request. When it is unreachable, slow or
answers an error, a check falls back to the process's own counters: limits still hold, per
process (with N processes a client gets up to N times the limit until Redis is back). After
a failure Redis is left alone for `RedisOptions.retry_after` seconds (a circuit breaker), so
an outage costs one timeout per period rather than one per request; then a single request
probes it again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from hostolink.kit.metrics import RATELIMIT_FALLBACK, RedisAvailability

logger = logging.getLogger("hostolink.kit.ratelimit")
T = TypeVar("T")
# What a Redis call raises when Redis is away or slow (the built-in TimeoutError is an
# OSError; redis-py wraps socket errors in its own ConnectionError/TimeoutError).
REDIS_FAILURES = (RedisError, OSError)


class _RedisSettings(Protocol):
    redis_connect_timeout_seconds: float
    redis_timeout_seconds: float
    redis_retry_seconds: float


@dataclass(frozen=True)
class RedisOptions:
    """How long a Redis call may take before we do without it."""

    connect_timeout: float = 0.25
    timeout: float = 0.5  # one command's reply
    retry_after: float = 5.0  # after a failure, Redis is left alone this long

    @classmethod
    def from_settings(cls, settings: _RedisSettings) -> RedisOptions:
        return cls(
            connect_timeout=settings.redis_connect_timeout_seconds,
            timeout=settings.redis_timeout_seconds,
            retry_after=settings.redis_retry_seconds,
        )


def redis_client(url: str, options: RedisOptions) -> Redis:
    """A client that gives up fast: short timeouts and no retries (redis-py's default
    retries ten times with backoff, so one call could take seconds). The caller decides what
    a failure means."""
    return Redis.from_url(
        url,
        socket_connect_timeout=options.connect_timeout,
        socket_timeout=options.timeout,
        retry=Retry(NoBackoff(), 0),
    )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision: ...

    async def peek(self, key: str, window_seconds: int) -> int: ...

    async def reachable(self) -> bool | None:
        """Whether the shared store answers now; None when there is none (in-process)."""
        ...

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

    async def reachable(self) -> bool | None:
        return None

    def _evict(self, window_seconds: int, now: float) -> None:
        current = int(now // window_seconds)
        self._counts = {k: v for k, v in self._counts.items() if k[1] >= current}
        if len(self._counts) >= self._max_keys:  # still full: a flood of distinct keys
            self._counts.clear()

    async def close(self) -> None:
        self._counts.clear()


class CircuitBreaker:
    """Closed (calls go through) until a failure; then open for `retry_after` seconds (calls
    are skipped); then half-open: one call probes while the others are still skipped, and
    its outcome closes or reopens the breaker."""

    def __init__(self, retry_after: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._retry_after = retry_after
        self._clock = clock
        self._open_until: float | None = None
        self._probing = False

    def allows(self) -> bool:
        if self._open_until is None:
            return True
        if self._probing or self._clock() < self._open_until:
            return False
        self._probing = True
        return True

    def succeeded(self) -> None:
        self._open_until = None
        self._probing = False

    def failed(self) -> None:
        self._open_until = self._clock() + self._retry_after
        self._probing = False

    def abandoned(self) -> None:
        """The call was cancelled (the client went away): let another request probe."""
        self._probing = False


class RedisRateLimiter:
    """Counters shared by every API process through Redis (INCR + EXPIRE in one round trip),
    with the process's own counters when Redis cannot answer (see the module docstring)."""

    def __init__(self, url: str, options: RedisOptions | None = None) -> None:
        self._options = options or RedisOptions()
        self._redis: Redis = redis_client(url, self._options)
        self._fallback = MemoryRateLimiter()
        self._breaker = CircuitBreaker(self._options.retry_after)
        self.availability = RedisAvailability("ratelimit", logger)

    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        now = time.time()
        window = int(now // window_seconds)
        answer = await self._attempt(lambda: self._incr(f"hl:rl:{key}:{window}", window_seconds))
        if answer is None:
            return await self._fallback.hit(key, limit, window_seconds)
        retry_after = int((window + 1) * window_seconds - now) + 1
        return Decision(allowed=answer[0] <= limit, retry_after=retry_after)

    async def peek(self, key: str, window_seconds: int) -> int:
        window = int(time.time() // window_seconds)
        answer = await self._attempt(lambda: self._redis.get(f"hl:rl:{key}:{window}"))
        if answer is None:
            return await self._fallback.peek(key, window_seconds)
        return int(answer[0] or 0)

    async def reachable(self) -> bool:
        """A PING bounded in time, whatever the breaker says (readiness asks for the truth)."""
        try:
            async with asyncio.timeout(self._options.connect_timeout + self._options.timeout):
                await self._redis.ping()
        except REDIS_FAILURES:
            return False
        return True

    async def _incr(self, redis_key: str, window_seconds: int) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(redis_key)
            pipe.expire(redis_key, window_seconds + 1)
            count, _ = await pipe.execute()
        return int(count)

    async def _attempt(self, call: Callable[[], Awaitable[T]]) -> tuple[T] | None:
        """`(result,)` from Redis, or None when Redis is skipped or fails (the caller then
        counts in-process)."""
        if self._breaker.allows():
            try:
                result = await call()
            except REDIS_FAILURES as exc:
                self._breaker.failed()
                self.availability.failed(exc)
            except BaseException:
                self._breaker.abandoned()
                raise
            else:
                self._breaker.succeeded()
                self.availability.succeeded()
                return (result,)
        RATELIMIT_FALLBACK.inc()
        return None

    async def close(self) -> None:
        await self._redis.aclose()
        await self._fallback.close()


def build_rate_limiter(redis_url: str | None, options: RedisOptions | None = None) -> RateLimiter:
    if redis_url:
        return RedisRateLimiter(redis_url, options)
    return MemoryRateLimiter()
