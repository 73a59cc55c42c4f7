"""My notifications: only mine, newest first, cursor pages, unread count, mark read."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.notifications.service import notify
from tests.auth.helpers import assert_failure
from tests.factories import numbered
from tests.notifications.inbox_helpers import (
    notification_row,
    someone,
    write_notification,
)


class TestList:
    async def test_only_mine_newest_first(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, ali = await numbered(someone, client, db_engine, 2)
        first = await write_notification(app, awa.id, "Un")
        await write_notification(app, ali.id, "Pas pour Awa")
        second = await write_notification(app, awa.id, "Deux")

        response = await client.get("/api/notifications", headers=awa.headers)

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["success"] is True
        items = body["data"]["notifications"]
        assert [n["id_notification"] for n in items] == [second, first]
        assert items[0]["titre"] == "Deux"
        assert items[0]["est_lu"] is False
        assert body["data"]["curseur_suivant"] is None

    async def test_cursor_pages_cover_everything_once(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await someone(client, db_engine, 1)
        written = [await write_notification(app, awa.id, f"N{i}") for i in range(5)]
        # Several rows of one transaction share date_creation: the id must break the tie.
        async with app.state.db.sessionmaker() as session, session.begin():
            for i in range(3):
                row = await notify(session, user_id=awa.id, kind="like", title=f"L{i}", text="x")
                written.append(row.id_notification)

        seen: list[int] = []
        cursor: str | None = None
        for _ in range(10):
            params: dict[str, Any] = {"limite": 3}
            if cursor:
                params["curseur"] = cursor
            page = await client.get("/api/notifications", params=params, headers=awa.headers)
            assert page.status_code == 200, page.text
            data = page.json()["data"]
            seen += [n["id_notification"] for n in data["notifications"]]
            cursor = data["curseur_suivant"]
            if cursor is None:
                break
        assert seen == sorted(written, reverse=True)

    async def test_bad_cursor_is_422(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await someone(client, db_engine, 1)
        response = await client.get(
            "/api/notifications", params={"curseur": "n'importe quoi"}, headers=awa.headers
        )
        assert_failure(response, 422, "InvalidCursor")

    async def test_unread_filter(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await someone(client, db_engine, 1)
        read = await write_notification(app, awa.id, "Lue")
        unread = await write_notification(app, awa.id, "Non lue")
        await client.post(f"/api/notifications/{read}/lue", headers=awa.headers)

        response = await client.get(
            "/api/notifications", params={"non_lues": "true"}, headers=awa.headers
        )

        ids = [n["id_notification"] for n in response.json()["data"]["notifications"]]
        assert ids == [unread]

    async def test_anonymous_is_401(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        for method, url in (
            ("GET", "/api/notifications"),
            ("GET", "/api/notifications/non-lues/nombre"),
            ("POST", "/api/notifications/1/lue"),
            ("POST", "/api/notifications/lues"),
            ("POST", "/api/appareils"),
            ("DELETE", "/api/appareils/abc"),
        ):
            assert_failure(await client.request(method, url), 401)


class TestReading:
    async def test_unread_count_and_mark_read(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, ali = await numbered(someone, client, db_engine, 2)
        ids = [await write_notification(app, awa.id, f"N{i}") for i in range(3)]
        await write_notification(app, ali.id)

        async def unread() -> int:
            answer = await client.get("/api/notifications/non-lues/nombre", headers=awa.headers)
            assert answer.status_code == 200, answer.text
            return int(answer.json()["data"]["non_lues"])

        assert await unread() == 3
        marked = await client.post(f"/api/notifications/{ids[0]}/lue", headers=awa.headers)
        assert marked.status_code == 200, marked.text
        assert marked.json()["data"]["est_lu"] is True
        assert await unread() == 2
        row = await notification_row(db_engine, ids[0])
        assert row["est_lu"] is True
        assert row["date_lecture"] is not None

        again = await client.post(f"/api/notifications/{ids[0]}/lue", headers=awa.headers)
        assert again.json()["data"]["date_lecture"] == marked.json()["data"]["date_lecture"]

        everything = await client.post("/api/notifications/lues", headers=awa.headers)
        assert everything.status_code == 200, everything.text
        assert everything.json()["data"]["marquees"] == 2
        assert await unread() == 0
        # Ali's own notification is untouched.
        ali_count = await client.get("/api/notifications/non-lues/nombre", headers=ali.headers)
        assert ali_count.json()["data"]["non_lues"] == 1

    async def test_someone_elses_notification_is_404(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, ali = await numbered(someone, client, db_engine, 2)
        alis = await write_notification(app, ali.id)

        response = await client.post(f"/api/notifications/{alis}/lue", headers=awa.headers)

        assert_failure(response, 404)
        assert (await notification_row(db_engine, alis))["est_lu"] is False
        missing = await client.post("/api/notifications/999999/lue", headers=awa.headers)
        assert_failure(missing, 404)

    async def test_money_notices_appear_in_the_list(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        # Wallet notices are written by NoticeWriter, not by `notify`: same table, same list.
        awa = await someone(client, db_engine, 1)
        async with db_engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO notification (id_user, type_notification, titre, contenu)"
                    " VALUES (:u, 'argent_recu', 'Argent reçu', 'Vous avez reçu 5 000 F CFA')"
                ),
                {"u": awa.id},
            )
        response = await client.get("/api/notifications", headers=awa.headers)
        kinds = [n["type_notification"] for n in response.json()["data"]["notifications"]]
        assert kinds == ["argent_recu"]


class TestDevices:
    async def test_register_refresh_and_forget(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, ali = await numbered(someone, client, db_engine, 2)
        body = {"jeton": "fcm:token-1", "plateforme": "android"}

        first = await client.post("/api/appareils", json=body, headers=awa.headers)
        assert first.status_code == 200, first.text
        assert first.json()["data"]["plateforme"] == "android"
        # The same phone, now in Ali's hands: the token moves to him, never duplicated.
        moved = await client.post("/api/appareils", json=body, headers=ali.headers)
        assert moved.status_code == 200, moved.text
        async with db_engine.connect() as connection:
            owners = (
                (await connection.execute(text("SELECT id_user FROM appareil_push")))
                .scalars()
                .all()
            )
        assert owners == [ali.id]

        not_hers = await client.delete("/api/appareils/fcm:token-1", headers=awa.headers)
        assert_failure(not_hers, 404)
        gone = await client.delete("/api/appareils/fcm:token-1", headers=ali.headers)
        assert gone.status_code == 200, gone.text
        async with db_engine.connect() as connection:
            left = await connection.scalar(text("SELECT count(*) FROM appareil_push"))
        assert left == 0

    async def test_bad_platform_is_422(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await someone(client, db_engine, 1)
        response = await client.post(
            "/api/appareils", json={"jeton": "t", "plateforme": "nokia"}, headers=awa.headers
        )
        assert_failure(response, 422)

    async def test_owner_comes_from_the_token_not_the_body(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, ali = await numbered(someone, client, db_engine, 2)
        response = await client.post(
            "/api/appareils", json={"jeton": "t", "id_user": ali.id}, headers=awa.headers
        )
        assert_failure(response, 422)
