"""The worker: claims due jobs, runs their handlers, retries failures with backoff, and runs
the periodic duties (reconciliation, purges).

It runs inside each API process by default (the embedded install has no other process to
start) and alone with `hostolink worker`. Several workers share the queue safely (SKIP
LOCKED). A job's handler gets the job and completes it in its own final transaction when
it can (the effect and the completion commit together); a handler that returns without
doing so is completed afterwards — handlers apply their effect once however often they run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hostolink.db import Database
from hostolink.jobs import queue
from hostolink.jobs.queue import Job

logger = logging.getLogger("hostolink.jobs")

Handler = Callable[[Job], Awaitable[None]]


@dataclass
class Periodic:
    name: str
    every_seconds: float
    run: Callable[[], Awaitable[object]]
    next_at: float = 0.0


class Worker:
    def __init__(
        self,
        db: Database,
        *,
        handlers: dict[str, Handler] | None = None,
        periodic: list[Periodic] | None = None,
        queue_name: str = queue.DEFAULT_QUEUE,
        lease_seconds: float = 120.0,
        poll_seconds: float = 1.0,
        batch: int = 20,
    ) -> None:
        self._db = db
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.periodic: list[Periodic] = list(periodic or [])
        self._queue = queue_name
        self.lease_seconds = lease_seconds
        self._poll = poll_seconds
        self._batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """A job was just committed by this process: look now instead of at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Claim one batch of due jobs and run them; returns how many ran."""
        async with self._db.engine.begin() as connection:
            jobs = await queue.claim(
                connection, queue=self._queue, limit=self._batch, lease_seconds=self.lease_seconds
            )
        if jobs:
            await asyncio.gather(*(self._run(job) for job in jobs))
        return len(jobs)

    async def _run(self, job: Job) -> None:
        handler = self.handlers.get(job.name)
        try:
            if handler is None:
                raise LookupError(f"no handler for job {job.name!r}")
            await handler(job)
        except Exception as exc:
            logger.warning("job %s (%s) attempt %d failed: %r", job.id, job.name, job.attempt, exc)
            async with self._db.engine.begin() as connection:
                status = await queue.retry_later(connection, job.id, repr(exc))
            if status == "abandonnee":
                logger.error(
                    "job %s (%s) abandoned after %d attempts", job.id, job.name, job.attempt
                )
            return
        async with self._db.engine.begin() as connection:
            await queue.complete(connection, job.id)

    async def run_periodic(self, *, force: bool = False) -> None:
        now = time.monotonic()
        for duty in self.periodic:
            if not force and now < duty.next_at:
                continue
            duty.next_at = now + duty.every_seconds
            try:
                await duty.run()
            except Exception:  # a periodic duty failing must not stop the worker
                logger.exception("periodic duty %s failed", duty.name)

    async def drain(self, *, rounds: int = 100) -> None:
        """Run until no job is due (tests, and `hostolink worker --once`)."""
        for _ in range(rounds):
            if not await self.run_once():
                return

    async def run_forever(self) -> None:
        while True:
            try:
                ran = await self.run_once()
                await self.run_periodic()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away for a moment: try again shortly
                logger.exception("worker loop error")
                ran = 0
            if ran:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
            self._wake.clear()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run_forever(), name="hostolink-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
