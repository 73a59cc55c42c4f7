"""Cloudinary through the official SDK, simulated at its HTTP boundary: a local HTTP server
stands for the Upload API (`upload_prefix` in CLOUDINARY_URL points the SDK at it)."""

from __future__ import annotations

import io
import json
import re
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from tests.factories import asgi_client
from tests.media.conftest import media_settings
from tests.media.helpers import GPS_IFD, image_bytes, media_rows, post_image
from tests.wallet.helpers import person

_PUBLIC_ID = re.compile(rb'name="public_id"\r\n\r\n([^\r]+)\r\n')
_FILE = re.compile(rb'name="file"; filename="[^"]*"\r\n(?:[^\r]+\r\n)*\r\n(.*)\r\n--', re.S)


@dataclass
class FakeCloudinary:
    """What the fake Upload API answers, and what it received."""

    status: int = 200
    requests: list[tuple[str, bytes]] = field(default_factory=list)
    port: int = 0
    # Raw files (data exports) kept by public_id, served back by the download API.
    raw: dict[str, bytes] = field(default_factory=dict)

    def answer(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        self.requests.append((path, body))
        if self.status != 200:
            return self.status, {"error": {"message": "Cloudinary est en panne"}}
        match = _PUBLIC_ID.search(body)
        public_id = match.group(1).decode() if match else "sans-id"
        if path.endswith("/raw/upload"):
            content = _FILE.search(body)
            self.raw[public_id] = content.group(1) if content else b""
        url = f"https://res.cloudinary.com/demo/image/upload/v1700000000/{public_id}.jpg"
        return 200, {"public_id": public_id, "secure_url": url, "version": 1700000000}


@pytest.fixture
def fake_cloudinary() -> Iterator[FakeCloudinary]:
    fake = FakeCloudinary()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, payload = fake.answer(self.path, body)
            content = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def do_GET(self) -> None:
            # The download API (`private_download_url`) of a raw file; the signature is
            # Cloudinary's business, the test checks it is present.
            fake.requests.append((self.path, b""))
            query = parse_qs(urlsplit(self.path).query)
            content = fake.raw.get(query.get("public_id", [""])[0])
            if fake.status != 200 or content is None or "signature" not in query:
                self.send_response(404 if fake.status == 200 else fake.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
async def cloud_client(
    database_url: str, db_engine: AsyncEngine, tmp_path: Path, fake_cloudinary: FakeCloudinary
) -> AsyncIterator[httpx.AsyncClient]:
    url = (
        f"cloudinary://123456:le-secret@demo?upload_prefix=http://127.0.0.1:{fake_cloudinary.port}"
    )
    application = create_app(
        media_settings(tmp_path, CLOUDINARY_URL=url), database_url=database_url
    )
    async with asgi_client(application) as http:
        yield http
    await application.state.db.dispose()


class TestCloudinary:
    async def test_upload_records_the_cloudinary_url(
        self,
        cloud_client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        fake_cloudinary: FakeCloudinary,
        tmp_path: Path,
    ) -> None:
        someone = await person(cloud_client, db_engine, 1)

        response = await post_image(cloud_client, someone.headers, image_bytes("JPEG"))

        assert response.status_code == 201, response.text
        [(path, body)] = fake_cloudinary.requests
        assert path == "/v1_1/demo/image/upload"
        assert b"123456" in body  # api_key
        assert b'name="signature"' in body
        assert b"le-secret" not in body  # the secret signs, it is never sent
        sent = _FILE.search(body)
        assert sent is not None
        assert not Image.open(io.BytesIO(sent.group(1))).getexif().get_ifd(GPS_IFD)
        [row] = await media_rows(db_engine)
        assert row["stockage"] == "cloudinary"
        assert row["cle_stockage"].startswith("hostolink/publication/")
        assert row["url"] == response.json()["data"]["url"]
        assert row["url"] == (
            f"https://res.cloudinary.com/demo/image/upload/v1700000000/{row['cle_stockage']}.jpg"
        )
        assert not (tmp_path / "media").exists()

    @pytest.mark.parametrize("status", [500, 401])
    async def test_failure_leaves_nothing(
        self,
        cloud_client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        fake_cloudinary: FakeCloudinary,
        status: int,
    ) -> None:
        someone = await person(cloud_client, db_engine, 1)
        fake_cloudinary.status = status

        response = await post_image(cloud_client, someone.headers, image_bytes("PNG"), name="a.png")

        assert response.status_code == 503, response.text
        assert response.json()["message"] == (
            "Le service d'images est indisponible, réessayez plus tard."
        )
        assert len(fake_cloudinary.requests) == 1
        assert await media_rows(db_engine) == []

    async def test_profile_photo_is_not_changed_on_failure(
        self,
        cloud_client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        fake_cloudinary: FakeCloudinary,
    ) -> None:
        someone = await person(cloud_client, db_engine, 1)
        fake_cloudinary.status = 502

        response = await cloud_client.post(
            "/api/user/photo",
            files={"fichier": ("moi.png", image_bytes("PNG"), "image/png")},
            headers=someone.headers,
        )

        assert response.status_code == 503
        me = await cloud_client.get("/api/user/me", headers=someone.headers)
        assert me.json()["data"]["photo_profile"] is None


async def test_unreachable_cloudinary_is_a_503(
    database_url: str, db_engine: AsyncEngine, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"cloudinary://123456:le-secret@demo?upload_prefix=http://127.0.0.1:{port}"
    application = create_app(
        media_settings(tmp_path, CLOUDINARY_URL=url), database_url=database_url
    )
    transport = httpx.ASGITransport(app=application)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            someone = await person(http, db_engine, 1)
            response = await post_image(http, someone.headers, image_bytes("PNG"), name="a.png")
    finally:
        await application.state.db.dispose()

    assert response.status_code == 503, response.text
    assert response.json()["error"] == "StorageUnavailable"
    assert await media_rows(db_engine) == []
