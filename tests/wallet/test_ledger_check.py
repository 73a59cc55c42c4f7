"""The periodic ledger check on real PostgreSQL: once per interval for the whole cluster, its
result stored in `controle_grand_livre` and read back by `/metrics`; a ledger broken by hand
(an unbalanced entry inserted past the triggers) shows discrepancies; a check that reaches
its bound is stored as cut short, and the next one is still scheduled."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.db import Database
from hostolink.jobs.queue import Job
from hostolink.jobs.worker import Worker
from hostolink.wallet import ledger_check
from hostolink.wallet.ledger_check import LEDGER_CHECK_JOB, LedgerCheck
from tests.conftest import make_settings
from tests.metrics.helpers import scrape
from tests.wallet.helpers import admin_token, credit, person


async def _checks(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as connection:
        return list(
            (
                await connection.execute(
                    text(
                        "SELECT ecarts, duree_ms, details, extract(epoch FROM date_controle)"
                        " AS quand FROM controle_grand_livre ORDER BY id_controle"
                    )
                )
            ).all()
        )


async def _jobs(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as connection:
        return list(
            (
                await connection.execute(
                    text(
                        "SELECT statut, extract(epoch FROM date_execution - now()) AS dans"
                        " FROM tache WHERE nom = :n ORDER BY id_tache"
                    ),
                    {"n": LEDGER_CHECK_JOB},
                )
            ).all()
        )


async def _some_money(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    admin = await admin_token(client, engine)
    who = await person(client, engine, 1)
    await credit(client, admin, who.numero_compte, 5000)


async def _break_the_ledger(engine: AsyncEngine) -> None:
    """One more entry on an existing transaction, past the deferred balance trigger (as a
    manual edit or a faulty restore could): the transaction no longer sums to zero."""
    async with engine.begin() as connection:
        await connection.execute(text("SET LOCAL session_replication_role = replica"))
        await connection.execute(
            text(
                "INSERT INTO ecriture (id_transaction, id_compte, montant, solde_apres)"
                " SELECT id_transaction, id_compte, 1, solde_apres + 1 FROM ecriture"
                " ORDER BY id_ecriture DESC LIMIT 1"
            )
        )


def _worker(db: Database, **settings: Any) -> Worker:
    worker = Worker(db, lease_seconds=120, timeout_seconds=90)
    ledger_check.install(worker, db, make_settings(**settings))
    return worker


class TestTheCheck:
    async def test_a_clean_ledger_is_stored_with_no_discrepancy_and_read_as_a_gauge(
        self, client: httpx.AsyncClient, db: Database, db_engine: AsyncEngine
    ) -> None:
        await _some_money(client, db_engine)
        worker = _worker(db, HOSTOLINK_LEDGER_CHECK_INTERVAL_MINUTES=15)
        await worker.run_periodic(force=True)
        assert await worker.run_once() == 1

        (check,) = await _checks(db_engine)
        assert check.ecarts == 0
        assert check.duree_ms >= 0
        assert check.details["ecritures"] >= 2
        assert check.details["verifications"] == {}
        seen = await scrape(client)
        assert seen.value("hostolink_ledger_discrepancies") == 0
        assert seen.value("hostolink_ledger_last_check_complete") == 1
        assert seen.value("hostolink_ledger_last_check_timestamp_seconds") == pytest.approx(
            float(check.quand), abs=1e-3
        )

        jobs = await _jobs(db_engine)
        assert [job.statut for job in jobs] == ["terminee", "en_attente"]
        assert 14 * 60 < jobs[1].dans <= 15 * 60

    async def test_a_broken_ledger_shows_discrepancies(
        self,
        client: httpx.AsyncClient,
        db: Database,
        db_engine: AsyncEngine,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        await _some_money(client, db_engine)
        await _break_the_ledger(db_engine)
        worker = _worker(db)
        await worker.run_periodic(force=True)
        with caplog.at_level(logging.ERROR, logger="hostolink.wallet.ledger_check"):
            assert await worker.run_once() == 1

        (check,) = await _checks(db_engine)
        assert check.ecarts > 0
        assert check.details["verifications"]["transaction déséquilibrée"] == 1
        assert check.details["exemples"]["transaction déséquilibrée"]
        assert any("discrepancies" in record.getMessage() for record in caplog.records)
        seen = await scrape(client)
        assert seen.value("hostolink_ledger_discrepancies") == check.ecarts

    async def test_a_check_reaching_its_bound_is_stored_as_cut_short(
        self, client: httpx.AsyncClient, db: Database, db_engine: AsyncEngine
    ) -> None:
        await _some_money(client, db_engine)
        check = LedgerCheck(db, interval_seconds=900, timeout_seconds=0.5)
        job = Job(id=0, name=LEDGER_CHECK_JOB, payload={}, attempt=1, max_attempts=1)
        # Someone holds the ledger: every statement of the check waits, until its bound.
        async with db_engine.begin() as holder:
            await holder.execute(text("LOCK TABLE ecriture IN ACCESS EXCLUSIVE MODE"))
            await check.run_job(job)

        (stored,) = await _checks(db_engine)
        assert stored.ecarts is None
        assert "délai dépassé" in stored.details["erreur"]
        assert [job.statut for job in await _jobs(db_engine)] == ["en_attente"]  # the next one
        seen = await scrape(client)
        assert seen.value("hostolink_ledger_last_check_complete") == 0
        assert not seen.has_samples("hostolink_ledger_discrepancies")  # none complete yet

    async def test_the_bound_stays_inside_the_job_timeout(self, db: Database) -> None:
        settings = make_settings(
            HOSTOLINK_LEDGER_CHECK_TIMEOUT_SECONDS=600, HOSTOLINK_JOB_TIMEOUT_SECONDS=90
        )
        assert LedgerCheck.from_settings(db, settings).timeout_seconds == 60


class TestSchedule:
    async def test_once_per_interval_for_the_whole_cluster(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        """Two worker processes (two pools), each running the scheduling duty: one check is
        waiting, one of them runs it, and it schedules the next an interval later."""
        processes = [Database(database_url, connections=4) for _ in range(2)]
        try:
            workers = [_worker(db, HOSTOLINK_LEDGER_CHECK_INTERVAL_MINUTES=30) for db in processes]
            for worker in workers:
                await worker.run_periodic(force=True)
                await worker.run_periodic(force=True)
            assert len(await _jobs(db_engine)) == 1

            ran = await asyncio.gather(*(worker.run_once() for worker in workers))
            assert sorted(ran) == [0, 1]
            jobs = await _jobs(db_engine)
            assert [job.statut for job in jobs] == ["terminee", "en_attente"]
            assert 29 * 60 < jobs[1].dans <= 30 * 60
            for worker in workers:
                await worker.run_periodic(force=True)  # one is waiting: nothing added
            assert len(await _jobs(db_engine)) == 2
            assert len(await _checks(db_engine)) == 1
        finally:
            for db in processes:
                await db.dispose()

    def test_the_application_installs_it(self, app: Any) -> None:
        assert LEDGER_CHECK_JOB in app.state.worker.handlers
        assert "ledger_check" in [duty.name for duty in app.state.worker.periodic]
