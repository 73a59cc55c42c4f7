"""Retention: what the service no longer needs is deleted on a schedule (README, « Rétention
des données »; periods in config.py).

Once per interval for the whole cluster: the purge is a job of the durable queue, at most
one waiting or running (unique key), which enqueues its successor an interval later in the
transaction that completes it. Every worker process runs a periodic duty that enqueues one
when none exists (first start, a purge cancelled by an operator), so whichever process is up
purges, and only one at a time: the queue's claim (SKIP LOCKED, a lease) decides. Each batch
also takes a transaction-level advisory lock (safe behind a transaction pooler, unlike a
session lock): anything else purging at that moment makes this run stop, not double up.

Deletes go by batches of `BATCH` rows in primary-key order, each its own short transaction,
so a first purge on a big table never holds its locks for long; a run stops starting batches
after its time budget (below the job timeout) and the next run comes back soon to finish.

Identity documents (`verification_identite` and their private images) of a person who
deleted their account are kept `kyc_years` (10 by default: config.py says why) after the
deletion, then erased: rows first, in a short transaction, then the files (best effort: a
file left behind is an orphan, never a reason to keep the row). `purge(now=…)` takes the
moment to judge by, so the rule is tested without waiting ten years.

Never purged: what the ledger, the audit journal or a pending operation needs. Neither
`transaction` nor `ecriture` nor `journal_audit` is touched; a webhook stays until it is
processed, while its operation is pending, and for good when it decided the operation (its
history names it: the provider's signed word behind the ledger entry).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import text

from hostolink.db import Database
from hostolink.errors import HostolinkError
from hostolink.jobs import queue
from hostolink.jobs.queue import Job
from hostolink.jobs.worker import Periodic, Worker

if TYPE_CHECKING:
    from hostolink.config import Settings

logger = logging.getLogger("hostolink.jobs.retention")

RETENTION_JOB = "retention.purge"
UNIQUE_KEY = "retention"
BATCH = 5000
# How often each process checks that a purge is scheduled (a cheap insert that does nothing
# when one is), not how often it runs.
SCHEDULE_CHECK_SECONDS = 60.0
# Cut short by its budget, a purge comes back this soon to finish.
RESUME_SECONDS = 10.0
# A purge that fails is retried with the queue's backoff (ten minutes at most), for long
# before being abandoned.
MAX_ATTEMPTS = 100

_LOCK = text("SELECT pg_try_advisory_xact_lock(hashtext('hostolink.retention'))")

# table → (primary key, which rows go). Constant SQL of this module, never input.
RULES: dict[str, tuple[str, str]] = {
    # Spent or expired, and older than the period: the hourly send limit counts the codes
    # of the last hour (auth/otp.py), so the period is more than an hour.
    "otp": (
        "id",
        "t.date_creation < now() - make_interval(hours => :otp_hours)"
        " AND (t.is_valid IS NOT TRUE OR t.expires_at < (now() AT TIME ZONE 'UTC'))",
    ),
    # A token goes when its whole family has been dead (revoked or expired) for the period:
    # while one token of the family lives, its rotated predecessors are what detects a
    # stolen token coming back (auth/refresh_tokens.py).
    "jeton_rafraichissement": (
        "id",
        "least(coalesce(t.date_revocation, 'infinity'), t.date_expiration)"
        " < now() - make_interval(days => :token_days)"
        " AND NOT EXISTS (SELECT 1 FROM jeton_rafraichissement l WHERE l.famille = t.famille"
        " AND least(coalesce(l.date_revocation, 'infinity'), l.date_expiration)"
        " >= now() - make_interval(days => :token_days))",
    ),
    # Past its expiry a key no longer replays anything: the claim reuses it as a new key
    # (wallet/repository.py). It points to its transaction; nothing points to it.
    "cle_idempotence": ("id_cle", "t.date_expiration < now()"),
    # Processed, past the providers' retry horizon, and needed by nothing (module doc). A
    # webhook is marked processed in the transaction that completes its job (operations/
    # flow.py): no job is left to need it. (Checking `tache` here as well made PostgreSQL
    # compare every candidate with every unfinished job: minutes on a big inbox.)
    "webhook_entrant": (
        "id_webhook",
        "t.statut IN ('traite', 'ignore')"
        " AND t.date_reception < now() - make_interval(days => :webhook_days)"
        " AND NOT EXISTS (SELECT 1 FROM operation_fournisseur o"
        " WHERE o.id_operation = t.id_operation"
        " AND o.statut IN ('initiee', 'en_attente', 'a_verifier'))"
        " AND NOT EXISTS (SELECT 1 FROM historique_operation h"
        " WHERE h.id_operation = t.id_operation"
        " AND h.details ->> 'id_webhook' = t.id_webhook::text)",
    ),
    # The history of the periodic ledger checks (one every 15 minutes): the metrics read
    # only the latest ones; the period keeps a quarter's trail for an auditor.
    "controle_grand_livre": (
        "id_controle",
        "t.date_controle < now() - make_interval(days => :ledger_check_days)",
    ),
    # Finished jobs; abandoned ones wait for an operator much longer.
    "tache": (
        "id_tache",
        "(t.statut IN ('terminee', 'annulee')"
        " AND t.date_fin < now() - make_interval(days => :job_days))"
        " OR (t.statut = 'abandonnee'"
        " AND t.date_fin < now() - make_interval(days => :abandoned_days))",
    ),
}


def _batch_statement(table: str) -> Any:
    key, condition = RULES[table]
    # `table`, `key` and `condition` come from RULES above, never from input.
    return text(
        f"""
