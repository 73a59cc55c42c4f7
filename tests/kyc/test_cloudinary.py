"""Identity documents on Cloudinary: uploaded as `authenticated`, and a signed link redirects
to a short-lived, signed Cloudinary download URL (the fake API of the media tests)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import assert_failure, bearer
from tests.kyc.helpers import ADMIN_PATH, path_of, submit
from tests.media.test_cloudinary import (  # noqa: F401 (fixtures)
    FakeCloudinary,
    cloud_client,
    fake_cloudinary,
)
from tests.wallet.helpers import admin_token, person


class TestCloudinaryDocuments:
    async def test_private_upload_and_signed_redirect(
        self,
        cloud_client: httpx.AsyncClient,  # noqa: F811
        fake_cloudinary: FakeCloudinary,  # noqa: F811
        db_engine: AsyncEngine,
    ) -> None:
        awa = await person(cloud_client, db_engine, 50)
        response = await submit(cloud_client, awa.headers)
        assert response.status_code == 201, response.text
        assert len(fake_cloudinary.requests) == 3
        for _path, body in fake_cloudinary.requests:
            assert b'name="type"\r\n\r\nauthenticated\r\n' in body
        admin = await admin_token(cloud_client, db_engine)
        verification = response.json()["data"]["id_verification"]
        detail = await cloud_client.get(f"{ADMIN_PATH}/{verification}", headers=bearer(admin))
        assert detail.status_code == 200, detail.text
        link = path_of(detail.json()["data"]["recto"]["url"])
        served = await cloud_client.get(link)
        assert served.status_code == 307, served.text
        assert served.headers["cache-control"] == "private, no-store"
        target = urlsplit(served.headers["location"])
        assert target.path == "/v1_1/demo/image/download"
        query = parse_qs(target.query)
        assert query["type"] == ["authenticated"]
        assert query["public_id"][0].startswith("hostolink/identite/")
        assert int(query["expires_at"][0]) > 0
        assert query["signature"]
        assert "le-secret" not in served.headers["location"]
        token = link.rsplit("/", 1)[1]
        assert_failure(await cloud_client.get(link.replace(token, token[:-2] + "xx")), 403)
