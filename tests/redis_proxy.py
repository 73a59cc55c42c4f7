"""A TCP relay between the app and the real Redis, so that a test can make an outage and a
restart real network events (connections closed, connections refused, a server that stops
answering) instead of patching our own code; and the rule for tests that need Redis.

Tests that need Redis skip when none answers on this machine, unless
`HOSTOLINK_TESTS_REQUIRE_SERVICES=1` (CI): then they fail, so that a missing service cannot
pass for a green run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import pytest
from redis.asyncio import Redis

REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
# Database 15: the tests' counters never meet anything else on this Redis. Pub/sub channels
# are not per database: the rooms' channels are namespaced by the test database's name.
REDIS_DB = 15
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
REQUIRE_SERVICES = os.environ.get("HOSTOLINK_TESTS_REQUIRE_SERVICES") == "1"


async def require_redis(url: str = REDIS_URL) -> None:
    """Skip the test when no Redis answers at `url` (fail under REQUIRE_SERVICES)."""
    client: Redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
    except Exception as exc:  # any failure means "no Redis here"
        reason = f"no Redis reachable at {url}: {exc}"
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason} (HOSTOLINK_TESTS_REQUIRE_SERVICES=1)")
        pytest.skip(reason)
    finally:
        await client.aclose()


class TcpProxy:
    """Listens on a free local port and relays every connection to Redis.

    `cut()` closes every relayed connection and stops listening (connections are refused,
    as when Redis restarts); `hang()` keeps accepting but never answers (a server that
    vanished from the network: only timeouts notice); `restore()` relays again on the same
    port."""

    def __init__(self, host: str = REDIS_HOST, port: int = REDIS_PORT) -> None:
        self._target = (host, port)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._hanging = False
        self.port = 0
        self.accepted = 0  # connections the app opened, relayed or not

    def url(self, db: int = REDIS_DB) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Stop listening, then close every connection (both sides)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        await self._drop()

    async def hang(self) -> None:
        """Close every connection; accept new ones but never forward a byte."""
        await self._drop()
        self._hanging = True
        if self._server is None:
            await self.start()

    async def restore(self) -> None:
        self._hanging = False
        await self._drop()  # hung connections would otherwise stay silent forever
        if self._server is None:
            await self.start()

    async def close(self) -> None:
        await self.cut()

    async def _drop(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        pipes, self._pipes = list(self._pipes), set()
        for task in pipes:
            task.cancel()
        await asyncio.gather(*pipes, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self._writers.add(writer)
        if self._hanging:
            self._track(self._swallow(reader))
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.add(up_writer)
        self._track(self._pipe(reader, up_writer))
        self._track(self._pipe(up_reader, writer))

    def _track(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._pipes.add(task)
        task.add_done_callback(self._pipes.discard)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()

    @staticmethod
    async def _swallow(reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(OSError):
            while await reader.read(65536):
                pass


@contextlib.asynccontextmanager
async def redis_proxy() -> AsyncIterator[TcpProxy]:
    """A started proxy in front of the real Redis (the test skips without one)."""
    await require_redis()
    proxy = TcpProxy()
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()
