"""The help desk's test application: private attachments on a scratch directory, and the
help desk's hub closed with the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.support.conversations.live import close_support_runtime
from tests.media.conftest import media_settings


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Any]:
    application = create_app(media_settings(tmp_path), database_url=database_url)
    yield application
    await close_support_runtime(application)
    await application.state.db.dispose()
