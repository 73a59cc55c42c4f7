"""An establishment's photo: an image uploaded for that usage by the admin or manager who
sets it, shown in the directory; another person's image, or one uploaded for something
else, is refused and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from tests.auth.helpers import bearer
from tests.conftest import make_settings
from tests.health.helpers import create
from tests.media.helpers import image_bytes
from tests.wallet.helpers import admin_token, person


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Any]:
    settings = make_settings(HOSTOLINK_DATA_DIR=str(tmp_path))
    application = create_app(settings, database_url=database_url)
    yield application
    await application.state.db.dispose()


async def upload(client: httpx.AsyncClient, headers: dict[str, str], usage: str) -> int:
    response = await client.post(
        "/api/medias",
        files={"fichier": ("photo.png", image_bytes("PNG"), "image/png")},
        data={"usage": usage},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    media_id: int = response.json()["data"]["id_media"]
    return media_id


async def test_photo_set_shown_refused_and_cleared(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    admin = await admin_token(client, db_engine)
    created = await create(client, admin, nom="Clinique Photo", lat=5.3, lon=-4.0)
    path = f"/api/admin/etablissements/{created['id_etablissement']}"
    mine = await upload(client, bearer(admin), "etablissement")
    answer = await client.patch(path, json={"id_media": mine}, headers=bearer(admin))
    assert answer.status_code == 200, answer.text
    photo = answer.json()["data"]["photo"]
    assert photo is not None
    assert photo.endswith(".png")
    near = await client.get("/api/etablissements/proches", params={"lat": 5.3, "lon": -4.0})
    assert near.json()["data"][0]["photo"] == photo
    served = await client.get("/media/" + photo.rsplit("/", 1)[1])
    assert (served.status_code, served.headers["content-type"]) == (200, "image/png")

    someone = await person(client, db_engine, 3)
    theirs = await upload(client, someone.headers, "etablissement")
    post_image = await upload(client, bearer(admin), "publication")
    for refused in (theirs, post_image, 999_999):
        attempt = await client.patch(path, json={"id_media": refused}, headers=bearer(admin))
        assert attempt.status_code == 422, attempt.text
        assert attempt.json()["success"] is False
    detail = await client.get(f"/api/etablissements/{created['id_etablissement']}")
    assert detail.json()["data"]["photo"] == photo

    cleared = await client.patch(path, json={"id_media": None}, headers=bearer(admin))
    assert cleared.json()["data"]["photo"] is None
