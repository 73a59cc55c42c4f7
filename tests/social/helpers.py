"""People, images and posts for the social network tests, through the public API (images
are inserted as rows: uploading them is the media package's business)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import Member


async def post(
    client: httpx.AsyncClient, who: Member, contenu: str = "Dépistage gratuit samedi.", **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/publications", json={"contenu": contenu, **extra}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data
