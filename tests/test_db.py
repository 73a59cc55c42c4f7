"""The request transaction commits after the endpoint returns and *before* the response is
sent: a commit that fails can never be answered with a 2xx."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.db import SessionDep
from tests.auth.helpers import count
from tests.conftest import make_settings
from tests.models.rows import insert


async def test_a_failed_commit_is_not_answered_as_success(
    database_url: str, db_engine: AsyncEngine
) -> None:
    app = create_app(make_settings(), database_url=database_url)

    @app.post("/test/unbalanced")
    async def unbalanced(session: SessionDep) -> dict[str, bool]:
        # A ledger transaction without entries: the deferred trigger refuses it at COMMIT,
        # that is after this function has returned its "success".
        await session.execute(insert("transaction"), {"c1": 1, "c2": 2})
        return {"success": True}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for identifier in ("0701020304", "0501020304"):  # two wallets: compte 1 and 2
            await client.post("/api/register-user", json={"identifier": identifier})
        response = await client.post("/test/unbalanced")
    await app.state.db.dispose()
    assert response.status_code == 500
    assert response.json()["success"] is False
    assert await count(db_engine, "transaction") == 0


async def test_notices_commit_without_waiting_for_the_wal_flush(app: Any) -> None:
    """In-app notices after a payment: their commits must not slow the money down."""
    async with app.state.db.notices.connect() as connection:
        assert await connection.scalar(text("SHOW synchronous_commit")) == "off"
    async with app.state.db.engine.connect() as connection:
        assert await connection.scalar(text("SHOW synchronous_commit")) == "on"
