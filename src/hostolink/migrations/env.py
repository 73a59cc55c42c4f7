"""Alembic environment: async engine, our models' metadata, the URL from our settings."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from hostolink.config import get_settings
from hostolink.db import create_engine
from hostolink.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        # One transaction for the whole upgrade: a failed migration leaves nothing behind.
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        # Several instances start at once on Render: one migrates, the others wait and then
        # find nothing left to do. A transaction-level lock also works through Supabase's
        # transaction pooler, where session-level locks do not.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7270001)")
        context.run_migrations()


async def _run_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url is unset: run migrations through `hostolink migrate`")
    # One connection, in one transaction (see `_run`): through a transaction pooler too.
    engine = create_engine(url, pool_size=1, pooler=get_settings().db_pooler, name="migrate")
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # called with an open connection (tests)
        _run(connection)
        return
    asyncio.run(_run_online())


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported: run against a database")
run()
