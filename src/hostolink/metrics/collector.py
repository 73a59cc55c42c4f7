"""What the database says, read at scrape time by the process that answers the scrape.

These figures belong to the whole cluster, not to a process: they are never written to the
multiprocess files (one process adding them up with the others would count them once per
worker), only produced by whichever process is scraped.

- job queue (admin/job_desk.py's overview): `hostolink_jobs{kind, state}`,
  `hostolink_jobs_due{kind}`, `hostolink_jobs_oldest_due_age_seconds{kind}`,
  `hostolink_jobs_abandoned`;
- deposits and withdrawals: `hostolink_operations{provider, rail, direction, status}`;
- reconciliation: `hostolink_reconciliation_pending{direction}` (still pending past the
  reconciliation delay, so being asked about, and not yet past the horizon) and
  `hostolink_reconciliation_oldest_age_seconds`;
- the operators' queue (`a_verifier`: past the horizon without a definitive answer):
  `hostolink_operations_to_verify{direction}`, the money its withdrawals hold
  `hostolink_operations_to_verify_held_xof` and its oldest's age
  `hostolink_operations_to_verify_oldest_age_seconds` — anything above 0 wants a person;
- the last ledger check (wallet/ledger_check.py): `hostolink_ledger_discrepancies`,
  `hostolink_ledger_last_check_timestamp_seconds`,
  `hostolink_ledger_last_check_duration_seconds`, `hostolink_ledger_last_check_complete`;
- `hostolink_metrics_database_up`: 1 when these reads succeeded; at 0 they are absent
  rather than stale;
- `hostolink_build_info{version}`.

The reads are one read-only transaction, each statement bounded by `statement_timeout`,
and their result is kept `cache_seconds`: scrapes in a burst (or several scrapers) cost the
database one read per period and process. The operations are counted over the whole table:
on 1,000,000 operations about 0.2 s, once per period.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hostolink import __version__
from hostolink.admin.job_desk import KindOverview, overview
from hostolink.db import Database

logger = logging.getLogger("hostolink.metrics")

STATEMENT_TIMEOUT_MS = 2000
DIRECTIONS = ("depot", "retrait")

_OPERATIONS = text(
    "SELECT passerelle, fournisseur, sens, statut, count(*) AS n"
    " FROM operation_fournisseur GROUP BY passerelle, fournisseur, sens, statut"
)
# The partial index of the reconciliation (pending operations only) serves this.
_RECONCILIATION = text(
    """
SELECT sens, count(*) AS n, extract(epoch FROM now() - min(date_creation)) AS age
FROM operation_fournisseur
WHERE statut IN ('initiee', 'en_attente')
  AND date_creation < now() - make_interval(secs => :delay)
GROUP BY sens
"""
)
# The operators' queue apart (still asked about too, but its alert is its own). The same
# partial index; a withdrawal holds its amount and its fee, a deposit nothing.
_TO_VERIFY = text(
    """
SELECT sens, count(*) AS n, extract(epoch FROM now() - min(date_creation)) AS age,
       coalesce(sum(montant + frais) FILTER (WHERE sens = 'retrait'), 0) AS bloque
FROM operation_fournisseur
WHERE statut = 'a_verifier'
GROUP BY sens
"""
)
# One row always: the most recent check (complete or not) and the last complete one.
_LEDGER = text(
    """
SELECT (SELECT d.ecarts IS NOT NULL FROM controle_grand_livre d
        ORDER BY d.id_controle DESC LIMIT 1) AS dernier_complet,
       c.ecarts, extract(epoch FROM c.date_controle) AS quand, c.duree_ms
FROM (SELECT 1) AS une_ligne
LEFT JOIN LATERAL (
    SELECT ecarts, date_controle, duree_ms FROM controle_grand_livre
    WHERE ecarts IS NOT NULL ORDER BY id_controle DESC LIMIT 1
) c ON true
"""
)


@dataclass(frozen=True)
class LedgerFigures:
    """The most recent check's completion (None: never checked) and the last complete one."""

    last_complete: bool | None
    discrepancies: int | None = None
    checked_at: float | None = None  # Unix time
    duration_seconds: float | None = None


