"""The directory's public answers, encoded once and kept: near me, search and detail.

Each process keeps the JSON bytes of its recent answers (`AnswerCache`: bounded in count and
bytes, 8 MiB, least recently used out first) with their strong ETag, and serves them again
without touching the database. The answers depend on two things besides the request:

- the directory's data: `version_annuaire` (one number the database changes with every
  write to the directory's tables, by trigger, whoever writes) is re-read at most once per
  `version_ttl` seconds (1 s); a new number empties the cache. An edit therefore reaches
  every worker of every instance within `version_ttl` seconds of its commit (plus the
  duration of a request already running), and the editing process at once (`invalidate`);
- the time of day (`ouvert_maintenant`): answers are computed and kept per minute of Abidjan
  time (opening hours are given to the minute), so the key holds the minute.

HTTP: every answer carries its `ETag` (a digest of the bytes) and `Cache-Control: public,
max-age=60` (a minute, like the opening flags); a request whose `If-None-Match` names the
current ETag is answered 304 without a body, and without a query when the answer is kept.

The bytes are those FastAPI would send for the route's `response_model`: pydantic's JSON
encoder (`pydantic_core.to_json`) over plain dicts in the fields' order.
"""

from __future__ import annotations

import hashlib
import time as clock
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import time
from typing import Any

import pydantic_core
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from hostolink.health.repository import Moment

PUBLIC_CACHE = "public, max-age=60, stale-while-revalidate=60"
DEFAULT_SIZE = 2_000
# A near-me page of 20 is about 9 kB: the budget, not the count, bounds the memory.
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_VERSION_TTL_SECONDS = 1.0
VERSION_QUERY = text("SELECT version FROM version_annuaire WHERE id = 1")


def encode(content: Any) -> bytes:
    """JSON bytes as pydantic writes them (FastAPI's encoder for `response_model` routes)."""
    return pydantic_core.to_json(content)


def strong_etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def to_the_minute(moment: Moment) -> Moment:
    """The moment without its seconds: one answer per minute (hours are given to the minute)."""
    return Moment(weekday=moment.weekday, clock=time(moment.clock.hour, moment.clock.minute))


def matches(request: Request, etag: str) -> bool:
    """`If-None-Match` names `etag` (or is `*`): the client's copy is current."""
    asked = request.headers.get("if-none-match")
    if not asked:
        return False
    if asked.strip() == "*":
        return True
    return etag in {tag.strip().removeprefix("W/") for tag in asked.split(",")}


@dataclass(frozen=True)
class Kept:
    body: bytes
    etag: str


@dataclass
class AnswerCache:
    """This process's encoded answers, valid for one `version_annuaire` number."""

    size: int = DEFAULT_SIZE
    max_bytes: int = DEFAULT_MAX_BYTES
    version_ttl: float = DEFAULT_VERSION_TTL_SECONDS
    now: Callable[[], float] = clock.monotonic
    version: int | None = None
    checked_at: float = 0.0
    entries: OrderedDict[Hashable, Kept] = field(default_factory=OrderedDict)
    kept_bytes: int = 0
    # Called when the version changes (the directory's other caches follow it).
    on_change: Callable[[], None] | None = None

    def invalidate(self) -> None:
        """Forget every answer, and re-read the version on the next request."""
        self._clear()
        self.version = None

    def _clear(self) -> None:
        self.entries.clear()
        self.kept_bytes = 0

    async def current_version(self, session: AsyncSession) -> int:
        if self.version is not None and self.now() - self.checked_at < self.version_ttl:
            return self.version
        found = await session.scalar(VERSION_QUERY)
        read = int(found) if found is not None else 0
        self.checked_at = self.now()
        if read != self.version:
            self._clear()
            if self.version is not None and self.on_change is not None:
                self.on_change()
            self.version = read
        return read

    def get(self, key: Hashable) -> Kept | None:
        kept = self.entries.get(key)
        if kept is not None:
            self.entries.move_to_end(key)
        return kept

    def put(self, key: Hashable, version: int, kept: Kept) -> None:
        """Keep `kept`, computed under `version`, unless the version moved on meanwhile."""
        if self.size <= 0 or version != self.version or len(kept.body) > self.max_bytes:
            return
        former = self.entries.pop(key, None)
        if former is not None:
            self.kept_bytes -= len(former.body)
        self.entries[key] = kept
        self.kept_bytes += len(kept.body)
        while len(self.entries) > self.size or self.kept_bytes > self.max_bytes:
            _, dropped = self.entries.popitem(last=False)
            self.kept_bytes -= len(dropped.body)

    async def respond(
        self,
        request: Request,
        session: AsyncSession,
        key: Hashable,
        build: Callable[[], Awaitable[Any]],
    ) -> Response:
        """The kept answer for `key`, else `build()`'s content encoded and kept; 304 when the
        client's copy is current."""
        version = await self.current_version(session)
        kept = self.get(key)
        if kept is None:
            body = encode(await build())
            kept = Kept(body, strong_etag(body))
            self.put(key, version, kept)
        headers = {"ETag": kept.etag, "Cache-Control": PUBLIC_CACHE}
        if matches(request, kept.etag):
            return Response(status_code=304, headers=headers)
        return Response(kept.body, media_type="application/json", headers=headers)
