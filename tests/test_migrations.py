"""One Alembic history from empty to head, both ways, and in agreement with the models."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import text

from hostolink import migrate
from hostolink.db import create_engine
from hostolink_devtools import scratch


async def _tables(url: str) -> set[str]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            names = await connection.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            return set(names)
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade_and_check(server_url: str) -> None:
    name = f"hostolink_migrations_{os.getpid()}"
    url = await scratch.create_database(server_url, name)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        at_head = await _tables(url)
        assert {"utilisateur", "otp", "compte", "ecriture", "transaction"} <= at_head
        await asyncio.to_thread(migrate.check, url)  # models == migrations (`alembic check`)

        await asyncio.to_thread(migrate.downgrade, url, "base")
        assert await _tables(url) == {"alembic_version"}

        await asyncio.to_thread(migrate.upgrade, url)
        assert await _tables(url) == at_head
    finally:
        await scratch.drop_database(server_url, name)
