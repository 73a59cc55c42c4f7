"""What `/metrics` reads from the database at scrape time matches the rows: the job queue,
deposits and withdrawals, reconciliation, the last ledger check; read once per cache period;
absent (and said so) when the database does not answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.db import Database
from hostolink.metrics.collector import DatabaseCollector
from tests.conftest import make_settings
from tests.factories import asgi_client, execute, provider_operation, wallet_owner
from tests.metrics.helpers import parse, scrape

UNREACHABLE = "postgresql://nobody@127.0.0.1:9/nothing"


async def _operation(
    engine: AsyncEngine,
    owner: dict[str, int],
    *,
    gateway: str,
    rail: str,
    sens: str,
    statut: str,
    age: float = 60,
) -> None:
    final = statut in ("reussie", "echouee", "expiree")
    await provider_operation(
        engine,
        owner,
        gateway=gateway,
        rail=rail,
        sens=sens,
        statut=statut,
        created=f"now() - make_interval(secs => {float(age)})",
        settled="now()" if final else None,
    )


async def _job(engine: AsyncEngine, nom: str, statut: str, *, runs_in: float = 0) -> None:
    await execute(
        engine,
        "INSERT INTO tache (nom, statut, date_execution, date_fin, date_creation)"
        " VALUES (:nom, CAST(:statut AS text), now() + make_interval(secs => :runs_in),"
        " CASE WHEN CAST(:statut AS text) IN ('terminee', 'abandonnee') THEN now() END,"
        " now() - interval '1 hour')",
        nom=nom,
        statut=statut,
        runs_in=runs_in,
    )


@pytest.fixture
async def cached(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose database figures stay cached for five minutes."""
    app = create_app(make_settings(HOSTOLINK_METRICS_CACHE_SECONDS=300), database_url=database_url)
    async with asgi_client(app) as client:
        yield client
    await app.state.db.dispose()


