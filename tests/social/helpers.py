"""People, images and posts for the social network tests, through the public API (images
are inserted as rows: uploading them is the media package's business)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import bearer
from tests.wallet.helpers import person


@dataclass(frozen=True)
class Member:
    id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


async def member(
    client: httpx.AsyncClient, engine: AsyncEngine, n: int, *, prenom: str = "Awa"
) -> Member:
    someone = await person(client, engine, n)
    async with engine.begin() as connection:
        user_id = await connection.scalar(
            text(
                "UPDATE utilisateur SET prenom = :p, nom = 'Koné' WHERE telephone = :t"
                " RETURNING id_user"
            ),
            {"p": prenom, "t": someone.phone},
        )
    assert user_id is not None
    return Member(int(user_id), someone.token)


async def image(engine: AsyncEngine, owner: int, *, usage: str = "publication") -> int:
    async with engine.begin() as connection:
        media_id = await connection.scalar(
            text(
                "INSERT INTO media (id_user, stockage, cle_stockage, url, type_mime, largeur,"
                " hauteur, taille_octets, usage, prive)"
                " VALUES (:u, 'local', 'test/' || gen_random_uuid(), 'https://img.test/x.webp',"
                " 'image/webp', 800, 600, 1000, :usage, :private) RETURNING id_media"
            ),
            {"u": owner, "usage": usage, "private": usage == "identite"},
        )
    return int(media_id)


async def post(
    client: httpx.AsyncClient, who: Member, contenu: str = "Dépistage gratuit samedi.", **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/publications", json={"contenu": contenu, **extra}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data
