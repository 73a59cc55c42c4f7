"""People, conversations and objects for the help desk's tests."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import Member, member, scalar

PATH = "/api/assistance/conversations"
ADMIN_PATH = "/api/admin/assistance/conversations"


async def person_and_agent(client: httpx.AsyncClient, engine: AsyncEngine) -> tuple[Member, Member]:
    awa = await member(client, engine, 1)
    agent = await member(client, engine, 2, prenom="Koffi", nom="Yao", roles=("agent",))
    return awa, agent


async def open_conversation(
    client: httpx.AsyncClient,
    who: Member,
    sujet: str = "Retrait non reçu",
    message: str = "Mon retrait Orange Money n'est pas arrivé.",
    **extra: Any,
) -> dict[str, Any]:
    response = await client.post(
        PATH, json={"sujet": sujet, "message": message, **extra}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def write(
    client: httpx.AsyncClient, who: Member, conversation_id: int, contenu: str
) -> dict[str, Any]:
    response = await client.post(
        f"{PATH}/{conversation_id}/messages", json={"contenu": contenu}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def answer(
    client: httpx.AsyncClient,
    agent: Member,
    conversation_id: int,
    contenu: str,
    *,
    interne: bool = False,
) -> dict[str, Any]:
    response = await client.post(
        f"{ADMIN_PATH}/{conversation_id}/messages",
        json={"contenu": contenu, "interne": interne},
        headers=agent.headers,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def attachment(engine: AsyncEngine, owner: int) -> int:
    """A private help-desk image of `owner`, as a row (uploading is test_attachments.py)."""
    async with engine.begin() as connection:
        found = await connection.scalar(
            text(
                "INSERT INTO media (id_user, stockage, cle_stockage, url, type_mime, largeur,"
                " hauteur, taille_octets, usage, prive)"
                " VALUES (:u, 'local', 'assistance/' || gen_random_uuid(), '', 'image/webp',"
                " 800, 600, 1000, 'assistance', true) RETURNING id_media"
            ),
            {"u": owner},
        )
    return int(found)


async def transaction_of(engine: AsyncEngine, user_id: int) -> str:
    """The reference of a transaction touching the person's wallet."""
    found = await scalar(
        engine,
        "SELECT t.reference FROM transaction t JOIN compte c"
        " ON c.id_compte IN (t.id_compte_source, t.id_compte_destination)"
        " WHERE c.id_user = :u ORDER BY t.id_transaction DESC LIMIT 1",
        u=user_id,
    )
    assert found is not None
    return str(found)
