"""Live delivery over WebSocket: handshake, heartbeats, messages from REST and from the
socket, the per-person limit, fan-out between two processes (Redis) or within one, and the
catch-up after a reconnection; rooms through a Redis outage and restart (a TCP relay the
test cuts and restores, tests/redis_proxy.py).

Each app is served by a real uvicorn server on the test's event loop (its database pools
live on that loop), and the client is the `websockets` library."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.auth.helpers import bearer
from tests.discussions.helpers import (
    FRAME_WAIT,
    build_app,
    dispose,
    frame,
    join,
    live_server,
    room,
    say,
)
from tests.factories import asgi_client, member, numbered
from tests.redis_proxy import REDIS_URL, redis_proxy, require_redis
from tests.wallet.helpers import admin_token


@pytest.fixture
async def live(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[tuple[Any, str]]:
    app = build_app(database_url, WEBSOCKET_HEARTBEAT_SECONDS=0.05)
    async with live_server(app) as base:
        yield app, base
    await dispose(app)


async def _refused(url: str, **options: Any) -> tuple[int | None, str | None]:
    async with connect(url, **options) as ws:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), FRAME_WAIT)
        return ws.close_code, ws.close_reason


class TestHandshake:
    async def test_refused_without_a_valid_token(
        self, live: tuple[Any, str], db_engine: AsyncEngine
    ) -> None:
        app, base = live
        async with asgi_client(app) as client:
            room_id = await room(client, db_engine)
        code, reason = await _refused(f"{base}/ws/thematiques/{room_id}")
        assert (code, reason) == (4401, "Authentification requise.")
        code, _ = await _refused(f"{base}/ws/thematiques/{room_id}?token=faux")
        assert code == 4401

    async def test_refused_for_non_members_and_suspended_accounts(
        self, live: tuple[Any, str], db_engine: AsyncEngine
    ) -> None:
        app, base = live
        async with asgi_client(app) as client:
            room_id = await room(client, db_engine)
            awa = await member(client, db_engine, 1)
        url = f"{base}/ws/thematiques/{room_id}?token={awa.token}"
        code, reason = await _refused(url)
        assert code == 4403
        assert reason
        assert "Rejoignez" in reason
        async with asgi_client(app) as client:
            await join(client, awa, room_id)
        async with db_engine.begin() as connection:
            await connection.execute(
                text("UPDATE utilisateur SET actif = false WHERE id_user = :u"), {"u": awa.id}
            )
        assert await _refused(url) == (4403, "Compte suspendu.")

    async def test_refused_once_the_session_is_closed(
        self, live: tuple[Any, str], db_engine: AsyncEngine
    ) -> None:
        app, base = live
        async with asgi_client(app) as client:
            room_id = await room(client, db_engine)
            awa = await member(client, db_engine, 1)
            await join(client, awa, room_id)
        url = f"{base}/ws/thematiques/{room_id}?token={awa.token}"
        async with connect(url) as ws:
            await frame(ws, "bienvenue")
        # What a logout does to the session's refresh tokens: its access token ends too.
        async with db_engine.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE jeton_rafraichissement SET date_revocation = now(),"
                    " motif_revocation = 'deconnexion' WHERE id_user = :u"
                ),
                {"u": awa.id},
            )
        assert await _refused(url) == (4401, "Session terminée. Veuillez vous reconnecter.")

    async def test_database_unreachable_closes_with_try_again_later(
        self, live: tuple[Any, str], db_engine: AsyncEngine, database_url: str
    ) -> None:
        """Connections exhausted or the database away: a clean 1013, not a crashed socket."""
        app, _ = live
        async with asgi_client(app) as client:
            room_id = await room(client, db_engine)
            awa = await member(client, db_engine, 1)
            await join(client, awa, room_id)
        # The same signing key, a database that does not exist.
        unreachable = build_app(database_url.rsplit("/", 1)[0] + "/hostolink_absente")
        unreachable.state.signing_key = app.state.signing_key
        async with live_server(unreachable) as other:
            url = f"{other}/ws/thematiques/{room_id}?token={awa.token}"
            code, reason = await _refused(url)
        await dispose(unreachable)
        assert code == 1013
        assert reason == "Service momentanément indisponible, réessayez dans un instant."

    async def test_token_in_the_subprotocol_header(
        self, live: tuple[Any, str], db_engine: AsyncEngine
    ) -> None:
        app, base = live
        async with asgi_client(app) as client:
            room_id = await room(client, db_engine)
            awa = await member(client, db_engine, 1)
            await join(client, awa, room_id)
        url = f"{base}/ws/thematiques/{room_id}"
        offered = [Subprotocol("bearer"), Subprotocol(awa.token)]
        async with connect(url, subprotocols=offered) as ws:
            assert ws.subprotocol == "bearer"
            welcome = await frame(ws, "bienvenue")
            assert welcome["id_thematique"] == room_id
            assert (await frame(ws, "ping"))["type"] == "ping"


class TestDelivery:
    async def test_rest_and_socket_messages_reach_every_member(
        self, live: tuple[Any, str], db_engine: AsyncEngine
    ) -> None:
        app, base = live
        async with asgi_client(app) as client:
            room_id = await room(client, db_engine)
            awa, kofi = await numbered(member, client, db_engine, 2)
            await join(client, awa, room_id)
            await join(client, kofi, room_id)
            async with (
                connect(f"{base}/ws/thematiques/{room_id}?token={awa.token}") as awa_ws,
                connect(f"{base}/ws/thematiques/{room_id}?token={kofi.token}") as kofi_ws,
            ):
                await frame(awa_ws, "bienvenue")
                await frame(kofi_ws, "bienvenue")
                posted = await say(client, awa, room_id, "Par REST")
                for ws in (awa_ws, kofi_ws):
                    received = (await frame(ws, "message"))["data"]
                    assert received["id_message"] == posted["id_message"]
                    assert received["contenu"] == "Par REST"

                await kofi_ws.send(json.dumps({"contenu": "Par la socket", "ref": "k1"}))
                ack = await frame(kofi_ws, "accuse", "erreur")
                assert ack["type"] == "accuse"
                assert ack["ref"] == "k1"
                received = (await frame(awa_ws, "message"))["data"]
                assert received["id_message"] == ack["id_message"]
                assert received["auteur"]["id_user"] == kofi.id

                await kofi_ws.send(json.dumps({"contenu": "Moi", "id_user": awa.id}))
                refused = await frame(kofi_ws, "accuse", "erreur")
                assert refused["error"] == "ValidationError"
        async with db_engine.connect() as connection:
            authors = (
                await connection.scalars(text("SELECT id_user FROM message ORDER BY id_message"))
            ).all()
        assert authors == [awa.id, kofi.id]

    async def test_rate_limit_answers_an_error_and_keeps_the_connection(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        app = build_app(database_url, DISCUSSION_MESSAGES_PER_MINUTE=2)
        try:
            async with asgi_client(app) as client, live_server(app) as base:
                room_id = await room(client, db_engine)
                awa, kofi = await numbered(member, client, db_engine, 2)
                await join(client, awa, room_id)
                await join(client, kofi, room_id)
                async with connect(f"{base}/ws/thematiques/{room_id}?token={awa.token}") as ws:
                    await frame(ws, "bienvenue")
                    # Five in a row: at most two per fixed minute window, so even across a
                    # window boundary at least one is refused.
                    answers = []
                    for i in range(5):
                        await ws.send(json.dumps({"type": "message", "contenu": f"n°{i}"}))
                        answers.append(await frame(ws, "accuse", "erreur"))
                    refused = [a for a in answers if a["type"] == "erreur"]
                    assert refused
                    assert {a["error"] for a in refused} == {"TooManyRequests"}
                    assert "Trop de messages" in refused[0]["message"]
                    # Still connected: someone else's message arrives.
                    posted = await say(client, kofi, room_id, "Toujours là ?")
                    while (received := (await frame(ws, "message"))["data"])[
                        "id_message"
                    ] != posted["id_message"]:
                        assert received["auteur"]["id_user"] == awa.id
            async with db_engine.connect() as connection:
                stored = await connection.scalar(
                    text("SELECT count(*) FROM message WHERE id_user = :u"), {"u": awa.id}
                )
            assert stored == 5 - len(refused)
        finally:
            await dispose(app)

    async def test_reconnect_catches_up_from_history(
        self, live: tuple[Any, str], db_engine: AsyncEngine
    ) -> None:
        app, base = live
        async with asgi_client(app) as client:
            room_id = await room(client, db_engine)
            awa, kofi = await numbered(member, client, db_engine, 2)
            await join(client, awa, room_id)
            await join(client, kofi, room_id)
            url = f"{base}/ws/thematiques/{room_id}?token={awa.token}"
            async with connect(url) as ws:
                await frame(ws, "bienvenue")
                first = await say(client, kofi, room_id, "Un")
                last_seen = (await frame(ws, "message"))["data"]["id_message"]
                assert last_seen == first["id_message"]
            missed = [
                (await say(client, kofi, room_id, t))["id_message"] for t in ("Deux", "Trois")
            ]
            async with connect(url) as ws:
                await frame(ws, "bienvenue")
                history = await client.get(
                    f"/api/thematiques/{room_id}/messages",
                    params={"apres": last_seen},
                    headers=awa.headers,
                )
                assert [m["id_message"] for m in history.json()["data"]["messages"]] == missed
                live_one = await say(client, kofi, room_id, "Quatre")
                assert (await frame(ws, "message"))["data"]["id_message"] == live_one["id_message"]


class TestFanOut:
    async def _two_processes(
        self, database_url: str, db_engine: AsyncEngine, **settings: Any
    ) -> tuple[list[int], int]:
        """Post via A then via B; a socket on B. The ids of the message frames received
        (until B's), and A's message id."""
        app_a = build_app(database_url, **settings)
        app_b = build_app(database_url, **settings)
        try:
            async with (
                asgi_client(app_a) as client_a,
                asgi_client(app_b) as client_b,
                live_server(app_b) as base_b,
            ):
                room_id = await room(client_a, db_engine)
                awa = await member(client_a, db_engine, 1)
                kofi = await member(client_a, db_engine, 2)
                await join(client_a, awa, room_id)
                await join(client_a, kofi, room_id)
                url = f"{base_b}/ws/thematiques/{room_id}?token={awa.token}"
                async with connect(url) as ws:
                    await frame(ws, "bienvenue")
                    from_a = await say(client_a, kofi, room_id, "Par le processus A")
                    from_b = await say(client_b, kofi, room_id, "Par le processus B")
                    seen: list[int] = []
                    while not seen or seen[-1] != from_b["id_message"]:
                        seen.append((await frame(ws, "message"))["data"]["id_message"])
            return seen, int(from_a["id_message"])
        finally:
            await dispose(app_a)
            await dispose(app_b)

    async def test_through_redis_two_processes_share_rooms(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        await require_redis()
        seen, from_a = await self._two_processes(database_url, db_engine, REDIS_URL=REDIS_URL)
        assert seen[0] == from_a
        assert len(seen) == 2

    async def test_without_redis_delivery_stays_in_process(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        seen, from_a = await self._two_processes(database_url, db_engine)
        # A's message was delivered (synchronously) to A's sockets only, before B's post.
        assert from_a not in seen
        assert len(seen) == 1


class TestModeration:
    async def test_a_hidden_message_is_withdrawn_from_connected_screens(
        self, live: tuple[Any, str], db_engine: AsyncEngine
    ) -> None:
        """Hiding sends `retrait` to the room's sockets once committed; rejecting a report
        sends nothing (the next frame after it is the next message)."""
        app, base = live
        async with asgi_client(app) as client:
            room_id = await room(client, db_engine)
            awa, kofi = await numbered(member, client, db_engine, 2)
            await join(client, awa, room_id)
            await join(client, kofi, room_id)
            admin = bearer(await admin_token(client, db_engine))
            async with connect(f"{base}/ws/thematiques/{room_id}?token={kofi.token}") as ws:
                await frame(ws, "bienvenue")
                bad = await say(client, awa, room_id, "Achetez mes pilules miracles !")
                fine = await say(client, awa, room_id, "Bonjour à tous")
                reports = {}
                for message in (bad, fine):
                    path = (
                        f"/api/thematiques/{room_id}/messages/{message['id_message']}/signalement"
                    )
                    answer = await client.post(path, json={"motif": "spam"}, headers=kofi.headers)
                    assert answer.status_code == 201, answer.text
                    reports[message["id_message"]] = answer.json()["data"]["id_signalement"]
                decisions = (
                    (reports[fine["id_message"]], "rejeter"),
                    (reports[bad["id_message"]], "masquer"),
                    (reports[bad["id_message"]], "masquer"),  # already decided: 409, no frame
                )
                statuses = []
                for report_id, decision in decisions:
                    answer = await client.post(
                        f"/api/admin/moderation/{report_id}/{decision}",
                        json={"motif": "Décision de test"},
                        headers=admin,
                    )
                    statuses.append(answer.status_code)
                assert statuses == [200, 200, 409]
                after = await say(client, awa, room_id, "Après la décision")

                frames = []
                while (
                    not frames
                    or frames[-1].get("data", {}).get("id_message") != (after["id_message"])
                ):
                    frames.append(await frame(ws, "message", "retrait"))
        summary = [(f["type"], f.get("id_message") or f["data"]["id_message"]) for f in frames]
        assert summary == [
            ("message", bad["id_message"]),
            ("message", fine["id_message"]),
            ("retrait", bad["id_message"]),
            ("message", after["id_message"]),
        ]
        assert frames[2]["id_thematique"] == room_id


class TestRedisOutage:
    """Redis cut, then back: sockets stay open, the same process still delivers, and once
    Redis is back every socket is told to catch up and fan-out between processes resumes."""

    SETTINGS: ClassVar[dict[str, Any]] = {
        # Generous timeouts (a loaded machine is not an outage); quick reconnection.
        "REDIS_CONNECT_TIMEOUT_SECONDS": 5,
        "REDIS_TIMEOUT_SECONDS": 5,
        "REDIS_RETRY_SECONDS": 0.5,
    }

    async def test_two_instances_through_a_redis_restart(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        async with redis_proxy() as proxy:
            settings = {"REDIS_URL": proxy.url(), **self.SETTINGS}
            app_a = build_app(database_url, **settings)
            app_b = build_app(database_url, **settings)
            try:
                async with (
                    asgi_client(app_a) as client,
                    live_server(app_a) as base_a,
                    live_server(app_b) as base_b,
                ):
                    room_id = await room(client, db_engine)
                    awa, kofi, ama = [await member(client, db_engine, n) for n in (1, 2, 3)]
                    for someone in (awa, kofi, ama):
                        await join(client, someone, room_id)
                    path = f"/ws/thematiques/{room_id}"
                    async with (
                        connect(f"{base_b}{path}?token={awa.token}") as on_b,
                        connect(f"{base_a}{path}?token={kofi.token}") as on_a,
                    ):
                        await frame(on_b, "bienvenue")
                        await frame(on_a, "bienvenue")
                        before = await say(client, ama, room_id, "Avant la coupure")
                        for ws in (on_b, on_a):
                            assert await _message_id(ws) == before["id_message"]
                        errors = _hub_errors()

                        await proxy.cut()
                        # Posting still answers 201; A's own socket still gets it.
                        during = await say(client, ama, room_id, "Pendant la coupure")
                        assert await _message_id(on_a) == during["id_message"]
                        assert _hub_errors() > errors
                        # A socket opened during the outage is accepted (local-only).
                        async with connect(f"{base_b}{path}?token={ama.token}") as late_b:
                            await frame(late_b, "bienvenue")

                            await proxy.restore()
                            # B never got "during" live: the next frame says "catch up".
                            resync = await frame(on_b, "message", "resynchronisation")
                            assert resync == {"type": "resynchronisation", "id_thematique": room_id}
                            assert (await frame(late_b, "resynchronisation"))[
                                "id_thematique"
                            ] == room_id
                            assert (await frame(on_a, "resynchronisation"))[
                                "id_thematique"
                            ] == room_id
                            # The catch-up the web app runs on that frame finds it.
                            history = await client.get(
                                f"/api/thematiques/{room_id}/messages",
                                params={"apres": before["id_message"]},
                                headers=awa.headers,
                            )
                            caught = [m["id_message"] for m in history.json()["data"]["messages"]]
                            assert caught == [during["id_message"]]
                            # And A's messages reach B's sockets live again.
                            after = await say(client, ama, room_id, "Après le retour")
                            for ws in (on_b, late_b, on_a):
                                assert await _message_id(ws) == after["id_message"]
                assert app_b.state.discussions_hub.hub.availability.up is True
            finally:
                await dispose(app_a)
                await dispose(app_b)

    async def test_a_socket_opened_while_redis_is_away_is_served(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        """Redis unreachable from the start: the socket is welcomed (not closed with 1013),
        and resynchronised once Redis answers."""
        async with redis_proxy() as proxy:
            app = build_app(database_url, REDIS_URL=proxy.url(), **self.SETTINGS)
            try:
                async with asgi_client(app) as client, live_server(app) as base:
                    room_id = await room(client, db_engine)
                    awa = await member(client, db_engine, 1)
                    await join(client, awa, room_id)
                    await proxy.cut()
                    async with connect(f"{base}/ws/thematiques/{room_id}?token={awa.token}") as ws:
                        assert (await frame(ws, "bienvenue"))["id_thematique"] == room_id
                        alone = await say(client, awa, room_id, "Sans Redis")
                        assert await _message_id(ws) == alone["id_message"]
                        await proxy.restore()
                        await frame(ws, "resynchronisation")
                        shared = await say(client, awa, room_id, "Avec Redis")
                        assert await _message_id(ws) == shared["id_message"]
            finally:
                await dispose(app)


async def _message_id(ws: Any) -> int:
    """The next message's id; a `resynchronisation` where a message is expected fails (the
    first socket of a process, for one, is subscribed before its welcome: nothing to catch
    up)."""
    received = await frame(ws, "message", "resynchronisation")
    assert received["type"] == "message", received
    return int(received["data"]["id_message"])


def _hub_errors() -> float:
    return REGISTRY.get_sample_value("hostolink_redis_errors_total", {"component": "hub"}) or 0.0
