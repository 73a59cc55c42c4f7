"""The help desk's attachments: uploaded private (usage « assistance »), served only through
signed links that expire after an hour; an altered link answers 403, an expired one 410,
and a link signed for another purpose or naming another kind of media opens nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.kyc import links as kyc_links
from hostolink.support.conversations.attachments import links_of
from tests.factories import image, member, scalar
from tests.media.helpers import image_bytes, post_image
from tests.support.helpers import PATH

PIECES = "/api/assistance/pieces"


async def _upload(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post(
        PIECES, files={"fichier": ("recu.jpg", image_bytes("JPEG"), "image/jpeg")}, headers=headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def _path(url: str) -> str:
    return urlsplit(url).path


class TestAttachments:
    async def test_upload_is_private_and_the_link_serves_it(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        data = await _upload(client, awa.headers)
        row = await scalar(
            db_engine,
            "SELECT usage || ':' || prive::text || ':' || coalesce(url, '-') FROM media"
            " WHERE id_media = :m",
            m=data["id_media"],
        )
        assert str(row).startswith("assistance:true:")
        assert data["type_mime"].startswith("image/")
        served = await client.get(_path(data["url"]))
        assert served.status_code == 200
        assert served.headers["content-type"].startswith("image/")
        assert served.headers["cache-control"] == "private, no-store"

        opened = await client.post(
            PATH,
            json={"sujet": "Reçu", "message": "Voici le reçu", "id_media": data["id_media"]},
            headers=awa.headers,
        )
        assert opened.status_code == 201
        cid = opened.json()["data"]["id_conversation"]
        [message] = (await client.get(f"{PATH}/{cid}/messages", headers=awa.headers)).json()["data"]
        served = await client.get(_path(message["piece_jointe"]["url"]))
        assert served.status_code == 200

    async def test_altered_and_expired_links(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await member(client, db_engine, 1)
        data = await _upload(client, awa.headers)
        path = _path(data["url"])
        token = path.rsplit("/", 1)[-1]
        media_id, expires, seal = token.split(".")
        other = f"{int(media_id) + 1}.{expires}.{seal}"
        for altered in (other, f"{media_id}.{int(expires) + 3600}.{seal}", "n-importe-quoi"):
            response = await client.get(f"{PIECES}/{altered}")
            assert response.status_code == 403, altered
            assert response.json()["message"].startswith("Lien invalide")
        past = datetime.now(UTC) - timedelta(hours=2)
        expired = links_of(app).token(int(media_id), now=past)
        response = await client.get(f"{PIECES}/{expired}")
        assert response.status_code == 410
        assert response.json()["message"].startswith("Lien expiré")

    async def test_other_keys_and_media_open_nothing(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await member(client, db_engine, 1)
        data = await _upload(client, awa.headers)
        # A KYC link to the same id: another key, so an invalid link here.
        kyc_key = kyc_links.link_key(app.state.signing_key)
        kyc_token, _ = kyc_links.sign_for_now(kyc_key, data["id_media"])
        assert (await client.get(f"{PIECES}/{kyc_token}")).status_code == 403
        # A valid help-desk signature on an identity document serves nothing.
        identity = await image(db_engine, awa.id, usage="identite")
        token = links_of(app).token(identity)
        assert (await client.get(f"{PIECES}/{token}")).status_code == 404

    async def test_not_through_the_public_media_route(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        response = await post_image(client, awa.headers, image_bytes("JPEG"), usage="assistance")
        assert response.status_code == 422
        assert "/api/assistance/pieces" in response.json()["message"]
        anonymous = await client.post(
            PIECES, files={"fichier": ("recu.jpg", image_bytes("JPEG"), "image/jpeg")}
        )
        assert anonymous.status_code == 401