@dataclass
class Snapshot:
    jobs: list[KindOverview] = field(default_factory=list)
    # (gateway, rail, direction, status, count)
    operations: list[tuple[str, str, str, str, int]] = field(default_factory=list)
    reconciliation: dict[str, tuple[int, float]] = field(default_factory=dict)
    # direction → (count, oldest age in seconds, money held)
    to_verify: dict[str, tuple[int, float, int]] = field(default_factory=dict)
    ledger: LedgerFigures = field(default_factory=lambda: LedgerFigures(None))
    read_at: float = field(default_factory=time.time)  # Unix time of the read


async def read_snapshot(connection: AsyncConnection, *, reconciliation_delay: int) -> Snapshot:
    """Every figure, in the caller's transaction."""
    snapshot = Snapshot()
    async with AsyncSession(bind=connection) as session:
        snapshot.jobs = await overview(session)
    for row in await connection.execute(_OPERATIONS):
        snapshot.operations.append(
            (row.passerelle, row.fournisseur, row.sens, row.statut, int(row.n))
        )
    for row in await connection.execute(_RECONCILIATION, {"delay": reconciliation_delay}):
        snapshot.reconciliation[row.sens] = (int(row.n), max(0.0, float(row.age)))
    for row in await connection.execute(_TO_VERIFY):
        snapshot.to_verify[row.sens] = (int(row.n), max(0.0, float(row.age)), int(row.bloque))
    ledger = (await connection.execute(_LEDGER)).one()
    if ledger.ecarts is not None:
        snapshot.ledger = LedgerFigures(
            last_complete=bool(ledger.dernier_complet),
            discrepancies=int(ledger.ecarts),
            checked_at=float(ledger.quand),
            duration_seconds=int(ledger.duree_ms) / 1000,
        )
    elif ledger.dernier_complet is not None:
        snapshot.ledger = LedgerFigures(last_complete=False)
    return snapshot


class DatabaseCollector:
    """A prometheus_client collector: `refresh()` (async, at scrape time) reads the
    database at most once per `cache_seconds`; `collect()` yields what it read."""

    def __init__(self, db: Database, *, reconciliation_delay: int, cache_seconds: float) -> None:
        self._db = db
        self._delay = reconciliation_delay
        self._cache_seconds = cache_seconds
        self._snapshot: Snapshot | None = None
        self._read_at: float | None = None
        self._lock = asyncio.Lock()
        self._failing = False

    def _fresh(self) -> bool:
        return self._read_at is not None and time.monotonic() - self._read_at < self._cache_seconds

    async def refresh(self) -> None:
        if self._fresh():
            return
        async with self._lock:  # scrapes at once in this process: one read
            if self._fresh():
                return
            self._snapshot = await self._read()
            self._read_at = time.monotonic()  # a failure too: retried next period, not now

    async def current(self) -> Snapshot | None:
        """The figures as a scrape would serve them now (read again only when the cached ones
        are older than `cache_seconds`); None when the database did not answer. The
        back-office's supervision page reads them here, sharing the cache with `/metrics`."""
        await self.refresh()
        return self._snapshot

    async def _read(self) -> Snapshot | None:
        try:
            async with self._db.engine.begin() as connection:
                await connection.execute(text("SET TRANSACTION READ ONLY"))
                await connection.execute(
                    text("SELECT set_config('statement_timeout', :ms, true)"),
                    {"ms": str(STATEMENT_TIMEOUT_MS)},
                )
                snapshot = await read_snapshot(connection, reconciliation_delay=self._delay)
        except Exception as exc:  # the scrape still answers, with the process's own figures
            if not self._failing:
                logger.warning(
                    "metrics: database figures unavailable (%s: %s)", type(exc).__name__, exc
                )
            self._failing = True
            return None
        if self._failing:
            logger.info("metrics: database figures available again")
        self._failing = False
        return snapshot

    def collect(self) -> Iterator[Metric]:
        build = GaugeMetricFamily(
            "hostolink_build_info", "Version of the code serving.", labels=["version"]
        )
        build.add_metric([__version__], 1)
        yield build
        snapshot = self._snapshot
        up = GaugeMetricFamily(
            "hostolink_metrics_database_up",
            "1 when the figures read from the database at scrape time are present.",
            value=0 if snapshot is None else 1,
        )
        yield up
        if snapshot is None:
            return
        yield from _jobs(snapshot.jobs)
        yield _operations(snapshot.operations)
        yield from _reconciliation(snapshot.reconciliation)
        yield from _to_verify(snapshot.to_verify)
        yield from _ledger(snapshot.ledger)


