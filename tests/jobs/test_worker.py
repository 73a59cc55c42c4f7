"""The worker against the real queue: a handler timeout below the lease, lease renewal and
what a worker that lost its job may still write (nothing), a bounded pool that claims as
slots free up, the drain and hand-back on shutdown, retries and abandonment."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.db import Database
from hostolink.jobs import queue
from hostolink.jobs.queue import Job
from hostolink.jobs.worker import TIMEOUT_ERROR, Handler, Worker
from tests.factories import execute
from tests.jobs.helpers import DEADLINE_SECONDS, enqueue, eventually, row, status_is

# Long enough never to decide a test by themselves; tests that are about one shorten it.
LEASE = 60.0
TIMEOUT = 50.0


class Gate:
    """A handler that runs until released, and says whether it was cancelled."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.cancelled = False
        self.runs = 0

    async def __call__(self, job: Job) -> None:
        self.runs += 1
        self.started.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise

    async def wait_started(self) -> None:
        await asyncio.wait_for(self.started.wait(), DEADLINE_SECONDS)


def worker_for(db: Database, **handlers: Handler) -> Worker:
    return Worker(
        db, handlers=handlers, poll_seconds=0.05, lease_seconds=LEASE, timeout_seconds=TIMEOUT
    )


class TestTimeout:
    async def test_a_slow_handler_is_cancelled_and_goes_back_as_delai_depasse(
        self, db: Database, db_engine: AsyncEngine
    ) -> None:
        gate = Gate()  # never released
        worker = Worker(db, handlers={"lent": gate}, lease_seconds=LEASE, timeout_seconds=0.5)
        job_id = await enqueue(db, "lent")

        assert await worker.run_once() == 1

        assert gate.cancelled
        job = await row(db_engine, job_id)
        assert job.statut == "en_attente"  # the normal retry path: backoff, then again
        assert job.derniere_erreur.startswith(TIMEOUT_ERROR)
        assert job.tentatives == 1
        assert job.verrouille_jusqu_a is None
        assert not job.due

    async def test_a_timeout_raised_by_the_handler_itself_is_an_ordinary_failure(
        self, db: Database, db_engine: AsyncEngine
    ) -> None:
        async def impatient(job: Job) -> None:
            raise TimeoutError

        worker = worker_for(db, impatient=impatient)
        job_id = await enqueue(db, "impatient")
        assert await worker.run_once() == 1
        assert (await row(db_engine, job_id)).derniere_erreur == "TimeoutError()"

    def test_the_timeout_must_stay_below_the_lease(self, db: Database) -> None:
        with pytest.raises(ValueError, match="below the lease"):
            Worker(db, lease_seconds=60, timeout_seconds=60)


async def _long_job_started(db: Database) -> tuple[Gate, int, asyncio.Task[int]]:
    """A job whose handler waits on its gate, started by a worker renewing its lease every
    0.1 s: (the gate, the job's id, the worker's run)."""
    gate = Gate()
    worker = Worker(
        db,
        handlers={"long": gate},
        lease_seconds=LEASE,
        timeout_seconds=TIMEOUT,
        renew_seconds=0.1,
    )
    job_id = await enqueue(db, "long")
    running = asyncio.create_task(worker.run_once())
    await gate.wait_started()
    return gate, job_id, running


