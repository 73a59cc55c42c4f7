"""The job tests drive the queue and the worker against the test database, through a
`Database` of their own as a worker process has (the root conftest's `db`), tables emptied
before each test; their application's sandbox is deterministic."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from tests.conftest import make_settings


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    """The application, its sandbox deterministic (as in tests/operations)."""
    application = create_app(
        make_settings(SANDBOX_DUPLICATE_RATE=0, SANDBOX_PAYOUT_DELAY_SECONDS=0),
        database_url=database_url,
    )
    yield application
    await application.state.sandbox.close()
    await application.state.db.dispose()