def _jobs(kinds: list[KindOverview]) -> Iterator[Metric]:
    count = GaugeMetricFamily(
        "hostolink_jobs", "Jobs of the queue by kind and state.", labels=["kind", "state"]
    )
    due = GaugeMetricFamily(
        "hostolink_jobs_due",
        "Jobs a worker would claim now (waiting past their date, or their lease expired).",
        labels=["kind"],
    )
    oldest = GaugeMetricFamily(
        "hostolink_jobs_oldest_due_age_seconds",
        "How long the oldest due job of the kind has waited (0: none due).",
        labels=["kind"],
    )
    abandoned = 0
    for kind in kinds:
        for state, n in kind.counts.items():
            count.add_metric([kind.nom, state], n)
        due.add_metric([kind.nom], kind.due)
        oldest.add_metric([kind.nom], kind.oldest_due_seconds or 0.0)
        abandoned += kind.counts.get("abandonnee", 0)
    yield count
    yield due
    yield oldest
    yield GaugeMetricFamily(
        "hostolink_jobs_abandoned",
        "Jobs abandoned after their last attempt, waiting for an operator.",
        value=abandoned,
    )


def _operations(rows: list[tuple[str, str, str, str, int]]) -> Metric:
    family = GaugeMetricFamily(
        "hostolink_operations",
        "Deposits and withdrawals by provider (gateway), rail, direction and status.",
        labels=["provider", "rail", "direction", "status"],
    )
    for provider, rail, direction, status, n in rows:
        family.add_metric([provider, rail, direction, status], n)
    return family


def _reconciliation(pending: dict[str, tuple[int, float]]) -> Iterator[Metric]:
    count = GaugeMetricFamily(
        "hostolink_reconciliation_pending",
        "Operations still pending past the reconciliation delay (being asked about).",
        labels=["direction"],
    )
    for direction in DIRECTIONS:
        count.add_metric([direction], pending.get(direction, (0, 0.0))[0])
    yield count
    yield GaugeMetricFamily(
        "hostolink_reconciliation_oldest_age_seconds",
        "Age of the oldest operation pending past the reconciliation delay (0: none).",
        value=max((age for _, age in pending.values()), default=0.0),
    )


def _to_verify(queue: dict[str, tuple[int, float, int]]) -> Iterator[Metric]:
    count = GaugeMetricFamily(
        "hostolink_operations_to_verify",
        "Operations in the operators' queue (a_verifier): no definitive provider answer "
        "within the reconciliation horizon.",
        labels=["direction"],
    )
    for direction in DIRECTIONS:
        count.add_metric([direction], queue.get(direction, (0, 0.0, 0))[0])
    yield count
    yield GaugeMetricFamily(
        "hostolink_operations_to_verify_held_xof",
        "Money (XOF) the withdrawals of the operators' queue hold from their owners.",
        value=sum(held for _, _, held in queue.values()),
    )
    yield GaugeMetricFamily(
        "hostolink_operations_to_verify_oldest_age_seconds",
        "Age of the oldest operation of the operators' queue (0: none).",
        value=max((age for _, age, _ in queue.values()), default=0.0),
    )


def _ledger(ledger: LedgerFigures) -> Iterator[Metric]:
    """Nothing before the first check; the last complete check's figures once there is one."""
    if ledger.last_complete is None:
        return
    yield GaugeMetricFamily(
        "hostolink_ledger_last_check_complete",
        "1 when the most recent ledger check finished, 0 when it was cut short by its bound.",
        value=1 if ledger.last_complete else 0,
    )
    if ledger.discrepancies is None:
        return
    yield GaugeMetricFamily(
        "hostolink_ledger_discrepancies",
        "Discrepancies found by the last complete ledger check (0 is the only healthy value).",
        value=ledger.discrepancies,
    )
    yield GaugeMetricFamily(
        "hostolink_ledger_last_check_timestamp_seconds",
        "When the last complete ledger check read the ledger (Unix time).",
        value=ledger.checked_at or 0.0,
    )
    yield GaugeMetricFamily(
        "hostolink_ledger_last_check_duration_seconds",
        "How long the last complete ledger check took.",
        value=ledger.duration_seconds or 0.0,
    )
