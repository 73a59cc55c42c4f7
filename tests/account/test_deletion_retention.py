"""The identity documents of a deleted person are kept for the legal period (10 years by
default, `HOSTOLINK_RETENTION_KYC_YEARS`) and then erased by the retention purge, rows and
files; the purge is given the moment to judge by instead of waiting ten years."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.db import Database
from hostolink.jobs.retention import IDENTITY_TABLE, Periods, Retention, years_before
from hostolink.media.storage import LocalStorage, build_storage
from tests.account.helpers import delete
from tests.factories import scalar
from tests.kyc.helpers import submit
from tests.wallet.helpers import person

FILES = (
    "SELECT m.cle_stockage FROM media m WHERE m.id_user = :u AND m.usage = 'identite'"
    " ORDER BY m.id_media"
)


def _purger(db: Database, settings: Any) -> Retention:
    return Retention(
        db,
        periods=Periods(),
        interval_seconds=3600,
        budget_seconds=600,
        batch=2,
        storage=build_storage(settings),
    )


class TestIdentityDocumentsOfADeletedPerson:
    async def test_kept_ten_years_then_erased(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, db: Database, settings: Any
    ) -> None:
        awa, bob = await person(client, db_engine, 1), await person(client, db_engine, 2)
        for who in (awa, bob):
            submitted = await submit(client, who.headers)
            assert submitted.status_code == 201, submitted.text
        awa_id = await scalar(
            db_engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=awa.phone
        )
        storage = build_storage(settings)
        assert isinstance(storage, LocalStorage)
        async with db_engine.connect() as connection:
            keys = list(await connection.scalars(text(FILES), {"u": awa_id}))
        files = [storage.path(key, private=True) for key in keys]
        assert len(files) == 3
        assert all(isinstance(f, Path) and f.exists() for f in files)

        assert (await delete(client, awa)).status_code == 200
        deleted_at = await scalar(
            db_engine, "SELECT date_suppression FROM utilisateur WHERE id_user = :u", u=awa_id
        )
        # Kept at deletion: the documents are not erased with the account.
        assert await _kyc_rows(db_engine, awa_id) == 1
        assert all(isinstance(f, Path) and f.exists() for f in files)

        purger = _purger(db, settings)
        # A day before the period ends: still kept.
        almost = years_before(deleted_at, -10) - timedelta(days=1)
        report = await purger.purge(now=almost)
        assert report.deleted[IDENTITY_TABLE] == 0
        assert await _kyc_rows(db_engine, awa_id) == 1

        # The period over: the request, its images and their files are gone; nobody else's.
        report = await purger.purge(now=years_before(deleted_at, -10) + timedelta(days=1))
        assert report.complete
        assert report.deleted[IDENTITY_TABLE] == 1
        assert await _kyc_rows(db_engine, awa_id) == 0
        assert (
            await scalar(db_engine, "SELECT count(*) FROM media WHERE id_user = :u", u=awa_id) == 0
        )
        assert not any(isinstance(f, Path) and f.exists() for f in files)
        assert await scalar(db_engine, "SELECT count(*) FROM verification_identite") == 1
        # The person's row stays: the ledger's history points to it.
        assert (
            await scalar(db_engine, "SELECT count(*) FROM utilisateur WHERE id_user = :u", u=awa_id)
            == 1
        )

    async def test_the_default_period_is_ten_years(self, settings: Any) -> None:
        assert Periods.from_settings(settings).kyc_years == 10
        assert years_before(datetime(2036, 2, 29, tzinfo=UTC), 10) == datetime(
            2026, 2, 28, tzinfo=UTC
        )


async def _kyc_rows(engine: AsyncEngine, user_id: int) -> int:
    return int(
        await scalar(
            engine, "SELECT count(*) FROM verification_identite WHERE id_user = :u", u=user_id
        )
    )
