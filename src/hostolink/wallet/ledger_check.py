"""The ledger check, periodically: `hostolink ledger verify`'s checks (wallet/verify.py) once
per interval for the whole cluster, their result stored in `controle_grand_livre` and read
back as gauges (hostolink.metrics.collector): discrepancies of the last check, 0 being the
only healthy value, and when it ran.

Scheduled like the retention purge (jobs/retention.py): a job of the durable queue with a
unique key, at most one waiting or running, which enqueues its successor an interval later
in the transaction that stores its result; every worker process runs a duty that enqueues
one when none exists, so whichever process is up checks, one at a time.

Bounded in time: the check stops after HOSTOLINK_LEDGER_CHECK_TIMEOUT_SECONDS (kept within
two thirds of the job's own timeout), each statement running under a `statement_timeout` of
the time left. It reads the whole ledger (a balance is checked against all of its entries):
about 4 s for 2,000,000 entries and 24 s for 10,000,000 on PostgreSQL 15 (wallet/verify.py),
so the default bound of 60 s holds some 25,000,000 entries. A check cut short is stored as
such — no count of discrepancies, the reason in `details` — so the time of the last complete
check stops advancing and the alert on its age fires, instead of a silent gap. While it
runs, its snapshot (REPEATABLE READ) holds back vacuum's horizon: one more reason to bound it.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from hostolink.db import Database
from hostolink.jobs import queue
from hostolink.jobs.queue import Job
from hostolink.jobs.worker import Periodic, Worker
from hostolink.wallet.verify import CheckTimedOut, Report, verify

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from hostolink.config import Settings

logger = logging.getLogger("hostolink.wallet.ledger_check")

LEDGER_CHECK_JOB = "grand_livre.controle"
UNIQUE_KEY = "grand_livre"
# How often each process checks that a check is scheduled (a cheap insert that does nothing
# when one is), not how often it runs.
SCHEDULE_CHECK_SECONDS = 60.0
MAX_ATTEMPTS = 100
# Problem rows kept in `details` per check (the command line shows them all).
EXAMPLES = 5

_STORE = text(
    "INSERT INTO controle_grand_livre (date_controle, ecarts, duree_ms, details)"
    " VALUES (:date, :ecarts, :duree, CAST(:details AS jsonb))"
)


@dataclass(frozen=True)
class Outcome:
    """One check: discrepancies found (None when cut short), what `details` stores."""

    started_at: datetime
    found: int | None
    details: dict[str, Any]
    duration_ms: int


def _details(report: Report) -> dict[str, Any]:
    return {
        "comptes": report.comptes,
        "transactions": report.transactions,
        "ecritures": report.ecritures,
        "somme": report.somme,
        "verifications": {name: len(rows) for name, rows in report.problems.items()},
        "exemples": {name: rows[:EXAMPLES] for name, rows in report.problems.items()},
    }


class LedgerCheck:
    def __init__(self, db: Database, *, interval_seconds: float, timeout_seconds: float) -> None:
        self._db = db
        self.interval_seconds = interval_seconds
        self.timeout_seconds = timeout_seconds

    @classmethod
    def from_settings(cls, db: Database, settings: Settings) -> LedgerCheck:
        return cls(
            db,
            interval_seconds=settings.ledger_check_interval_minutes * 60.0,
            # Inside the job's own timeout, which would cancel the handler unrecorded.
            timeout_seconds=min(
                settings.ledger_check_timeout_seconds, settings.job_timeout_seconds * 2 / 3
            ),
        )

    async def check(self) -> Outcome:
        """Run the checks once, each statement bounded; log what they found."""
        started_at = datetime.now(UTC)
        started = time.monotonic()
        try:
            async with self._db.engine.connect() as connection:
                report = await verify(connection, budget_seconds=self.timeout_seconds)
                await connection.rollback()  # read only: nothing to keep
        except CheckTimedOut:
            logger.error(
                "ledger check stopped at its bound (%g s): the whole ledger is read each time; "
                "raise HOSTOLINK_LEDGER_CHECK_TIMEOUT_SECONDS (and the job timeout)",
                self.timeout_seconds,
            )
            reason = f"délai dépassé : contrôle arrêté après {self.timeout_seconds:g} s"
            return Outcome(started_at, None, {"erreur": reason}, _ms_since(started))
        outcome = Outcome(started_at, report.discrepancies, _details(report), _ms_since(started))
        if outcome.found:
            logger.error(
                "ledger check: %d discrepancies (%s); run `hostolink ledger verify`",
                outcome.found,
                ", ".join(f"{name}: {len(rows)}" for name, rows in report.problems.items())
                or f"sum of all entries {report.somme}",
            )
        else:
            logger.info(
                "ledger check: consistent (%d entries, %d ms)",
                report.ecritures,
                outcome.duration_ms,
            )
        return outcome

    @staticmethod
    async def store(connection: AsyncConnection, outcome: Outcome) -> None:
        await connection.execute(
            _STORE,
            {
                "date": outcome.started_at,
                "ecarts": outcome.found,
                "duree": outcome.duration_ms,
                "details": json.dumps(outcome.details, ensure_ascii=False),
            },
        )

    # ------------------------------------------------------------------ the schedule

    async def schedule(self, *, delay_seconds: float = 0) -> None:
        """Make sure a check is waiting (nothing happens when one is waiting or running)."""
        async with self._db.engine.begin() as connection:
            await self._enqueue(connection, delay_seconds)

    async def _enqueue(self, connection: AsyncConnection, delay_seconds: float) -> None:
        await queue.enqueue(
            connection,
            LEDGER_CHECK_JOB,
            {},
            unique_key=UNIQUE_KEY,
            delay_seconds=delay_seconds,
            max_attempts=MAX_ATTEMPTS,
        )

    async def run_job(self, job: Job) -> None:
        outcome = await self.check()
        async with self._db.engine.begin() as connection:
            await self.store(connection, outcome)
            # Completed first: the unique key is free for the successor in this transaction.
            await queue.complete(connection, job.id, attempt=job.attempt)
            await self._enqueue(connection, self.interval_seconds)


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def install(worker: Worker, db: Database, settings: Settings) -> LedgerCheck:
    """The check's job handler and the duty that keeps one scheduled, on `worker`."""
    check = LedgerCheck.from_settings(db, settings)
    worker.handlers[LEDGER_CHECK_JOB] = check.run_job
    worker.periodic.append(Periodic("ledger_check", SCHEDULE_CHECK_SECONDS, check.schedule))
    return check