WITH doomed AS (
    SELECT t.{key} FROM {table} t
    WHERE t.{key} > :after AND ({condition})
    ORDER BY t.{key}
    LIMIT :batch
    FOR UPDATE OF t SKIP LOCKED
), gone AS (
    DELETE FROM {table} x USING doomed d WHERE x.{key} = d.{key} RETURNING x.{key}
)
SELECT count(*) AS deleted, max({key}) AS last FROM gone
"""  # noqa: S608
    )


_STATEMENTS = {table: _batch_statement(table) for table in RULES}

# The identity documents of people deleted before :cutoff, by batches: the requests, then
# the private images only they pointed at (the person's `identite` uploads).
_ERASE_IDENTITY = text(
    """
WITH doomed AS (
    SELECT v.id_verification, v.id_user FROM verification_identite v
    JOIN utilisateur u ON u.id_user = v.id_user
    WHERE u.date_suppression < :cutoff
    ORDER BY v.id_verification
    LIMIT :batch
    FOR UPDATE OF v SKIP LOCKED
)
DELETE FROM verification_identite x USING doomed d
WHERE x.id_verification = d.id_verification
RETURNING x.id_user
"""
)
_ERASE_IDENTITY_MEDIA = text(
    """
DELETE FROM media m
USING utilisateur u
WHERE m.id_user = u.id_user AND u.date_suppression < :cutoff AND m.usage = 'identite'
  AND NOT EXISTS (SELECT 1 FROM verification_identite v
                  WHERE m.id_media IN (v.id_media_recto, v.id_media_verso, v.id_media_selfie))
RETURNING m.cle_stockage, m.prive
"""
)
IDENTITY_TABLE = "verification_identite"


def years_before(moment: datetime, years: int) -> datetime:
    """The same day `years` earlier (28 February for a 29th that year lacks)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


# What is not a plain DELETE (a file to erase with its row's change): a domain registers a
# sweep, given the moment to judge by (now when None), returning how many items it cleared.
Sweep = Callable[[datetime | None], Awaitable[int]]


class FileEraser(Protocol):
    """Where the identity documents' files live (the media storage, passed in by the app:
    the job queue does not import a domain)."""

    async def delete(self, key: str, *, private: bool) -> None: ...


@dataclass(frozen=True)
class Periods:
    otp_hours: int = 24
    token_days: int = 30
    webhook_days: int = 30
    job_days: int = 7
    abandoned_days: int = 90
    ledger_check_days: int = 90
    kyc_years: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> Periods:
        return cls(
            otp_hours=settings.retention_otp_hours,
            token_days=settings.retention_refresh_token_days,
            webhook_days=settings.retention_webhook_days,
            job_days=settings.retention_job_days,
            abandoned_days=settings.retention_abandoned_job_days,
            ledger_check_days=settings.retention_ledger_check_days,
            kyc_years=settings.retention_kyc_years,
        )


@dataclass
class PurgeReport:
    deleted: dict[str, int] = field(default_factory=dict)
    complete: bool = True  # False: cut short by the budget, or another purger was at work
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.deleted.values())

    def line(self) -> str:
        counts = ", ".join(f"{table}={n}" for table, n in self.deleted.items())
        rest = "" if self.complete else ", unfinished"
        return f"retention purge: {counts} ({self.seconds:.1f} s{rest})"


