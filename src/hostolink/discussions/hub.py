"""Fan-out of room frames to the WebSockets connected to this process.

With `REDIS_URL`, each frame is published on the room's Redis pub/sub channel. Every API
process holds ONE pub/sub connection: it subscribes a room's channel when the room gets its
first local socket, unsubscribes when the last one leaves, and hands what it receives to its
local sockets, so that two processes share rooms. Without Redis, publishing hands the frame
straight to this process's sockets. Either way a frame is published only after its
transaction committed, so a socket never shows a message that rolled back.

Redis helps; the history in the database has the truth. A supervisor task owns the
connection: when it drops (Redis restarted, network cut, no answer to PING) the supervisor
reconnects with backoff, subscribes again every room that still has local sockets and, as
Redis confirms each one, sends its sockets a `resynchronisation` frame: frames published
meanwhile never reached them, and they catch up from the history (`apres`). Meanwhile:
- a new socket is accepted at once, local-only, and is resynchronised like the others;
- a publish that fails is delivered to this process's sockets directly, and so is every
  publish while this process's own subscription is down (a frame may then arrive twice
  around the reconnection: clients key messages by id). Other processes get it at their
  own resynchronisation; a process whose link never dropped sees it at its next catch-up
  (reconnection, page load). Publishing is not behind a circuit breaker: skipping Redis
  after it came back would silently lose frames for processes already resynchronised, and a
  refused connection costs nothing (an unreachable host costs the short timeouts).

One `Hub` per application and kind of channel, created lazily on first use (`runtime_of`
here, `support_runtime_of` for the help desk), kept on `app.state`. Channels are
`hl:{kind}:{namespace}:{id}`: the rooms are kind `salon`, the help desk's conversations
kind `assistance`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.applications import Starlette

from hostolink.config import Settings
from hostolink.db import database_of
from hostolink.kit.deps import settings_of
from hostolink.kit.metrics import (
    REDIS_ERRORS,
    ROOM_FRAMES_DELIVERED,
    ROOM_FRAMES_DROPPED,
    RedisAvailability,
)
from hostolink.kit.ratelimit import (
    REDIS_FAILURES,
    RateLimiter,
    RedisOptions,
    build_rate_limiter,
    redis_client,
)

logger = logging.getLogger("hostolink.discussions.hub")
QUEUE_SIZE = 256
STATE_KEY = "discussions_hub"
# A new socket waits this long for Redis to confirm its room's subscription; past it, the
# socket goes on local-only and is resynchronised when the confirmation comes.
CONFIRM_WAIT = 2.0
# The reader wakes up this often (to notice a failed SUBSCRIBE); after PING_AFTER seconds
# of silence it pings, and a connection silent for DEAD_AFTER is dead (a vanished host
# closes nothing: only silence tells).
POLL_SECONDS = 1.0
PING_AFTER = 5.0
DEAD_AFTER = 15.0
FIRST_BACKOFF = 0.1  # doubles up to RedisOptions.retry_after


def resynchronisation_frame(room_id: int, room_field: str = "id_thematique") -> dict[str, Any]:
    return {"type": "resynchronisation", room_field: room_id}


@dataclass
class _Pending:
    """A SUBSCRIBE sent for a room, not yet confirmed by Redis."""

    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    # The room's sockets were told they were live before this confirmation: they catch up.
    resynchronise: bool = False


class Hub:
    """Local subscribers per room, fed directly or through one Redis pub/sub connection."""

    def __init__(
        self,
        *,
        namespace: str,
        redis_url: str | None,
        options: RedisOptions | None = None,
        kind: str = "salon",
        room_field: str = "id_thematique",
    ) -> None:
        self.namespace = namespace
        # What the channels carry (`salon`: thematic rooms, `assistance`: the help desk): two
        # hubs of one process never hear each other's frames.
        self.kind = kind
        self.room_field = room_field  # names the channel id in `resynchronisation`
        self._options = options or RedisOptions()
        self._local: dict[int, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._redis: Redis | None = redis_client(redis_url, self._options) if redis_url else None
        self._pubsub: PubSub | None = None  # set while the connection is up
        self._pending: dict[int, deque[_Pending]] = {}
        self._broken = False  # a SUBSCRIBE/UNSUBSCRIBE failed: the reader reconnects
        self._healthy = False  # Redis confirmed the current connection
        self._supervisor: asyncio.Task[None] | None = None
        self._first_attempt = asyncio.Event()  # the supervisor tried to connect once
        self._closed = False
        self._lock = asyncio.Lock()  # subscriptions change one at a time
        self.availability = RedisAvailability("hub", logger)

    @property
    def shared(self) -> bool:
        return self._redis is not None

    def channel(self, room_id: int) -> str:
        return f"{self._room_prefix}{room_id}"

    @property
    def _room_prefix(self) -> str:
        return f"hl:{self.kind}:{self.namespace}:"

    @property
    def _own_channel(self) -> str:
        # Never published to: it keeps the connection in pub/sub mode even without rooms (a
        # PING is then answered as a pub/sub message) and its confirmation says Redis is back.
        return f"hl:hub:{self.kind}:{self.namespace}"

    async def publish(self, room_id: int, payload: dict[str, Any]) -> None:
        """Hand a frame to the room's sockets in every process; never raises for Redis."""
        if self._redis is None:
            self._deliver(room_id, payload)
            return
        deliver_here = self._pubsub is None  # nothing would come back to our own sockets
        try:
            await self._redis.publish(self.channel(room_id), json.dumps(payload))
        except REDIS_FAILURES as exc:
            REDIS_ERRORS.labels(component="hub").inc()
            # While the supervisor already knows Redis is away, one line per frame is noise.
            level = logging.DEBUG if deliver_here else logging.WARNING
            logger.log(level, "publish to room %s failed (%r): delivered locally", room_id, exc)
            deliver_here = True
        if deliver_here:
            self._deliver(room_id, payload)

    @contextlib.asynccontextmanager
    async def subscribe(self, room_id: int) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue receiving the room's frames. Entered once Redis confirmed the room's
        subscription (nothing published from then on is missed), or at once, local-only,
        when Redis is away or slow: the queue then gets `resynchronisation` when it holds."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        if self._redis is not None and not self._first_attempt.is_set():
            # The process's first socket: let the connection come up, so that the room is
            # subscribed now rather than resynchronised a moment later.
            self._start_supervisor(self._redis)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._first_attempt.wait(), CONFIRM_WAIT)
        try:
            confirmed = await self._join(room_id, queue)
            if confirmed is not None:
                with contextlib.suppress(TimeoutError):
                    # On timeout the future is cancelled: its confirmation resynchronises.
                    await asyncio.wait_for(confirmed, CONFIRM_WAIT)
            yield queue
        finally:
            await self._leave(room_id, queue)

    async def _join(
        self, room_id: int, queue: asyncio.Queue[dict[str, Any]]
    ) -> asyncio.Future[None] | None:
        """Register `queue`; the future to await before the room is live, if any."""
        async with self._lock:
            subscribers = self._local.setdefault(room_id, set())
            subscribers.add(queue)
            if self._redis is None:
                return None
            self._start_supervisor(self._redis)
            pubsub = self._pubsub
            if pubsub is None:  # the supervisor subscribes the room when Redis is back
                return None
            pending = self._pending.get(room_id)
            if len(subscribers) > 1 and not pending:
                return None  # subscribed and confirmed already
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            if len(subscribers) > 1 and pending:
                pending[-1].waiters.append(waiter)  # the first socket's SUBSCRIBE is on its way
                return waiter
            self._pending.setdefault(room_id, deque()).append(_Pending([waiter]))
            try:
                await pubsub.subscribe(self.channel(room_id))
            except REDIS_FAILURES as exc:
                self._lost(exc)
                return None
            return waiter

    async def _leave(self, room_id: int, queue: asyncio.Queue[dict[str, Any]]) -> None:
        async with self._lock:
            subscribers = self._local.get(room_id)
            if subscribers is None:
                return
            subscribers.discard(queue)
            if subscribers:
                return
            del self._local[room_id]
            if self._pubsub is not None:
                try:
                    await self._pubsub.unsubscribe(self.channel(room_id))
                except REDIS_FAILURES as exc:
                    self._lost(exc)

    def _lost(self, error: BaseException) -> None:
        """A command on the connection failed: the reader drops it and the supervisor
        reconnects (then resubscribes what is wanted, from `_local`)."""
        REDIS_ERRORS.labels(component="hub").inc()
        logger.debug("pub/sub command failed (%r): reconnecting", error)
        self._broken = True

    # ----------------------------------------------------------------- the connection

    def _start_supervisor(self, redis: Redis) -> None:
        if self._closed:
            return
        if self._supervisor is None or self._supervisor.done():
            name = f"hub-{self.kind}-{self.namespace}"
            self._supervisor = asyncio.create_task(self._supervise(redis), name=name)

    async def _supervise(self, redis: Redis) -> None:
        """Keep one pub/sub connection up for as long as the hub lives."""
        delay = FIRST_BACKOFF
        while True:
            pubsub = redis.pubsub()
            try:
                await self._attach(pubsub)
                self._first_attempt.set()
                await self._read(pubsub)
            except REDIS_FAILURES as exc:
                self.availability.failed(exc)
            except Exception as exc:  # a bug must not end live delivery for good
                logger.exception("room hub connection failed")
                self.availability.failed(exc)
            finally:
                self._first_attempt.set()  # connected or not: sockets stop waiting
                await self._detach(pubsub)
            # A connection Redis had confirmed: retry at once; else back off.
            delay = FIRST_BACKOFF if self._healthy else min(delay * 2, self._options.retry_after)
            await asyncio.sleep(delay)

    async def _attach(self, pubsub: PubSub) -> None:
        """Subscribe our own channel and every room with local sockets; each room's
        confirmation will resynchronise its sockets."""
        self._healthy = False
        async with self._lock:
            rooms = list(self._local)
            for room_id in rooms:
                self._pending.setdefault(room_id, deque()).append(_Pending(resynchronise=True))
            await pubsub.subscribe(self._own_channel, *(self.channel(r) for r in rooms))
            self._pubsub = pubsub

    async def _read(self, pubsub: PubSub) -> None:
        """Deliver what arrives until the connection fails (raises)."""
        loop = asyncio.get_running_loop()
        heard = pinged = loop.time()
        while not self._broken:
            item = await pubsub.get_message(timeout=POLL_SECONDS)
            now = loop.time()
            if item is not None:
                heard = now
                self._handle(item)
            elif now - heard > DEAD_AFTER:
                raise RedisTimeoutError(f"no answer from Redis for {DEAD_AFTER:.0f} s")
            elif now - max(heard, pinged) > PING_AFTER:
                pinged = now
                await pubsub.ping()
        raise RedisConnectionError("a subscription command failed")

    async def _detach(self, pubsub: PubSub) -> None:
        async with self._lock:
            self._pubsub = None
            self._broken = False
            for pendings in self._pending.values():
                for pending in pendings:
                    for waiter in pending.waiters:
                        if not waiter.done():
                            waiter.set_result(None)  # go on local-only; resynchronised later
            self._pending.clear()
        with contextlib.suppress(Exception):
            await pubsub.aclose()

    def _handle(self, item: dict[str, Any]) -> None:
        kind = item.get("type")
        raw = item.get("channel")
        channel = raw.decode() if isinstance(raw, bytes) else str(raw)
        if kind == "message":
            room_id = self._room_of(channel)
            try:
                payload = json.loads(item["data"])
            except ValueError:
                logger.warning("unreadable message on %s", channel)
                return
            if room_id is not None:
                self._deliver(room_id, payload)
        elif kind == "subscribe":
            if channel == self._own_channel:
                self._healthy = True
                self.availability.succeeded()
            elif (room_id := self._room_of(channel)) is not None:
                self._confirmed(room_id)

    def _room_of(self, channel: str) -> int | None:
        prefix = self._room_prefix
        if not channel.startswith(prefix):
            return None
        try:
            return int(channel[len(prefix) :])
        except ValueError:
            return None

    def _confirmed(self, room_id: int) -> None:
        """Redis confirmed the oldest SUBSCRIBE of the room (confirmations come in order)."""
        pendings = self._pending.get(room_id)
        if not pendings:
            return
        pending = pendings.popleft()
        if not pendings:
            del self._pending[room_id]
        late = pending.resynchronise or any(w.cancelled() for w in pending.waiters)
        for waiter in pending.waiters:
            if not waiter.done():
                waiter.set_result(None)
        if late:
            self._deliver(room_id, resynchronisation_frame(room_id, self.room_field))

    def _deliver(self, room_id: int, payload: dict[str, Any]) -> None:
        for queue in list(self._local.get(room_id, ())):
            try:
                queue.put_nowait(payload)
            except asyncio.QueueFull:
                # A socket that stopped reading loses live messages, not the room: it
                # catches up from the history (`apres`) when it reconnects.
                ROOM_FRAMES_DROPPED.inc()
                logger.warning("slow socket in room %s: live message dropped", room_id)
            else:
                ROOM_FRAMES_DELIVERED.inc()

    async def close(self) -> None:
        self._closed = True
        task, self._supervisor = self._supervisor, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._redis is not None:
            await self._redis.aclose()


class Runtime:
    """What the rooms need per application: the hub and the per-person message limiter."""

    def __init__(
        self,
        settings: Settings,
        namespace: str,
        *,
        kind: str = "salon",
        room_field: str = "id_thematique",
    ) -> None:
        options = RedisOptions.from_settings(settings)
        self.hub = Hub(
            namespace=namespace,
            redis_url=settings.redis_url,
            options=options,
            kind=kind,
            room_field=room_field,
        )
        self.limiter: RateLimiter = build_rate_limiter(settings.redis_url, options)
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
        namespace = database_of(app).engine.url.database or "hostolink"
        runtime = Runtime(settings_of(app), namespace)
        setattr(state, STATE_KEY, runtime)
    return runtime


async def close_runtime(app: Starlette) -> None:
    """Close the hub and limiter of `app` (call from the application's shutdown)."""
    state = app.state
    runtime: Runtime | None = getattr(state, STATE_KEY, None)
    if runtime is not None:
        setattr(state, STATE_KEY, None)
        await runtime.close()
