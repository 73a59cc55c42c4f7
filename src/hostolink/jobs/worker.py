"""The worker: claims due jobs, runs their handlers, retries failures with backoff, and runs
the periodic duties (reconciliation, retention).

It runs inside each API process by default (the embedded install has no other process to
start) and alone with `hostolink worker`. Several workers share the queue safely (SKIP
LOCKED). A job's handler gets the job and completes it in its own final transaction when
it can (the effect and the completion commit together); a handler that returns without
doing so is completed afterwards — handlers apply their effect once however often they run.

A bounded pool: at most `concurrency` handlers run at once, and the worker claims again as
soon as one of them finishes (a slow job holds its own slot, not the others'). While a
handler runs, its lease is renewed; at `timeout_seconds` (below the lease) the handler is
cancelled and the attempt fails with « délai dépassé ». On `stop()`, handlers in flight get
the drain to finish; those still running are cancelled and handed back at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hostolink.db import Database
from hostolink.jobs import queue
from hostolink.jobs.queue import Job

if TYPE_CHECKING:
    from hostolink.config import Settings

logger = logging.getLogger("hostolink.jobs")

Handler = Callable[[Job], Awaitable[None]]

TIMEOUT_ERROR = "délai dépassé"
# A cancelled handler that ignores its cancellation is left behind after this long.
_CANCEL_GRACE_SECONDS = 5.0


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
        timeout_seconds: float = 90.0,
        concurrency: int = 10,
        poll_seconds: float = 1.0,
        drain_seconds: float = 20.0,
        renew_seconds: float | None = None,
    ) -> None:
        if timeout_seconds >= lease_seconds:
            raise ValueError("the handler timeout must stay below the lease")
        self._db = db
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.periodic: list[Periodic] = list(periodic or [])
        self._queue = queue_name
        self.lease_seconds = lease_seconds
        self.timeout_seconds = timeout_seconds
        # Three renewals per lease: two may fail (a database blip) before it runs out.
        self.renew_seconds = lease_seconds / 3 if renew_seconds is None else renew_seconds
        self.concurrency = concurrency
        self.drain_seconds = drain_seconds
        self._poll = poll_seconds
        self._changed = asyncio.Event()  # a job was committed here, or a slot freed
        self._running: dict[int, asyncio.Task[None]] = {}
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, db: Database, settings: Settings) -> Worker:
        return cls(
            db,
            lease_seconds=settings.job_lease_seconds,
            timeout_seconds=settings.job_timeout_seconds,
            concurrency=settings.job_concurrency,
            drain_seconds=settings.shutdown_drain_seconds,
        )

    def wake(self) -> None:
        """A job was just committed by this process: look now instead of at the next poll."""
        self._changed.set()

    @property
    def in_flight(self) -> int:
        return len(self._running)

    # ------------------------------------------------------------------------- one job

    async def _execute(self, job: Job) -> None:
        """Run one claimed attempt to its end: completed, retried (failure or timeout),
        left alone (lease lost) or, when cancelled because the worker stops, handed back."""
        try:
            await self._attempt(job)
        except asyncio.CancelledError:
            # Guarded by the attempt and `en_cours`: a no-op if the completion committed.
            await self._hand_back(job)
            raise

    async def _attempt(self, job: Job) -> None:
        handler = self.handlers.get(job.name)
        if handler is None:
            await self._fail(job, f"LookupError('no handler for job {job.name!r}')")
            return

        async def call() -> None:
            await handler(job)

        running = asyncio.create_task(call(), name=f"job-{job.id}-{job.name}")
        lost = asyncio.Event()
        renewals = asyncio.create_task(self._renew_while_running(job, running, lost))
        try:
            done, _ = await asyncio.wait({running}, timeout=self.timeout_seconds)
        except asyncio.CancelledError:
            await self._stop_handler(running)
            raise
        finally:
            renewals.cancel()
        if lost.is_set():
            logger.warning(
                "job %s (%s) attempt %d lost its lease: stopped", job.id, job.name, job.attempt
            )
            await self._stop_handler(running)
            return
        if not done:
            await self._stop_handler(running)
            await self._fail(job, f"{TIMEOUT_ERROR} ({self.timeout_seconds:g} s)")
            return
        if running.cancelled():
            await self._fail(job, "CancelledError() inside the handler")
            return
        exc = running.exception()
        if exc is not None:
            await self._fail(job, repr(exc))
            return
        try:
            async with self._db.engine.begin() as connection:
                await queue.complete(connection, job.id, attempt=job.attempt)
        except Exception:  # the lease runs out and the job runs again (handlers are idempotent)
            logger.exception("job %s (%s): completion not recorded", job.id, job.name)

    async def _renew_while_running(
        self, job: Job, running: asyncio.Task[None], lost: asyncio.Event
    ) -> None:
        while not running.done():
            await asyncio.sleep(self.renew_seconds)
            try:
                async with self._db.engine.begin() as connection:
                    kept = await queue.renew_lease(
                        connection, job, lease_seconds=self.lease_seconds
                    )
            except Exception:  # the timeout, below the lease, still stops the handler in time
                logger.warning("job %s: lease renewal failed", job.id, exc_info=True)
                continue
            if not kept:  # claimed again by another worker, or cancelled by an operator
                lost.set()
                running.cancel()
                return

    @staticmethod
    async def _stop_handler(running: asyncio.Task[None]) -> None:
        running.cancel()
        await asyncio.wait({running}, timeout=_CANCEL_GRACE_SECONDS)
        if running.done() and not running.cancelled():
            running.exception()  # retrieved: no "exception never retrieved" noise

    async def _fail(self, job: Job, error: str) -> None:
        logger.warning("job %s (%s) attempt %d failed: %s", job.id, job.name, job.attempt, error)
        try:
            async with self._db.engine.begin() as connection:
                status = await queue.retry_later(connection, job, error)
        except Exception:
            logger.exception("job %s (%s): failure not recorded", job.id, job.name)
            return
        if status == "abandonnee":
            logger.error("job %s (%s) abandoned after %d attempts", job.id, job.name, job.attempt)

    async def _hand_back(self, job: Job) -> None:
        try:
            async with self._db.engine.begin() as connection:
                released = await queue.hand_back(connection, job)
        except Exception:  # the lease will run out instead
            logger.exception("job %s (%s): hand-back failed", job.id, job.name)
            return
        if released:
            logger.info("job %s (%s) handed back (shutdown)", job.id, job.name)

    # ----------------------------------------------------------------------- the pool

    async def _claim(self, limit: int) -> list[Job]:
        async with self._db.engine.begin() as connection:
            return await queue.claim(
                connection, queue=self._queue, limit=limit, lease_seconds=self.lease_seconds
            )

    def _spawn(self, job: Job) -> None:
        task = asyncio.create_task(self._execute(job), name=f"hostolink-job-{job.id}")
        self._running[job.id] = task

        def finished(_: asyncio.Task[None]) -> None:
            self._running.pop(job.id, None)
            self._changed.set()

        task.add_done_callback(finished)

    async def _fill(self) -> int:
        """Claim as many due jobs as there are free slots and start them; how many."""
        free = self.concurrency - len(self._running)
        if free <= 0 or self._stopping:
            return 0
        jobs = await self._claim(free)
        for job in jobs:
            self._spawn(job)
        return len(jobs)

    async def run_once(self) -> int:
        """Claim the due jobs that fit in the pool and run them to their end; how many ran
        (tests, `drain`)."""
        jobs = await self._claim(self.concurrency)
        if jobs:
            await asyncio.gather(*(self._execute(job) for job in jobs))
        return len(jobs)

    async def drain(self, *, rounds: int = 100) -> None:
        """Run until no job is due (tests, and `hostolink worker --once`)."""
        for _ in range(rounds):
            if not await self.run_once():
                return

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

    async def _periodic_loop(self) -> None:
        # Apart from the claims: a slow duty (a provider being asked) delays no job.
        while True:
            await self.run_periodic()
            await asyncio.sleep(self._poll)

    async def run_forever(self) -> None:
        """Until `stop()` (or cancellation: jobs in flight are then handed back at once)."""
        duties = asyncio.create_task(self._periodic_loop(), name="hostolink-worker-duties")
        try:
            while not self._stopping:
                self._changed.clear()  # before the claim: a slot freed meanwhile is seen
                try:
                    await self._fill()
                except Exception:  # the database away for a moment: try again shortly
                    logger.exception("worker loop error")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=self._poll)
        except asyncio.CancelledError:
            await self._interrupt(list(self._running.values()))
            raise
        finally:
            duties.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await duties

    async def _interrupt(self, tasks: list[asyncio.Task[None]]) -> None:
        """Cancel these jobs' tasks: each stops its handler and hands its job back."""
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=_CANCEL_GRACE_SECONDS + 5)

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self.run_forever(), name="hostolink-worker")

    async def stop(self, *, drain_seconds: float | None = None) -> None:
        """Claim nothing more; give the jobs in flight the drain to finish, then hand the
        others back (due again at once for any worker, the attempt not counted)."""
        if self._task is None:
            return
        self._stopping = True
        self._changed.set()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        in_flight = list(self._running.values())
        if in_flight:
            drain = self.drain_seconds if drain_seconds is None else drain_seconds
            logger.info(
                "worker stopping: %d job(s) in flight, %gs to finish", len(in_flight), drain
            )
            _, unfinished = await asyncio.wait(in_flight, timeout=drain)
            await self._interrupt(list(unfinished))
