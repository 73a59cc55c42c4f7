"""Throwaway databases on a server: for the test suite and `hostolink merise`, on the embedded
server or on the one named by DATABASE_URL."""

from __future__ import annotations

import re

import asyncpg
from sqlalchemy.engine import make_url

from hostolink.db import engine_options

_SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def _admin_connection(url: str) -> asyncpg.Connection:
    options = engine_options(with_database(url, "postgres"))
    parsed = make_url(options.url)
    return await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        host=parsed.query.get("host") or parsed.host,
        port=parsed.port,
        database="postgres",
        ssl=options.connect_args.get("ssl"),
        statement_cache_size=0,
    )


async def create_database(url: str, name: str) -> str:
    """Create `name` (dropping a leftover of the same name) and return its URL."""
    if not _SAFE_NAME.match(name):
        raise ValueError(f"unsafe database name {name!r}")
    connection = await _admin_connection(url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return with_database(url, name)


async def drop_database(url: str, name: str) -> None:
    if not _SAFE_NAME.match(name):
        raise ValueError(f"unsafe database name {name!r}")
    connection = await _admin_connection(url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