class TestFiguresMatchTheRows:
    async def test_the_operators_queue(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        owner = await wallet_owner(client, db_engine, 1)
        for sens, age in (("retrait", 2 * 86400), ("retrait", 90000), ("depot", 100000)):
            await _operation(
                db_engine,
                owner,
                gateway="wave",
                rail="wave",
                sens=sens,
                statut="a_verifier",
                age=age,
            )

        seen = await scrape(client)

        assert seen.value("hostolink_operations_to_verify", direction="retrait") == 2
        assert seen.value("hostolink_operations_to_verify", direction="depot") == 1
        # Each withdrawal holds its 1,000 F (no fee on these rows); the deposit holds nothing.
        assert seen.value("hostolink_operations_to_verify_held_xof") == 2000
        oldest = seen.value("hostolink_operations_to_verify_oldest_age_seconds")
        assert oldest is not None
        assert 2 * 86400 <= oldest < 3 * 86400
        # Counted apart from the operations still within the horizon.
        assert seen.value("hostolink_reconciliation_pending", direction="retrait") == 0

    async def test_queue_operations_and_reconciliation(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        owner = await wallet_owner(client, db_engine, 1)
        rows = [
            # (gateway, rail, direction, status, age in seconds)
            ("hub2", "orange_money", "depot", "reussie", 60),
            ("hub2", "orange_money", "depot", "reussie", 60),
            ("hub2", "mtn_momo", "retrait", "en_attente", 3600),
            ("wave", "wave", "depot", "initiee", 600),
            # Younger than the reconciliation delay (120 s): not waiting for it yet.
            ("wave", "wave", "depot", "initiee", 5),
        ]
        for gateway, rail, sens, statut, age in rows:
            await _operation(
                db_engine, owner, gateway=gateway, rail=rail, sens=sens, statut=statut, age=age
            )
        for _ in range(2):
            await _job(db_engine, "operations.notification", "en_attente", runs_in=-300)
        await _job(db_engine, "operations.notification", "en_attente", runs_in=3600)
        await _job(db_engine, "retention.purge", "abandonnee")
        await _job(db_engine, "push.envoi", "terminee")

        seen = await scrape(client)

        assert seen.value("hostolink_metrics_database_up") == 1
        operations = {
            tuple(labels[k] for k in ("provider", "rail", "direction", "status")): value
            for labels, value in seen.matching("hostolink_operations")
        }
        assert operations == {
            ("hub2", "orange_money", "depot", "reussie"): 2,
            ("hub2", "mtn_momo", "retrait", "en_attente"): 1,
            ("wave", "wave", "depot", "initiee"): 2,
        }
        assert seen.value("hostolink_reconciliation_pending", direction="depot") == 1
        assert seen.value("hostolink_reconciliation_pending", direction="retrait") == 1
        oldest = seen.value("hostolink_reconciliation_oldest_age_seconds")
        assert oldest is not None
        assert 3600 <= oldest < 3600 * 2
        # Nothing waits for an operator.
        assert seen.value("hostolink_operations_to_verify", direction="retrait") == 0
        assert seen.value("hostolink_operations_to_verify_held_xof") == 0
        assert seen.value("hostolink_operations_to_verify_oldest_age_seconds") == 0

        notification = "operations.notification"
        assert seen.value("hostolink_jobs", kind=notification, state="en_attente") == 3
        assert seen.value("hostolink_jobs", kind=notification, state="abandonnee") == 0
        assert seen.value("hostolink_jobs_due", kind=notification) == 2
        late = seen.value("hostolink_jobs_oldest_due_age_seconds", kind=notification)
        assert late is not None
        assert 300 <= late < 3600
        assert seen.value("hostolink_jobs_oldest_due_age_seconds", kind="push.envoi") == 0
        assert seen.value("hostolink_jobs", kind="retention.purge", state="abandonnee") == 1
        assert seen.value("hostolink_jobs_abandoned") == 1

    async def test_the_last_ledger_check(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        seen = await scrape(client)
        assert not seen.has_samples("hostolink_ledger_discrepancies")  # never checked
        assert not seen.has_samples("hostolink_ledger_last_check_complete")

    async def test_a_complete_check_then_one_cut_short(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        await execute(
            db_engine,
            "INSERT INTO controle_grand_livre (date_controle, ecarts, duree_ms)"
            " VALUES ('2026-03-01 12:15:00+00', 3, 4210)",
        )
        seen = await _scrape_once(database_url)
        assert seen.value("hostolink_ledger_discrepancies") == 3
        assert seen.value("hostolink_ledger_last_check_timestamp_seconds") == 1772367300
        assert seen.value("hostolink_ledger_last_check_duration_seconds") == 4.21
        assert seen.value("hostolink_ledger_last_check_complete") == 1

        await execute(
            db_engine,
            "INSERT INTO controle_grand_livre (ecarts, duree_ms, details)"
            ' VALUES (NULL, 60000, \'{"erreur": "délai dépassé"}\')',
        )
        seen = await _scrape_once(database_url)
        assert seen.value("hostolink_ledger_discrepancies") == 3  # the last complete one's
        assert seen.value("hostolink_ledger_last_check_timestamp_seconds") == 1772367300
        assert seen.value("hostolink_ledger_last_check_complete") == 0


async def _scrape_once(database_url: str) -> Any:
    app = create_app(make_settings(), database_url=database_url)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await scrape(client)
    finally:
        await app.state.db.dispose()


class TestCache:
    async def test_read_once_per_period(
        self, cached: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        first = await scrape(cached)
        assert first.value("hostolink_jobs_abandoned") == 0
        await _job(db_engine, "retention.purge", "abandonnee")
        second = await scrape(cached)
        assert second.value("hostolink_jobs_abandoned") == 0  # the cached read

    async def test_without_cache_every_scrape_reads(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        db = Database(database_url, connections=4)
        collector = DatabaseCollector(db, reconciliation_delay=120, cache_seconds=0)
        try:
            await collector.refresh()
            await _job(db_engine, "retention.purge", "abandonnee")
            await collector.refresh()
        finally:
            await db.dispose()
        families = {family.name: family for family in collector.collect()}
        assert families["hostolink_jobs_abandoned"].samples[0].value == 1


class TestDatabaseAway:
    async def test_the_figures_are_absent_and_said_so(self) -> None:
        db = Database(UNREACHABLE, connections=4)
        collector = DatabaseCollector(db, reconciliation_delay=120, cache_seconds=0)
        try:
            await collector.refresh()
        finally:
            await db.dispose()
        names = {family.name for family in collector.collect()}
        assert names == {"hostolink_build_info", "hostolink_metrics_database_up"}
        up = next(f for f in collector.collect() if f.name == "hostolink_metrics_database_up")
        assert up.samples[0].value == 0

    async def test_the_scrape_still_answers(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        app = create_app(make_settings(), database_url=UNREACHABLE)
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get("/metrics")
        finally:
            await app.state.db.dispose()
        assert response.status_code == 200
        seen = parse(response.text)
        assert seen.value("hostolink_metrics_database_up") == 0
        assert seen.has_samples("hostolink_http_requests")