class TestLease:
    async def test_the_lease_is_renewed_while_the_handler_runs(
        self, db: Database, db_engine: AsyncEngine
    ) -> None:
        gate, job_id, running = await _long_job_started(db)
        first: datetime = (await row(db_engine, job_id)).verrouille_jusqu_a

        async def renewed() -> bool:
            return bool((await row(db_engine, job_id)).verrouille_jusqu_a > first)

        await eventually(renewed, "the lease was renewed")
        gate.release.set()
        assert await running == 1
        assert await status_is(db_engine, job_id, "terminee")
        assert gate.runs == 1

    async def test_a_worker_that_lost_its_job_stops_and_writes_nothing(
        self, db: Database, db_engine: AsyncEngine, caplog: pytest.LogCaptureFixture
    ) -> None:
        gate, job_id, running = await _long_job_started(db)
        # Meanwhile its lease ran out and another worker claimed the job: attempt 2.
        await execute(
            db_engine,
            "UPDATE tache SET tentatives = 2, verrouille_jusqu_a = now() + interval '1 hour'"
            " WHERE id_tache = :i",
            i=job_id,
        )
        theirs = await row(db_engine, job_id)

        with caplog.at_level(logging.WARNING, logger="hostolink.jobs"):
            await asyncio.wait_for(running, DEADLINE_SECONDS)

        assert gate.cancelled  # stopped by its renewal finding the job gone, not the timeout
        assert any("lost its lease" in r.getMessage() for r in caplog.records)
        now = await row(db_engine, job_id)
        assert (now.statut, now.tentatives, now.verrouille_jusqu_a, now.derniere_erreur) == (
            "en_cours",
            2,
            theirs.verrouille_jusqu_a,
            None,
        )

    async def test_writes_of_a_superseded_attempt_match_nothing(
        self, db: Database, db_engine: AsyncEngine
    ) -> None:
        job_id = await enqueue(db, "x")
        async with db.engine.begin() as connection:
            (first,) = await queue.claim(connection, queue="defaut", limit=1, lease_seconds=60)
        await execute(db_engine, "UPDATE tache SET verrouille_jusqu_a = now() - interval '1 s'")
        async with db.engine.begin() as connection:
            (second,) = await queue.claim(connection, queue="defaut", limit=1, lease_seconds=60)
        assert (first.id, second.attempt) == (job_id, first.attempt + 1)
        before = await row(db_engine, job_id)

        async with db.engine.begin() as connection:
            assert not await queue.renew_lease(connection, first, lease_seconds=3600)
            assert await queue.retry_later(connection, first, "ancienne tentative") is None
            assert not await queue.hand_back(connection, first)
            await queue.complete(connection, first.id, attempt=first.attempt)

        after = await row(db_engine, job_id)
        assert (after.statut, after.tentatives, after.verrouille_jusqu_a) == (
            "en_cours",
            2,
            before.verrouille_jusqu_a,
        )
        assert after.derniere_erreur is None


class TestPool:
    async def test_a_slow_job_holds_its_own_slot_and_the_others_keep_flowing(
        self, db: Database, db_engine: AsyncEngine
    ) -> None:
        slow = Gate()
        ran: list[int] = []

        async def fast(job: Job) -> None:
            ran.append(job.id)

        worker = worker_for(db, lent=slow, rapide=fast)
        worker.concurrency = 2
        slow_id = await enqueue(db, "lent")
        worker.start()
        try:
            await slow.wait_started()
            fast_ids = [await enqueue(db, "rapide") for _ in range(5)]
            worker.wake()

            async def all_fast_done() -> bool:
                return all([await status_is(db_engine, i, "terminee") for i in fast_ids])

            await eventually(all_fast_done, "the fast jobs ran beside the slow one")
            assert await status_is(db_engine, slow_id, "en_cours")
            assert sorted(ran) == fast_ids
            slow.release.set()
            await eventually(
                lambda: status_is(db_engine, slow_id, "terminee"), "the slow job finished"
            )
        finally:
            await worker.stop()

    async def test_never_more_handlers_at_once_than_the_pool_holds(
        self, db: Database, db_engine: AsyncEngine
    ) -> None:
        now_running = 0
        most = 0

        async def brief(job: Job) -> None:
            nonlocal now_running, most
            now_running += 1
            most = max(most, now_running)
            await asyncio.sleep(0.05)
            now_running -= 1

        worker = worker_for(db, bref=brief)
        worker.concurrency = 3
        ids = [await enqueue(db, "bref") for _ in range(12)]
        worker.start()
        try:

            async def all_done() -> bool:
                return all([await status_is(db_engine, i, "terminee") for i in ids])

            await eventually(all_done, "every job ran")
        finally:
            await worker.stop()
        assert most == 3


