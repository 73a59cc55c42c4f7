"""Reporting a room message: members only, once each; the message joins the same moderation
queue as posts and comments; hiding it removes it from the room's history, audited."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import bearer
from tests.discussions.helpers import join, room, say
from tests.factories import member, numbered
from tests.wallet.helpers import admin_token


async def _scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as connection:
        return await connection.scalar(text(sql), params)


def _report_path(room_id: int, message_id: int) -> str:
    return f"/api/thematiques/{room_id}/messages/{message_id}/signalement"


async def test_a_member_reports_a_message_and_a_moderator_hides_it(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    room_id = await room(client, db_engine, "Diabète au quotidien")
    author, reader = await numbered(member, client, db_engine, 2)
    await join(client, author, room_id)
    await join(client, reader, room_id)
    message = await say(client, author, room_id, "Achetez mes pilules miracles !")
    kept = await say(client, author, room_id, "Bonjour à tous")

    reported = await client.post(
        _report_path(room_id, message["id_message"]),
        json={"motif": "spam", "details": "Vente de faux médicaments"},
        headers=reader.headers,
    )
    assert reported.status_code == 201, reported.text
    assert reported.json()["data"]["id_message"] == message["id_message"]
    again = await client.post(
        _report_path(room_id, message["id_message"]), json={"motif": "spam"}, headers=reader.headers
    )
    assert again.status_code == 409
    assert again.json()["message"] == "Vous avez déjà signalé ce contenu."

    admin = bearer(await admin_token(client, db_engine))
    queue = (await client.get("/api/admin/moderation", headers=admin)).json()["data"]
    item = next(i for i in queue["signalements"] if i["id_message"] == message["id_message"])
    assert item["type_cible"] == "message"
    assert item["contenu_cible"] == "Achetez mes pilules miracles !"
    assert item["id_auteur_cible"] == author.id
    assert item["id_thematique"] == room_id

    hidden = await client.post(
        f"/api/admin/moderation/{item['id_signalement']}/masquer",
        json={"motif": "Vente illicite"},
        headers=admin,
    )
    assert hidden.status_code == 200, hidden.text
    history = await client.get(f"/api/thematiques/{room_id}/messages", headers=reader.headers)
    ids = [m["id_message"] for m in history.json()["data"]["messages"]]
    assert message["id_message"] not in ids
    assert kept["id_message"] in ids
    audited = await _scalar(
        db_engine,
        "SELECT count(*) FROM journal_audit WHERE action = 'moderation.masquer'"
        " AND table_cible = 'message' AND cle_cible = :key",
        key=str(message["id_message"]),
    )
    assert audited == 1
    queue = (await client.get("/api/admin/moderation", headers=admin)).json()["data"]
    assert all(i["id_message"] != message["id_message"] for i in queue["signalements"])


async def test_only_members_report_and_only_messages_of_the_room(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    first = await room(client, db_engine, "Paludisme")
    second = await room(client, db_engine, "Hypertension")
    author = await member(client, db_engine, 3)
    outsider = await member(client, db_engine, 4)
    await join(client, author, first)
    await join(client, author, second)
    message = await say(client, author, first, "Un message")

    refused = await client.post(
        _report_path(first, message["id_message"]), json={"motif": "spam"}, headers=outsider.headers
    )
    assert refused.status_code == 403
    assert refused.json()["message"] == "Rejoignez ce salon pour lire et écrire ses messages."

    await join(client, outsider, second)
    elsewhere = await client.post(
        _report_path(second, message["id_message"]),
        json={"motif": "spam"},
        headers=outsider.headers,
    )
    assert elsewhere.status_code == 404
    assert elsewhere.json()["message"] == "Message introuvable dans ce salon."
    bad = await client.post(
        _report_path(first, message["id_message"]), json={"motif": "bof"}, headers=author.headers
    )
    assert bad.status_code == 422
    count = await _scalar(
        db_engine, "SELECT count(*) FROM signalement WHERE id_message IS NOT NULL"
    )
    assert count == 0
