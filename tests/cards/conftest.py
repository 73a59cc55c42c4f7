"""The card tests run the app with a BIN of their own, to prove it is the configured one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from tests.cards.helpers import TEST_BIN
from tests.conftest import make_settings


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    application = create_app(make_settings(CARD_BIN=TEST_BIN), database_url=database_url)
    yield application
    await application.state.db.dispose()
