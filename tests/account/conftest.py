"""The deletion tests' app: a deterministic sandbox (as in tests/operations) and files under
a per-test folder (as in tests/media), so that removed images can be looked for on disk."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from tests.media.conftest import media_settings
from tests.operations.conftest import SANDBOX


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    return media_settings(tmp_path, **SANDBOX)


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine, settings: Any) -> AsyncIterator[Any]:
    application = create_app(settings, database_url=database_url)
    yield application
    await application.state.sandbox.close()
    await application.state.db.dispose()
