"""The media tests' app: files under a per-test folder, small limits (a few hundred
kilobytes, 1000 px) so that refusals are cheap to provoke."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from tests.conftest import make_settings

MAX_BYTES = 200_000
MAX_SIDE = 1000


def media_settings(data_dir: Path, **overrides: Any) -> Any:
    return make_settings(
        HOSTOLINK_DATA_DIR=str(data_dir),
        HOSTOLINK_PUBLIC_URL="https://api.example.test",
        MEDIA_MAX_BYTES=MAX_BYTES,
        MEDIA_MAX_SIDE_PX=MAX_SIDE,
        **overrides,
    )


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Any]:
    application = create_app(media_settings(tmp_path), database_url=database_url)
    yield application
    await application.state.db.dispose()
