"""The deposit/withdrawal tests run the sandbox deterministically: notifications delivered
once unless a test asks for duplicates, payouts decided at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from tests.conftest import make_settings

SANDBOX = {"SANDBOX_DUPLICATE_RATE": 0, "SANDBOX_PAYOUT_DELAY_SECONDS": 0}


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    application = create_app(make_settings(**SANDBOX), database_url=database_url)
    yield application
    await application.state.sandbox.close()
    await application.state.db.dispose()
