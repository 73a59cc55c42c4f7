"""Fan-out of new room messages to the WebSockets connected to this process.

With `REDIS_URL`, each message is published on a Redis pub/sub channel per room, and every
API process subscribes (once per room it has sockets for) and hands what it receives to its
local sockets: two processes share rooms. Without it, publishing hands the message straight
to this process's sockets. Either way a message is published only after its transaction
committed, so a socket never shows a message that rolled back.

One `Hub` per application, created lazily on first use (`hub_of`) and kept on `app.state`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from starlette.applications import Starlette

from hostolink.config import Settings
from hostolink.kit.ratelimit import RateLimiter, build_rate_limiter

logger = logging.getLogger("hostolink.discussions.hub")
QUEUE_SIZE = 256
STATE_KEY = "discussions_hub"


class Hub:
    """Local subscribers per room, fed directly or through Redis."""

    def __init__(self, *, namespace: str, redis_url: str | None) -> None:
        self.namespace = namespace
        self._local: dict[int, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._redis: Redis | None = Redis.from_url(redis_url) if redis_url else None
        self._listeners: dict[int, tuple[PubSub, asyncio.Task[None]]] = {}
        self._lock = asyncio.Lock()

    @property
    def shared(self) -> bool:
        return self._redis is not None

    def channel(self, room_id: int) -> str:
        return f"hl:salon:{self.namespace}:{room_id}"

    async def publish(self, room_id: int, payload: dict[str, Any]) -> None:
        if self._redis is None:
            self._deliver(room_id, payload)
            return
        await self._redis.publish(self.channel(room_id), json.dumps(payload))

    @contextlib.asynccontextmanager
    async def subscribe(self, room_id: int) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue receiving the room's new messages; ready (subscribed) once entered."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        async with self._lock:
            self._local.setdefault(room_id, set()).add(queue)
            if self._redis is not None and room_id not in self._listeners:
                self._listeners[room_id] = await self._listen(self._redis, room_id)
        try:
            yield queue
        finally:
            async with self._lock:
                subscribers = self._local.get(room_id, set())
                subscribers.discard(queue)
                if not subscribers:
                    self._local.pop(room_id, None)
                    await self._stop(room_id)

    async def _listen(self, redis: Redis, room_id: int) -> tuple[PubSub, asyncio.Task[None]]:
        pubsub = redis.pubsub()
        await pubsub.subscribe(self.channel(room_id))
        # Wait for Redis to confirm: a message published after `subscribe` returns is then
        # certain to reach us.
        while (await pubsub.get_message(timeout=5.0)) is None:
            pass
        return pubsub, asyncio.create_task(self._pump(room_id, pubsub))

    async def _pump(self, room_id: int, pubsub: PubSub) -> None:
        async for item in pubsub.listen():
            if item.get("type") != "message":
                continue
            try:
                payload = json.loads(item["data"])
            except ValueError:
                logger.warning("unreadable message on %s", self.channel(room_id))
                continue
            self._deliver(room_id, payload)

    async def _stop(self, room_id: int) -> None:
        listener = self._listeners.pop(room_id, None)
        if listener is None:
            return
        pubsub, task = listener
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        with contextlib.suppress(Exception):
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _deliver(self, room_id: int, payload: dict[str, Any]) -> None:
        for queue in list(self._local.get(room_id, ())):
            try:
                queue.put_nowait(payload)
            except asyncio.QueueFull:
                # A socket that stopped reading loses live messages, not the room: it
                # catches up from the history (`apres`) when it reconnects.
                logger.warning("slow socket in room %s: live message dropped", room_id)

    async def close(self) -> None:
        async with self._lock:
            for room_id in list(self._listeners):
                await self._stop(room_id)
        if self._redis is not None:
            await self._redis.aclose()


class Runtime:
    """What the rooms need per application: the hub and the per-person message limiter."""

    def __init__(self, settings: Settings, namespace: str) -> None:
        self.hub = Hub(namespace=namespace, redis_url=settings.redis_url)
        self.limiter: RateLimiter = build_rate_limiter(settings.redis_url)
        self.namespace = namespace

    async def close(self) -> None:
        await self.hub.close()
        await self.limiter.close()


def runtime_of(app: Starlette) -> Runtime:
    """The application's runtime, created on first use (app.py need not know about it)."""
    state = app.state
    runtime: Runtime | None = getattr(state, STATE_KEY, None)
    if runtime is None:
        # Channels and counters are namespaced by database: processes serving the same
        # database share rooms, and nothing leaks between two databases on one Redis.
        namespace = state.db.engine.url.database or "hostolink"
        runtime = Runtime(state.settings, namespace)
        setattr(state, STATE_KEY, runtime)
    return runtime


async def close_runtime(app: Starlette) -> None:
    """Close the hub and limiter of `app` (call from the application's shutdown)."""
    state = app.state
    runtime: Runtime | None = getattr(state, STATE_KEY, None)
    if runtime is not None:
        setattr(state, STATE_KEY, None)
        await runtime.close()
