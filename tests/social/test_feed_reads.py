"""The feed is one statement on the driver's connection, outside any request transaction
(`Database.driver_read`): the same answer behind a transaction pooler (a read-only
transaction there), and a connection the server dropped is a 503 the next request recovers
from, never a 500 nor a broken pool."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.social.schemas import FeedAnswer
from tests.conftest import make_settings
from tests.factories import asgi_client, execute, image, member, numbered, scalar
from tests.social.helpers import post


@pytest.fixture
async def pooled_settings_client(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    """The app as it runs behind PgBouncer in transaction mode (the setting, on the same
    server): unnamed statements, no statement cache, every statement in a transaction."""
    application = create_app(
        make_settings(HOSTOLINK_DB_POOLER="transaction"), database_url=database_url
    )
    async with asgi_client(application) as http:
        yield http
    await application.state.db.dispose()


async def test_the_same_answers_in_transaction_pooler_mode(
    client: httpx.AsyncClient, pooled_settings_client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    awa, koffi = await numbered(member, client, db_engine, 2)
    pictures = [await image(db_engine, awa.id) for _ in range(2)]
    first = await post(client, awa, "Avec images", medias=pictures, titre_publication="Titre")
    for n in range(4):
        await post(client, koffi, f"n°{n}")
    liked = await client.put(
        f"/api/publications/{first['id_publication']}/like", headers=koffi.headers
    )
    assert liked.status_code == 200
    paths = [
        ("/api/publications", {"limite": 3}),
        (f"/api/utilisateurs/{awa.id}/publications", {}),
    ]
    for path, params in paths:
        direct = await client.get(path, params=params, headers=koffi.headers)
        pooled = await pooled_settings_client.get(path, params=params, headers=koffi.headers)
        assert direct.status_code == pooled.status_code == 200
        assert direct.content == pooled.content
        # Encoded without the models, byte for byte what the models write.
        assert FeedAnswer.model_validate_json(direct.content).model_dump_json() == direct.text
        cursor = direct.json()["data"]["curseur_suivant"]
        if cursor:
            following = {**params, "curseur": cursor}
            direct = await client.get(path, params=following, headers=koffi.headers)
            pooled = await pooled_settings_client.get(path, params=following, headers=koffi.headers)
            assert direct.status_code == pooled.status_code == 200
            assert direct.content == pooled.content
    page = (await client.get("/api/publications", headers=koffi.headers)).json()["data"]
    shown = next(p for p in page["publications"] if p["id_publication"] == first["id_publication"])
    assert shown["aime_par_moi"] is True
    assert [m["id_media"] for m in shown["medias"]] == pictures
    assert [m["position"] for m in shown["medias"]] == [1, 2]
    assert not await scalar(
        db_engine,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND state = 'idle in transaction' AND application_name LIKE 'hostolink:%'",
    )


async def test_a_dropped_connection_is_a_503_and_the_next_request_reconnects(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    awa = await member(client, db_engine, 1)
    await post(client, awa)
    assert (await client.get("/api/publications", headers=awa.headers)).status_code == 200
    await execute(
        db_engine,
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
        " WHERE datname = current_database() AND application_name = 'hostolink:requests'",
    )
    statuses = []
    for _ in range(10):  # each dead connection of the pool is met once, then discarded
        response = await client.get("/api/publications", headers=awa.headers)
        statuses.append(response.status_code)
        if response.status_code == 503:
            assert response.headers["Retry-After"]
            assert response.json()["success"] is False
            continue
        assert response.status_code == 200, response.text
        break
    assert statuses[-1] == 200
    assert 503 in statuses
