"""Live delivery of the help desk over WebSocket: the handshake, messages both ways across
TWO application instances through real Redis, internal notes filtered out of the person's
sockets, typing and read markers, the agents' queue, and the catch-up after a reconnection.

Each app is served by a real uvicorn server on the test's event loop; the client is the
`websockets` library. No assertion waits on time: a frame that must NOT arrive is shown
absent by a later frame that does."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from hostolink.support.conversations.live import close_support_runtime
from tests.discussions.helpers import FRAME_WAIT, build_app, dispose, frame, live_server
from tests.factories import Member, asgi_client, member
from tests.redis_proxy import REDIS_URL, require_redis
from tests.support.helpers import PATH, answer, open_conversation, write

SETTINGS = {"WEBSOCKET_HEARTBEAT_SECONDS": 0.05}


async def _forget_limits() -> None:
    """The limiter's counters live in the shared Redis across tests: start from zero."""
    client: Redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match="*assistance:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def _close(app: Any) -> None:
    await close_support_runtime(app)
    await dispose(app)


@pytest.fixture
async def pair(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[tuple[Any, ...]]:
    """Two instances sharing Redis: (app_a, base_a, app_b, base_b)."""
    await require_redis()
    await _forget_limits()
    app_a = build_app(database_url, REDIS_URL=REDIS_URL, **SETTINGS)
    app_b = build_app(database_url, REDIS_URL=REDIS_URL, **SETTINGS)
    try:
        async with live_server(app_a) as base_a, live_server(app_b) as base_b:
            yield app_a, base_a, app_b, base_b
    finally:
        await _close(app_a)
        await _close(app_b)


async def _people(app: Any, engine: AsyncEngine) -> tuple[Member, Member]:
    async with asgi_client(app) as client:
        awa = await member(client, engine, 1)
        agent = await member(client, engine, 2, prenom="Koffi", roles=("agent",))
    return awa, agent


def _url(base: str, conversation_id: int, who: Member) -> str:
    return f"{base}/ws/assistance/conversations/{conversation_id}?token={who.token}"


async def _refused(url: str) -> tuple[int | None, str | None]:
    async with connect(url) as ws:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), FRAME_WAIT)
        return ws.close_code, ws.close_reason


async def _send(ws: ClientConnection, **body: Any) -> None:
    await ws.send(json.dumps(body))


class TestHandshake:
    async def test_who_may_listen(self, pair: tuple[Any, ...], db_engine: AsyncEngine) -> None:
        app_a, base_a, _, _ = pair
        awa, agent = await _people(app_a, db_engine)
        async with asgi_client(app_a) as client:
            bakary = await member(client, db_engine, 3, prenom="Bakary")
            cid = (await open_conversation(client, awa))["id_conversation"]
        base = f"{base_a}/ws/assistance/conversations/{cid}"
        assert await _refused(base) == (4401, "Authentification requise.")
        assert (await _refused(base + "?token=faux"))[0] == 4401
        assert await _refused(_url(base_a, cid, bakary)) == (4404, "Conversation introuvable.")
        assert (await _refused(_url(base_a, cid + 1000, awa)))[0] == 4404
        assert await _refused(f"{base_a}/ws/assistance/file?token={awa.token}") == (
            4403,
            "Réservé aux agents du support.",
        )
        async with connect(_url(base_a, cid, awa)) as ws:
            welcome = await frame(ws, "bienvenue")
            assert welcome["cote"] == "utilisateur"
        async with connect(
            f"{base_a}/ws/assistance/conversations/{cid}",
            subprotocols=["bearer", agent.token],  # type: ignore[list-item]
        ) as ws:
            assert (await frame(ws, "bienvenue"))["cote"] == "agent"


