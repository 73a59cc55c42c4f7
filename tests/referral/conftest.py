"""The referral tests run deposits on the sandbox, decided at once (as tests/operations)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from tests.conftest import make_settings
from tests.operations.conftest import SANDBOX


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    application = create_app(make_settings(**SANDBOX), database_url=database_url)
    yield application
    await application.state.sandbox.close()
    await application.state.db.dispose()
