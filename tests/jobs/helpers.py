"""Reading the queue back, and waiting for an outcome without timing it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.db import Database
from hostolink.jobs import queue

# Generous: the machine is shared; only a hung worker takes this long.
DEADLINE_SECONDS = 60.0


async def enqueue(db: Database, name: str, payload: dict[str, Any] | None = None, **kw: Any) -> int:
    async with db.engine.begin() as connection:
        job_id = await queue.enqueue(connection, name, payload or {}, **kw)
    assert job_id is not None
    return job_id


async def row(engine: AsyncEngine, job_id: int) -> Any:
    async with engine.connect() as connection:
        return (
            await connection.execute(
                text(
                    "SELECT *, verrouille_jusqu_a > now() AS bail_valide,"
                    " date_execution <= now() AS due FROM tache WHERE id_tache = :i"
                ),
                {"i": job_id},
            )
        ).one()


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll `check` until it holds; fail only after a deadline no healthy run reaches."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not await check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.05)


async def status_is(engine: AsyncEngine, job_id: int, *statuses: str) -> bool:
    return (await row(engine, job_id)).statut in statuses
