"""Rate limits when Redis goes away: the process's own counters take over (limits still hold,
per process), Redis is left alone for a while after a failure (a circuit breaker), the outage
is logged once and counted, and the routes that are limited answer as usual, never 500.

Redis is the real one, behind a TCP relay the tests cut and restore (tests/redis_proxy.py):
the outage is a network event, not a patched function."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.kit.ratelimit import (
    CircuitBreaker,
    MemoryRateLimiter,
    RedisOptions,
    RedisRateLimiter,
)
from tests.auth.helpers import PASSWORD, register
from tests.conftest import make_settings, outbox_code
from tests.redis_proxy import REDIS_URL, TcpProxy, redis_proxy

LOGGER = "hostolink.kit.ratelimit"
LONG_WINDOW = 10 * 365 * 24 * 3600  # a window no test run can cross
DEADLINE = 60.0  # a safety net against a hung test, never an assertion on speed
# Generous where Redis must answer (a loaded machine is not an outage); short where the
# test makes Redis hang and waits for the timeout.
PATIENT = RedisOptions(connect_timeout=5.0, timeout=5.0, retry_after=0.2)


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def levels(self) -> list[int]:
        return [record.levelno for record in self.records]


@contextlib.contextmanager
def captured(name: str = LOGGER) -> Iterator[Records]:
    """The records of one logger (the app's logging setup replaces the root's handlers)."""
    logger = logging.getLogger(name)
    handler, previous = Records(), logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while not await check():
        if loop.time() > deadline:
            pytest.fail(f"{what}: still not true after {DEADLINE:.0f} s")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def limiter_behind(proxy: TcpProxy, options: RedisOptions) -> AsyncIterator[RedisRateLimiter]:
    limiter = RedisRateLimiter(proxy.url(), options)
    try:
        yield limiter
    finally:
        await limiter.close()
        direct: Redis = Redis.from_url(REDIS_URL)
        keys = [key async for key in direct.scan_iter(match="hl:rl:test-*")]
        if keys:
            await direct.delete(*keys)
        await direct.aclose()


class TestCircuitBreaker:
    def test_open_after_a_failure_then_one_probe(self) -> None:
        now = [100.0]
        breaker = CircuitBreaker(5.0, clock=lambda: now[0])
        assert breaker.allows()
        assert breaker.allows()  # closed: every call goes through
        breaker.failed()
        assert not breaker.allows()
        now[0] += 5.0
        assert breaker.allows()  # the probe
        assert not breaker.allows()  # the others wait for its outcome
        breaker.failed()
        assert not breaker.allows()
        now[0] += 5.0
        assert breaker.allows()
        breaker.succeeded()
        assert breaker.allows()
        assert breaker.allows()

    def test_a_cancelled_probe_lets_another_request_probe(self) -> None:
        now = [0.0]
        breaker = CircuitBreaker(1.0, clock=lambda: now[0])
        breaker.failed()
        now[0] += 1.0
        assert breaker.allows()
        breaker.abandoned()
        assert breaker.allows()


class TestRedisLimiterOutage:
    async def test_falls_back_to_process_counters_logs_once_and_comes_back(self) -> None:
        key = f"test-{uuid.uuid4().hex}"
        async with redis_proxy() as proxy, limiter_behind(proxy, PATIENT) as limiter:
            with captured() as logs:
                assert (await limiter.hit(key, 3, LONG_WINDOW)).allowed
                assert await limiter.peek(key, LONG_WINDOW) == 1
                assert limiter.availability.up is True
                fallbacks = sample("hostolink_ratelimit_fallback_total")
                errors = sample("hostolink_redis_errors_total", component="ratelimit")

                await proxy.cut()
                decisions = [await limiter.hit(key, 3, LONG_WINDOW) for _ in range(4)]
                # Counted by this process alone (from zero): the limit still holds.
                assert [d.allowed for d in decisions] == [True, True, True, False]
                assert all(1 <= d.retry_after <= LONG_WINDOW + 1 for d in decisions)
                assert await limiter.peek(key, LONG_WINDOW) == 4  # the authfail counter's read
                assert limiter.availability.up is False
                assert sample("hostolink_ratelimit_fallback_total") - fallbacks == 5
                assert sample("hostolink_redis_errors_total", component="ratelimit") > errors
                assert sample("hostolink_redis_up", component="ratelimit") == 0

                await proxy.restore()

                async def back() -> bool:
                    await limiter.peek(key, LONG_WINDOW)
                    return limiter.availability.up is True

                await eventually(back, "the limiter uses Redis again")
                # Redis's own count: the outage's hits stayed in the process.
                assert await limiter.peek(key, LONG_WINDOW) == 1
                assert sample("hostolink_redis_up", component="ratelimit") == 1
        assert logs.levels() == [logging.WARNING, logging.INFO]
        assert "redis unavailable for ratelimit" in logs.records[0].getMessage()

    async def test_after_a_failure_redis_is_left_alone(self) -> None:
        """A Redis that accepts connections and never answers: the first check waits for
        the timeout, the next ones do not even try (one connection in all)."""
        key = f"test-{uuid.uuid4().hex}"
        hanging = RedisOptions(connect_timeout=0.2, timeout=0.2, retry_after=3600)
        async with redis_proxy() as proxy, limiter_behind(proxy, hanging) as limiter:
            await proxy.hang()
            with captured() as logs:
                decisions = [await limiter.hit(key, 2, LONG_WINDOW) for _ in range(5)]
            assert [d.allowed for d in decisions] == [True, True, False, False, False]
            assert proxy.accepted == 1
            assert logs.levels() == [logging.WARNING]
            assert "TimeoutError" in logs.records[0].getMessage()

    async def test_reachable_says_whether_redis_answers(self) -> None:
        assert await MemoryRateLimiter().reachable() is None
        async with redis_proxy() as proxy, limiter_behind(proxy, PATIENT) as limiter:
            assert await limiter.reachable() is True
            await proxy.cut()
            assert await limiter.reachable() is False
            await proxy.restore()
            assert await limiter.reachable() is True


# ------------------------------------------------------------------- the limited routes

PHONE, E164 = "0701020304", "+2250701020304"


@contextlib.asynccontextmanager
async def app_behind(
    proxy: TcpProxy, database_url: str, **settings: Any
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    application = create_app(
        make_settings(REDIS_URL=proxy.url(), REDIS_RETRY_SECONDS=0.2, **settings),
        database_url=database_url,
    )
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield application, http
    finally:
        await application.state.rate_limits.limiter.close()
        await application.state.db.dispose()


class TestRoutesDuringAnOutage:
    async def test_sign_up_login_and_directory_answer_as_usual(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        async with redis_proxy() as proxy, app_behind(proxy, database_url) as (app, client):
            limiter = app.state.rate_limits.limiter
            assert isinstance(limiter, RedisRateLimiter)
            with captured() as logs:
                before = await client.get("/api/etablissements/categories")
                assert before.status_code == 200
                assert limiter.availability.up is True
                fallbacks = sample("hostolink_ratelimit_fallback_total")

                await proxy.cut()
                statuses = [await register(client, PHONE)]  # register-user 201, define 200
                wrong = {"identifier": PHONE, "password": "PasLeBon123"}
                statuses.append((await client.post("/api/auth/login", json=wrong)).status_code)
                right = {"identifier": PHONE, "password": PASSWORD}
                statuses.append((await client.post("/api/auth/login", json=right)).status_code)
                code = await outbox_code(db_engine, E164)
                verify = {"identifier": PHONE, "otpCode": code}
                statuses.append((await client.post("/api/verify-otp", json=verify)).status_code)
                directory = await client.get("/api/etablissements/categories")
                statuses.append(directory.status_code)
                # check-user (after register), bad login, unverified login, verify, directory
                assert statuses == [200, 401, 200, 200, 200]
                assert sample("hostolink_ratelimit_fallback_total") - fallbacks >= 8

                await proxy.restore()

                async def back() -> bool:
                    answer = await client.get("/api/etablissements/categories")
                    assert answer.status_code == 200
                    return limiter.availability.up is True

                await eventually(back, "the routes count in Redis again")
        assert logs.levels() == [logging.WARNING, logging.INFO]

    async def test_limits_still_apply_per_process(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        limits = {"DIRECTORY_RATE_LIMIT_PER_MINUTE": 2, "RATE_LIMIT_PER_IDENTIFIER_PER_MINUTE": 2}
        async with (
            redis_proxy() as proxy,
            app_behind(proxy, database_url, **limits) as (_, client),
        ):
            await proxy.cut()
            # Five in a row: at most two per fixed minute window, so even across a window
            # boundary at least one is refused.
            directory = [
                (await client.get("/api/etablissements/categories")).status_code for _ in range(5)
            ]
            checks = [
                (await client.post("/api/check-user", json={"identifier": PHONE})).status_code
                for _ in range(5)
            ]
        for statuses in (directory, checks):
            assert set(statuses) <= {200, 429}, statuses
            assert 429 in statuses
