"""Rooms, membership, messages, expert answers, history and read markers over REST."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import bearer
from tests.discussions.helpers import join, room, say
from tests.factories import image, member, numbered
from tests.wallet.helpers import admin_token


async def _scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as connection:
        return await connection.scalar(text(sql), params)


class TestRoomsByAdministrators:
    async def test_admin_creates_and_edits_a_room(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = bearer(await admin_token(client, db_engine))
        picture = await image(db_engine, None, usage="thematique")
        body = {
            "titre": "Santé de la mère et de l'enfant",
            "sous_titre": "Grossesse, allaitement, vaccins",
            "description": "Posez vos questions à nos sages-femmes.",
            "id_media": picture,
        }
        created = await client.post("/api/admin/thematiques", json=body, headers=admin)
        assert created.status_code == 201, created.text
        data = created.json()["data"]
        assert data["titre"] == body["titre"]
        assert data["id_media"] == picture
        assert data["image_url"] == "https://img.test/x.webp"
        assert data["actif"] is True

        again = await client.post("/api/admin/thematiques", json=body, headers=admin)
        assert again.status_code == 409

        room_id = data["id_thematique"]
        edited = await client.patch(
            f"/api/admin/thematiques/{room_id}",
            json={"sous_titre": "Vaccins", "id_media": None},
            headers=admin,
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["data"]["sous_titre"] == "Vaccins"
        assert edited.json()["data"]["id_media"] is None
        audits = await _scalar(
            db_engine,
            "SELECT count(*) FROM journal_audit WHERE table_cible = 'thematiques'"
            " AND cle_cible = :k",
            k=str(room_id),
        )
        assert audits == 2

    async def test_room_image_must_be_a_room_image(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = bearer(await admin_token(client, db_engine))
        post_image = await image(db_engine, None, usage="publication")
        response = await client.post(
            "/api/admin/thematiques",
            json={"titre": "Diabète", "id_media": post_image},
            headers=admin,
        )
        assert response.status_code == 400

    async def test_people_cannot_create_rooms(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        response = await client.post(
            "/api/admin/thematiques", json={"titre": "Diabète"}, headers=awa.headers
        )
        assert response.status_code == 403

    async def test_archived_room_is_hidden_and_read_only(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        room_id = await room(client, db_engine)
        awa = await member(client, db_engine, 1)
        await join(client, awa, room_id)
        admin = bearer(await admin_token(client, db_engine))
        archived = await client.patch(
            f"/api/admin/thematiques/{room_id}", json={"actif": False}, headers=admin
        )
        assert archived.status_code == 200
        listed = await client.get("/api/thematiques", headers=awa.headers)
        assert listed.json()["data"] == []
        refused = await client.post(
            f"/api/thematiques/{room_id}/messages", json={"contenu": "Allô ?"}, headers=awa.headers
        )
        assert refused.status_code == 409


class TestMembership:
    async def test_list_join_and_leave(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        room_id = await room(client, db_engine)
        awa = await member(client, db_engine, 1)
        assert (await client.get("/api/thematiques")).status_code == 401
        listed = (await client.get("/api/thematiques", headers=awa.headers)).json()["data"]
        assert [(r["id_thematique"], r["membre"]) for r in listed] == [(room_id, False)]

        await join(client, awa, room_id)
        await join(client, awa, room_id)  # joining twice is harmless
        listed = (await client.get("/api/thematiques", headers=awa.headers)).json()["data"]
        assert listed[0]["membre"] is True
        assert listed[0]["role"] == "membre"

        left = await client.delete(f"/api/thematiques/{room_id}/membres", headers=awa.headers)
        assert left.status_code == 200
        listed = (await client.get("/api/thematiques", headers=awa.headers)).json()["data"]
        assert listed[0]["membre"] is False
        again = await client.delete(f"/api/thematiques/{room_id}/membres", headers=awa.headers)
        assert again.status_code == 403

    async def test_expert_joins_as_expert(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        room_id = await room(client, db_engine)
        doctor = await member(client, db_engine, 2, roles=("expert",))
        response = await client.post(f"/api/thematiques/{room_id}/membres", headers=doctor.headers)
        assert response.json()["data"]["role"] == "expert"

    async def test_non_members_neither_read_nor_write(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        room_id = await room(client, db_engine)
        awa = await member(client, db_engine, 1)
        written = await client.post(
            f"/api/thematiques/{room_id}/messages", json={"contenu": "Bonjour"}, headers=awa.headers
        )
        assert written.status_code == 403
        read = await client.get(f"/api/thematiques/{room_id}/messages", headers=awa.headers)
        assert read.status_code == 403
        assert await _scalar(db_engine, "SELECT count(*) FROM message") == 0

    async def test_unknown_room(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        awa = await member(client, db_engine, 1)
        response = await client.post("/api/thematiques/999/membres", headers=awa.headers)
        assert response.status_code == 404


class TestMessages:
    async def test_author_is_the_token_never_the_body(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        room_id = await room(client, db_engine)
        awa, kofi = await numbered(member, client, db_engine, 2)
        await join(client, awa, room_id)
        forged = await client.post(
            f"/api/thematiques/{room_id}/messages",
            json={"contenu": "Je suis Kofi", "id_user": kofi.id},
            headers=awa.headers,
        )
        assert forged.status_code == 422
        message = await say(client, awa, room_id, "Quels vaccins à 9 mois ?")
        assert message["auteur"]["id_user"] == awa.id
        assert message["auteur"]["nom_affiche"] == "Awa Koné"
        assert message["type_message"] == "texte"
        assert message["reponse_expert"] is False
        stored = await _scalar(
            db_engine, "SELECT id_user FROM message WHERE id_message = :m", m=message["id_message"]
        )
        assert stored == awa.id

    async def test_empty_message_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        room_id = await room(client, db_engine)
        awa = await member(client, db_engine, 1)
        await join(client, awa, room_id)
        for body in ({}, {"contenu": "   "}):
            response = await client.post(
                f"/api/thematiques/{room_id}/messages", json=body, headers=awa.headers
            )
            assert response.status_code == 422, body

    async def test_image_message_uses_my_own_image(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        room_id = await room(client, db_engine)
        awa, kofi = await numbered(member, client, db_engine, 2)
        await join(client, awa, room_id)
        mine = await image(db_engine, awa.id, usage="message")
        theirs = await image(db_engine, kofi.id, usage="message")
        sent = await client.post(
            f"/api/thematiques/{room_id}/messages", json={"id_media": mine}, headers=awa.headers
        )
        assert sent.status_code == 201, sent.text
        assert sent.json()["data"]["type_message"] == "image"
        assert sent.json()["data"]["image_url"] == "https://img.test/x.webp"
        refused = await client.post(
            f"/api/thematiques/{room_id}/messages", json={"id_media": theirs}, headers=awa.headers
        )
        assert refused.status_code == 400


class TestExpertAnswers:
    async def test_expert_answer_points_to_the_question_and_notifies_the_asker(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        room_id = await room(client, db_engine)
        awa = await member(client, db_engine, 1)
        doctor = await member(client, db_engine, 2, roles=("expert",))
        await join(client, awa, room_id)
        await join(client, doctor, room_id)
        question = await say(client, awa, room_id, "Quels vaccins à 9 mois ?")
        answer = await say(
            client,
            doctor,
            room_id,
            "La rougeole et la fièvre jaune.",
            id_message_parent=question["id_message"],
        )
        assert answer["reponse_expert"] is True
        assert answer["id_message_parent"] == question["id_message"]
        async with db_engine.connect() as connection:
            notes = (
                await connection.execute(
                    text("SELECT id_user, type_notification, id_message FROM notification")
                )
            ).all()
        assert [tuple(n) for n in notes] == [(awa.id, "reponse_expert", answer["id_message"])]

    async def test_a_plain_reply_is_not_an_expert_answer(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        room_id = await room(client, db_engine)
        awa, kofi = await numbered(member, client, db_engine, 2)
        await join(client, awa, room_id)
        await join(client, kofi, room_id)
        question = await say(client, awa, room_id, "Quels vaccins ?")
        reply = await say(
            client, kofi, room_id, "Moi aussi !", id_message_parent=question["id_message"]
        )
        assert reply["reponse_expert"] is False
        assert await _scalar(db_engine, "SELECT count(*) FROM notification") == 0

    async def test_answer_must_point_into_the_same_room(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        first = await room(client, db_engine, "Diabète")
        second = await room(client, db_engine, "Paludisme")
        awa = await member(client, db_engine, 1)
        doctor = await member(client, db_engine, 2, roles=("expert",))
        await join(client, awa, first)
        await join(client, doctor, second)
        question = await say(client, awa, first, "Quel régime ?")
        response = await client.post(
            f"/api/thematiques/{second}/messages",
            json={"contenu": "Moins de sucre.", "id_message_parent": question["id_message"]},
            headers=doctor.headers,
        )
        assert response.status_code == 400
        assert await _scalar(db_engine, "SELECT count(*) FROM notification") == 0


class TestHistory:
    async def test_newest_first_with_cursor_and_catch_up(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        room_id = await room(client, db_engine)
        awa = await member(client, db_engine, 1)
        await join(client, awa, room_id)
        ids = [(await say(client, awa, room_id, f"Message {i}"))["id_message"] for i in range(5)]
        url = f"/api/thematiques/{room_id}/messages"
        pages: list[list[int]] = []
        params: dict[str, Any] = {"limite": 2}
        while True:
            data = (await client.get(url, params=params, headers=awa.headers)).json()["data"]
            pages.append([m["id_message"] for m in data["messages"]])
            if data["curseur_suivant"] is None:
                break
            params = {"limite": 2, "avant": data["curseur_suivant"]}
        assert pages == [[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]

        caught_up = await client.get(url, params={"apres": ids[1]}, headers=awa.headers)
        assert [m["id_message"] for m in caught_up.json()["data"]["messages"]] == ids[2:]
        both = await client.get(url, params={"apres": 1, "avant": 3}, headers=awa.headers)
        assert both.status_code == 400


class TestReadMarkers:
    async def test_unread_count_follows_the_marker(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        room_id = await room(client, db_engine)
        awa, kofi = await numbered(member, client, db_engine, 2)
        await join(client, awa, room_id)
        await join(client, kofi, room_id)
        ids = [(await say(client, awa, room_id, f"Question {i}"))["id_message"] for i in range(3)]
        await say(client, kofi, room_id, "Mon propre message")

        async def unread() -> int:
            rooms = (await client.get("/api/thematiques", headers=kofi.headers)).json()["data"]
            return int(rooms[0]["non_lus"])

        assert await unread() == 3
        marked = await client.post(
            f"/api/thematiques/{room_id}/lu", json={"id_message": ids[1]}, headers=kofi.headers
        )
        assert marked.status_code == 200, marked.text
        assert marked.json()["data"]["id_dernier_message_lu"] == ids[1]
        assert await unread() == 1
        # An older marker (another device, late) never rewinds it.
        await client.post(
            f"/api/thematiques/{room_id}/lu", json={"id_message": ids[0]}, headers=kofi.headers
        )
        assert await unread() == 1

    async def test_marker_must_name_a_message_of_the_room(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        first = await room(client, db_engine, "Diabète")
        second = await room(client, db_engine, "Paludisme")
        awa = await member(client, db_engine, 1)
        await join(client, awa, first)
        await join(client, awa, second)
        elsewhere = await say(client, awa, second, "Ailleurs")
        response = await client.post(
            f"/api/thematiques/{first}/lu",
            json={"id_message": elsewhere["id_message"]},
            headers=awa.headers,
        )
        assert response.status_code == 400
