"""Uploading images to local storage: what is accepted, what is cleaned, what is refused."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.media.conftest import MAX_SIDE
from tests.media.helpers import (
    GPS_IFD,
    bomb_png,
    exif_bytes,
    image_bytes,
    media_rows,
    noise_png,
    post_image,
)
from tests.wallet.helpers import person

FORMATS = [
    ("JPEG", "image/jpeg", "jpg"),
    ("PNG", "image/png", "png"),
    ("WEBP", "image/webp", "webp"),
]


def stored_file(data_dir: Path, row: dict[str, Any]) -> Path:
    return data_dir / "media" / str(row["cle_stockage"])


class TestAccepted:
    @pytest.mark.parametrize("case", FORMATS, ids=[fmt for fmt, _, _ in FORMATS])
    async def test_image_is_stored_upright_without_exif(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        tmp_path: Path,
        case: tuple[str, str, str],
    ) -> None:
        fmt, mime, extension = case
        someone = await person(client, db_engine, 1)
        original = image_bytes(fmt, (120, 80))
        assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test's premise

        response = await post_image(client, someone.headers, original, name="IMG_0001.jpg")

        assert response.status_code == 201, response.text
        data = response.json()["data"]
        # Orientation 6 applied to the pixels: the 120 × 80 landscape stands up as 80 × 120.
        assert (data["largeur"], data["hauteur"]) == (80, 120)
        assert data["type_mime"] == mime
        [row] = await media_rows(db_engine)
        assert row["id_media"] == data["id_media"]
        assert row["stockage"] == "local"
        assert row["usage"] == "publication"
        assert row["prive"] is False
        assert row["cle_stockage"].endswith("." + extension)
        assert "IMG_0001" not in row["cle_stockage"]
        assert data["url"] == f"https://api.example.test/media/{row['cle_stockage']}"
        stored = stored_file(tmp_path, row).read_bytes()
        assert len(stored) == data["taille_octets"] == row["taille_octets"]
        reopened = Image.open(io.BytesIO(stored))
        assert reopened.format == fmt
        assert not reopened.getexif()
        assert b"Exif" not in stored
        assert "TéléphoneCam".encode() not in stored

    async def test_owner_is_the_caller(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        someone = await person(client, db_engine, 1)
        me = (await client.get("/api/user/me", headers=someone.headers)).json()["data"]

        response = await post_image(client, someone.headers, image_bytes("PNG"), name="a.png")

        assert response.status_code == 201, response.text
        [row] = await media_rows(db_engine)
        assert row["id_user"] == me["id_user"]

    async def test_phone_mpo_photo_is_kept_as_its_first_frame(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, tmp_path: Path
    ) -> None:
        someone = await person(client, db_engine, 1)
        main, depth = Image.new("RGB", (100, 50), "red"), Image.new("RGB", (50, 25), "blue")
        out = io.BytesIO()
        main.save(out, format="MPO", save_all=True, append_images=[depth], exif=exif_bytes())

        response = await post_image(client, someone.headers, out.getvalue())

        assert response.status_code == 201, response.text
        [row] = await media_rows(db_engine)
        stored = Image.open(stored_file(tmp_path, row))
        assert (stored.format, stored.size) == ("JPEG", (50, 100))
        assert not stored.getexif()


class TestRefused:
    @pytest.mark.parametrize(
        "content",
        [
            b"Ceci n'est pas une image.",
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
            image_bytes("GIF", exif=False),
        ],
        ids=["text", "pdf", "gif"],
    )
    async def test_not_jpeg_png_or_webp(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, tmp_path: Path, content: bytes
    ) -> None:
        someone = await person(client, db_engine, 1)

        response = await post_image(client, someone.headers, content, name="photo.jpg")

        assert response.status_code == 415, response.text
        body = response.json()
        assert body["success"] is False
        assert body["message"].startswith("Format d'image non pris en charge")
        assert await media_rows(db_engine) == []
        assert not (tmp_path / "media").exists()

    async def test_too_many_bytes(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        someone = await person(client, db_engine, 1)
        heavy = noise_png(300)  # about 270 kB, above the 200 kB of the test app

        response = await post_image(client, someone.headers, heavy, name="a.png")

        assert response.status_code == 413, response.text
        assert response.json()["message"].startswith("Image trop volumineuse")
        assert await media_rows(db_engine) == []

    async def test_too_wide(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        someone = await person(client, db_engine, 1)
        wide = image_bytes("PNG", (MAX_SIDE + 1, 10), exif=False)

        response = await post_image(client, someone.headers, wide, name="a.png")

        assert response.status_code == 422, response.text
        assert response.json()["message"] == (
            f"Cette image est trop grande : {MAX_SIDE} pixels de côté au plus."
        )
        assert await media_rows(db_engine) == []

    async def test_decompression_bomb(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        someone = await person(client, db_engine, 1)
        bomb = bomb_png(30_000, 30_000)
        assert len(bomb) < 200

        response = await post_image(client, someone.headers, bomb, name="a.png")

        assert response.status_code == 422, response.text
        assert response.json()["message"] == "Cette image a trop de pixels."

    async def test_unknown_usage(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        someone = await person(client, db_engine, 1)

        response = await post_image(
            client, someone.headers, image_bytes("PNG"), name="a.png", usage="avatar"
        )

        assert response.status_code == 422, response.text
        assert "usage" in response.json()["message"]
        assert await media_rows(db_engine) == []

    async def test_anonymous(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        response = await post_image(client, {}, image_bytes("PNG"), name="a.png")

        assert response.status_code == 401
        assert await media_rows(db_engine) == []


class TestServedLocally:
    async def test_public_file_with_cache_and_nosniff(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, tmp_path: Path
    ) -> None:
        someone = await person(client, db_engine, 1)
        uploaded = await post_image(client, someone.headers, image_bytes("WEBP"), name="a.webp")
        url = uploaded.json()["data"]["url"]
        [row] = await media_rows(db_engine)

        response = await client.get(url.removeprefix("https://api.example.test"))

        assert response.status_code == 200
        assert response.content == stored_file(tmp_path, row).read_bytes()
        assert response.headers["content-type"] == "image/webp"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"

    @pytest.mark.parametrize(
        "key", ["x" * 32 + ".jpg", "..%2Fsecret_key", "%2E%2E%2Fmedia_prive%2Fx.jpg", "a.gif"]
    )
    async def test_unknown_or_foreign_key(self, client: httpx.AsyncClient, key: str) -> None:
        response = await client.get(f"/media/{key}")

        assert response.status_code == 404
        assert response.json()["success"] is False

    async def test_identity_documents_only_go_through_the_kyc_request(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, tmp_path: Path
    ) -> None:
        """Stored privately by POST /api/verifications-identite (tests/kyc); never here, where
        nothing would review them."""
        someone = await person(client, db_engine, 1)

        response = await post_image(client, someone.headers, image_bytes("JPEG"), usage="identite")

        assert response.status_code == 422, response.text
        assert "verifications-identite" in response.json()["message"]
        assert await media_rows(db_engine) == []
        assert not (tmp_path / "media_prive").exists()