class TestAcrossInstances:
    async def test_messages_notes_typing_and_read_markers(
        self, pair: tuple[Any, ...], db_engine: AsyncEngine
    ) -> None:
        app_a, base_a, app_b, base_b = pair
        awa, agent = await _people(app_a, db_engine)
        async with asgi_client(app_a) as client:
            cid = (await open_conversation(client, awa))["id_conversation"]
        # The person on instance A, the agent on instance B.
        async with (
            connect(_url(base_a, cid, awa)) as person,
            connect(_url(base_b, cid, agent)) as desk,
        ):
            await frame(person, "bienvenue")
            await frame(desk, "bienvenue")

            async with asgi_client(app_b) as client_b:
                note = await answer(client_b, agent, cid, "Note : vérifier Orange", interne=True)
                public = await answer(client_b, agent, cid, "Nous vérifions.")
            seen_by_desk = await frame(desk, "message")
            assert seen_by_desk["data"]["id_message"] == note["id_message"]
            assert seen_by_desk["data"]["interne"] is True
            # The person's next message frame is the public answer: the note never came.
            seen = await frame(person, "message")
            assert seen["data"]["id_message"] == public["id_message"]
            assert seen["data"]["interne"] is False
            status = await frame(person, "conversation")
            assert status["data"]["statut"] == "attente_utilisateur"
            assert "personne" not in status["data"]

            # The person writes over the socket on A; the agent on B sees it.
            await _send(person, type="ecrit")
            typing = await frame(desk, "ecrit")
            assert typing == {"type": "ecrit", "cote": "utilisateur", "prenom": "Awa"}
            await _send(person, type="message", contenu="Toujours rien reçu", ref="r1")
            ack = await frame(person, "accuse")
            assert ack["ref"] == "r1"
            arrived = await frame(desk, "message")
            assert arrived["data"]["id_message"] == ack["id_message"]
            assert arrived["data"]["auteur"] == "utilisateur"

            # The agent reads it; the person's screen shows the marker.
            await _send(desk, type="lu", id_message=ack["id_message"])
            marker = await frame(person, "lu")
            assert marker == {"type": "lu", "cote": "agent", "id_message": ack["id_message"]}

            # A note sent over the agent's socket stays with the agents too.
            await _send(desk, type="message", contenu="Note via socket", interne=True, ref="n")
            own = await frame(desk, "accuse")
            await _send(desk, type="message", contenu="Réponse via socket", ref="p")
            reply = await frame(desk, "accuse")
            seen = await frame(person, "message")
            assert seen["data"]["id_message"] == reply["id_message"] != own["id_message"]

            # A person may not write a note, nor send junk.
            await _send(person, type="message", contenu="x", interne=True, ref="bad")
            assert (await frame(person, "erreur"))["error"] == "ValidationError"
            await person.send("pas du json")
            assert (await frame(person, "erreur"))["error"] == "TrameInvalide"

        async with asgi_client(app_a) as client:
            history = await client.get(f"{PATH}/{cid}/messages", headers=awa.headers)
        assert "Note" not in history.text

    async def test_catch_up_after_a_reconnection(
        self, pair: tuple[Any, ...], db_engine: AsyncEngine
    ) -> None:
        app_a, base_a, app_b, _ = pair
        awa, agent = await _people(app_a, db_engine)
        async with asgi_client(app_a) as client:
            cid = (await open_conversation(client, awa))["id_conversation"]
            last_seen = (await write(client, awa, cid, "Dernier vu"))["id_message"]
        # Offline meanwhile: two answers and a note on the other instance.
        async with asgi_client(app_b) as client_b:
            first = await answer(client_b, agent, cid, "Première réponse")
            await answer(client_b, agent, cid, "Note", interne=True)
            second = await answer(client_b, agent, cid, "Deuxième réponse")
        async with connect(_url(base_a, cid, awa)) as ws:
            await frame(ws, "bienvenue")
            async with asgi_client(app_a) as client:
                missed = await client.get(
                    f"{PATH}/{cid}/messages?apres={last_seen}", headers=awa.headers
                )
        ids = [m["id_message"] for m in missed.json()["data"]]
        assert ids == [first["id_message"], second["id_message"]]

    async def test_the_agents_queue_across_instances(
        self, pair: tuple[Any, ...], db_engine: AsyncEngine
    ) -> None:
        app_a, _, _, base_b = pair
        awa, agent = await _people(app_a, db_engine)
        async with connect(f"{base_b}/ws/assistance/file?token={agent.token}") as queue:
            await frame(queue, "bienvenue")
            async with asgi_client(app_a) as client:
                created = await open_conversation(client, awa, sujet="Dépôt Wave")
            item = await frame(queue, "file")
            assert item["data"]["id_conversation"] == created["id_conversation"]
            assert item["data"]["personne"]["prenom"] == "Awa"
            assert item["data"]["statut"] == "nouvelle"

    async def test_the_per_minute_limit_over_the_socket(
        self, pair: tuple[Any, ...], db_engine: AsyncEngine
    ) -> None:
        app_a, base_a, _, _ = pair
        awa, _ = await _people(app_a, db_engine)
        async with asgi_client(app_a) as client:
            cid = (await open_conversation(client, awa))["id_conversation"]
            for n in range(19):
                await write(client, awa, cid, f"m{n}")
        async with connect(_url(base_a, cid, awa)) as ws:
            await frame(ws, "bienvenue")
            await _send(ws, type="message", contenu="le vingtième", ref="ok")
            assert (await frame(ws, "accuse"))["ref"] == "ok"
            await _send(ws, type="message", contenu="un de trop", ref="trop")
            refused = await frame(ws, "erreur")
            assert refused["error"] == "TooManyRequests"
            assert refused["ref"] == "trop"
            assert refused["retry_after"] >= 1
