"""The referral migration gives every person already registered a code of their own (the
unique index never trips the backfill), and goes back down cleanly."""

from __future__ import annotations

import asyncio
import os

from hostolink import migrate
from hostolink.db import create_engine
from hostolink_devtools import scratch
from tests.factories import execute, scalar

PEOPLE = 1_200


async def test_existing_people_get_unique_codes(server_url: str) -> None:
    name = f"hostolink_referral_migration_{os.getpid()}"
    url = await scratch.create_database(server_url, name)
    engine = create_engine(url, pool_size=1)
    try:
        await asyncio.to_thread(migrate.upgrade, url, "0011")
        await execute(
            engine,
            "INSERT INTO utilisateur (telephone)"
            " SELECT '+22507' || lpad(n::text, 8, '0') FROM generate_series(1, :n) AS n",
            n=PEOPLE,
        )
        await asyncio.to_thread(migrate.upgrade, url)
        assert await scalar(engine, "SELECT count(DISTINCT code) FROM code_parrainage") == PEOPLE
        assert await scalar(engine, "SELECT count(*) FROM code_parrainage") == PEOPLE
        await asyncio.to_thread(migrate.downgrade, url, "0011")
        assert await scalar(engine, "SELECT to_regclass('code_parrainage') IS NULL") is True
    finally:
        await engine.dispose()
        await scratch.drop_database(server_url, name)