class Retention:
    def __init__(
        self,
        db: Database,
        *,
        periods: Periods,
        interval_seconds: float,
        budget_seconds: float,
        batch: int = BATCH,
        storage: FileEraser | None = None,
    ) -> None:
        self._db = db
        self.storage = storage
        self.periods = periods
        self.interval_seconds = interval_seconds
        self.budget_seconds = budget_seconds
        self.batch = batch
        self.sweeps: dict[str, Sweep] = {}

    @classmethod
    def from_settings(
        cls, db: Database, settings: Settings, storage: FileEraser | None = None
    ) -> Retention:
        return cls(
            db,
            periods=Periods.from_settings(settings),
            interval_seconds=settings.retention_interval_minutes * 60.0,
            # Well inside the job's timeout: the run ends on its own, and records it.
            budget_seconds=settings.job_timeout_seconds * 2 / 3,
            storage=storage,
        )

    def _params(self) -> dict[str, int]:
        p = self.periods
        return {
            "otp_hours": p.otp_hours,
            "token_days": p.token_days,
            "webhook_days": p.webhook_days,
            "job_days": p.job_days,
            "abandoned_days": p.abandoned_days,
            "ledger_check_days": p.ledger_check_days,
        }

    async def purge(self, *, now: datetime | None = None) -> PurgeReport:
        """Delete what every table's rule lets go, erase the identity documents whose legal
        period is over, then run the registered sweeps; the counts, also logged on one line.
        `now`: the moment the periods and sweeps are judged by (the clock's when None)."""
        started = time.monotonic()
        report = PurgeReport()
        for table in RULES:
            if not report.complete:
                break
            report.deleted[table], report.complete = await self._purge_table(
                table, deadline=started + self.budget_seconds
            )
        if report.complete:
            report.deleted[IDENTITY_TABLE], report.complete = await self._erase_identity(
                now or datetime.now(UTC), deadline=started + self.budget_seconds
            )
        for name, sweep in self.sweeps.items():
            if not report.complete:
                break
            report.deleted[name] = await sweep(now)
        report.seconds = time.monotonic() - started
        logger.info(report.line())
        return report

    async def _purge_table(self, table: str, *, deadline: float) -> tuple[int, bool]:
        """(rows deleted, whether the table is done)."""
        params: dict[str, Any] = {**self._params(), "batch": self.batch, "after": 0}
        total = 0
        while True:
            if time.monotonic() > deadline:
                return total, False
            async with self._db.engine.begin() as connection:
                if not await connection.scalar(_LOCK):
                    logger.info("retention purge: another process is purging, stopping")
                    return total, False
                row = (await connection.execute(_STATEMENTS[table], params)).one()
            total += int(row.deleted)
            if row.deleted < self.batch:
                return total, True
            params["after"] = row.last

    async def _erase_identity(self, now: datetime, *, deadline: float) -> tuple[int, bool]:
        """(identity requests erased, whether done): those of people deleted more than
        `kyc_years` before `now`, then their images, rows and files."""
        params: dict[str, Any] = {
            "cutoff": years_before(now, self.periods.kyc_years),
            "batch": self.batch,
        }
        total = 0
        while True:
            if time.monotonic() > deadline:
                return total, False
            async with self._db.engine.begin() as connection:
                if not await connection.scalar(_LOCK):
                    return total, False
                erased = len((await connection.execute(_ERASE_IDENTITY, params)).all())
                files = (await connection.execute(_ERASE_IDENTITY_MEDIA, params)).all()
            for key, private in files:
                await self._forget(key, private=private)
            total += erased
            if erased < self.batch:
                return total, True

    async def _forget(self, key: str, *, private: bool) -> None:
        if self.storage is None:
            return
        try:
            await self.storage.delete(key, private=private)
        except (HostolinkError, OSError):  # best effort: an orphan file, never a kept row
            logger.warning("retention purge: identity file %s could not be removed", key)

    # ------------------------------------------------------------------ the schedule

    async def schedule(self, *, delay_seconds: float = 0) -> None:
        """Make sure a purge is waiting (nothing happens when one is waiting or running)."""
        async with self._db.engine.begin() as connection:
            await queue.enqueue(
                connection,
                RETENTION_JOB,
                {},
                unique_key=UNIQUE_KEY,
                delay_seconds=delay_seconds,
                max_attempts=MAX_ATTEMPTS,
            )

    async def run_job(self, job: Job) -> None:
        report = await self.purge()
        delay = self.interval_seconds if report.complete else RESUME_SECONDS
        async with self._db.engine.begin() as connection:
            # Completed first: the unique key is free for the successor in this transaction.
            await queue.complete(connection, job.id, attempt=job.attempt)
            await queue.enqueue(
                connection,
                RETENTION_JOB,
                {},
                unique_key=UNIQUE_KEY,
                delay_seconds=delay,
                max_attempts=MAX_ATTEMPTS,
            )


def install(
    worker: Worker, db: Database, settings: Settings, storage: FileEraser | None = None
) -> Retention:
    """The purge's job handler and the duty that keeps one scheduled, on `worker`;
    `storage` erases the files of identity documents whose legal period is over."""
    retention = Retention.from_settings(db, settings, storage)
    worker.handlers[RETENTION_JOB] = retention.run_job
    worker.periodic.append(Periodic("retention", SCHEDULE_CHECK_SECONDS, retention.schedule))
    return retention