class TestShutdown:
    async def test_a_job_in_flight_finishes_within_the_drain_and_nothing_new_starts(
        self, db: Database, db_engine: AsyncEngine
    ) -> None:
        gate = Gate()
        worker = worker_for(db, lent=gate, rapide=Gate())
        job_id = await enqueue(db, "lent")
        worker.start()
        await gate.wait_started()

        stopping = asyncio.create_task(worker.stop(drain_seconds=DEADLINE_SECONDS))
        await asyncio.sleep(0)  # stop() has begun: the worker claims nothing more
        late_id = await enqueue(db, "rapide")
        worker.wake()
        gate.release.set()
        await asyncio.wait_for(stopping, DEADLINE_SECONDS)

        assert await status_is(db_engine, job_id, "terminee")
        late = await row(db_engine, late_id)
        assert (late.statut, late.tentatives) == ("en_attente", 0)
        assert not gate.cancelled

    async def test_a_job_still_running_after_the_drain_is_handed_back_at_once(
        self, db: Database, db_engine: AsyncEngine
    ) -> None:
        gate = Gate()  # never released
        worker = worker_for(db, lent=gate)
        job_id = await enqueue(db, "lent")
        worker.start()
        await gate.wait_started()

        await worker.stop(drain_seconds=0.2)

        assert gate.cancelled
        job = await row(db_engine, job_id)
        assert (job.statut, job.tentatives, job.verrouille_jusqu_a) == ("en_attente", 0, None)
        assert job.due  # for any worker now, not once the lease has run out
        assert job.derniere_erreur is None  # not a failure
        finishing = Gate()
        finishing.release.set()
        assert await worker_for(db, lent=finishing).run_once() == 1
        assert await status_is(db_engine, job_id, "terminee")

    async def test_a_cancelled_worker_loop_hands_its_jobs_back_too(
        self, db: Database, db_engine: AsyncEngine
    ) -> None:
        """`hostolink worker` on SIGTERM: asyncio.run cancels the loop."""
        gate = Gate()
        worker = worker_for(db, lent=gate)
        job_id = await enqueue(db, "lent")
        loop = asyncio.create_task(worker.run_forever())
        await gate.wait_started()

        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(loop, DEADLINE_SECONDS)

        assert gate.cancelled
        job = await row(db_engine, job_id)
        assert (job.statut, job.tentatives, job.verrouille_jusqu_a) == ("en_attente", 0, None)


class TestFailures:
    async def test_a_failure_is_retried_later_then_abandoned_with_its_error(
        self, db: Database, db_engine: AsyncEngine
    ) -> None:
        async def broken(job: Job) -> None:
            raise RuntimeError("fournisseur injoignable")

        worker = worker_for(db, casse=broken)
        job_id = await enqueue(db, "casse", max_attempts=2)

        assert await worker.run_once() == 1
        job = await row(db_engine, job_id)
        assert (job.statut, job.tentatives) == ("en_attente", 1)
        assert job.derniere_erreur == "RuntimeError('fournisseur injoignable')"
        assert not job.due  # after a delay
        assert await worker.run_once() == 0

        await execute(db_engine, "UPDATE tache SET date_execution = now()")
        assert await worker.run_once() == 1
        job = await row(db_engine, job_id)
        assert (job.statut, job.tentatives) == ("abandonnee", 2)
        assert job.date_fin is not None

    async def test_a_job_without_a_handler_fails_and_says_so(
        self, db: Database, db_engine: AsyncEngine
    ) -> None:
        job_id = await enqueue(db, "inconnue")
        assert await worker_for(db).run_once() == 1
        assert "no handler for job 'inconnue'" in (await row(db_engine, job_id)).derniere_erreur
