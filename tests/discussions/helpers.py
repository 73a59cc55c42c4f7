"""People, rooms and a live server for the discussion tests (images are inserted as rows:
uploading them is the media package's business)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import ClientConnection

from hostolink.app import create_app
from hostolink.discussions.hub import close_runtime
from tests.auth.helpers import bearer
from tests.conftest import make_settings
from tests.factories import Member
from tests.wallet.helpers import admin_token

FRAME_WAIT = 15.0  # a safety net against a hung test, never an assertion on speed


async def room(
    client: httpx.AsyncClient, engine: AsyncEngine, titre: str = "Santé de la mère"
) -> int:
    admin = await admin_token(client, engine)
    response = await client.post(
        "/api/admin/thematiques", json={"titre": titre}, headers=bearer(admin)
    )
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["id_thematique"])


async def join(client: httpx.AsyncClient, who: Member, room_id: int) -> None:
    response = await client.post(f"/api/thematiques/{room_id}/membres", headers=who.headers)
    assert response.status_code == 201, response.text


async def say(
    client: httpx.AsyncClient, who: Member, room_id: int, contenu: str, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/thematiques/{room_id}/messages",
        json={"contenu": contenu, **extra},
        headers=who.headers,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def build_app(database_url: str, **settings: Any) -> Any:
    return create_app(make_settings(**settings), database_url=database_url)


async def dispose(app: Any) -> None:
    await close_runtime(app)
    await app.state.db.dispose()


@contextlib.asynccontextmanager
async def live_server(app: Any) -> AsyncIterator[str]:
    """Serve `app` over real TCP on this event loop (its database pools live on it);
    yields the `ws://host:port` base."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning", ws="websockets-sansio")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def frame(ws: ClientConnection, *kinds: str) -> dict[str, Any]:
    """The next frame of one of `kinds` (heartbeats and others skipped)."""
    while True:
        raw = await asyncio.wait_for(ws.recv(), FRAME_WAIT)
        data: dict[str, Any] = json.loads(raw)
        if data["type"] in kinds:
            return data
