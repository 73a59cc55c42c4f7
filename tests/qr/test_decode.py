"""Reading a payment QR code from an uploaded photo or screenshot (multipart/form-data,
field `image`): the type is sniffed from the bytes; uploads may exceed the JSON limit."""

from __future__ import annotations

import io

import httpx
import pytest
import segno
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import assert_failure
from tests.factories import numbered
from tests.qr.helpers import (
    Person,
    create_dynamic,
    expire,
    person,
    photo_of,
    png_of,
    static_payload,
)

JSON_LIMIT = 256 * 1024
UPLOAD_LIMIT = 8 * 1024 * 1024


async def _decode(
    client: httpx.AsyncClient,
    who: Person,
    content: bytes,
    *,
    filename: str = "photo.jpg",
    declared: str = "image/jpeg",
) -> httpx.Response:
    return await client.post(
        "/api/qr/decoder", files={"image": (filename, content, declared)}, headers=who.headers
    )


def _encoded(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=kind)
    return out.getvalue()


def _qr_image(text: str, *, scale: int = 8) -> Image.Image:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=4)
    return Image.open(out).convert("L")


class TestReading:
    async def test_the_png_we_serve(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 1, prenom="Awa", nom="Kouassi")
        kofi = await person(client, db_engine, 2)
        data = await create_dynamic(client, awa, 3000, libelle="Consultation")
        png = (await client.get(data["images"]["png"], headers=awa.headers)).content
        response = await _decode(client, kofi, png, filename="qr.png", declared="image/png")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["success"] is True
        assert body["data"]["payload"] == data["payload"]
        resolution = body["data"]["resolution"]
        assert resolution["montant"] == 3000
        assert resolution["libelle"] == "Consultation"
        assert resolution["destinataire"]["nom_affiche"] == "Awa K."
        assert resolution["destinataire"]["telephone_masque"] == "+225 07 •• •• •• 01"

    async def test_a_phone_photo_larger_than_a_json_body(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, kofi = await numbered(person, client, db_engine, 2)
        payload = await static_payload(client, awa)
        photo = photo_of(payload)
        assert JSON_LIMIT < len(photo) < UPLOAD_LIMIT
        response = await _decode(client, kofi, photo)
        assert response.status_code == 200, response.text
        assert response.json()["data"]["payload"] == payload
        assert response.json()["data"]["resolution"]["type_qr"] == "statique"

    async def test_a_twelve_megapixel_photo(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        payload = await static_payload(client, awa)
        photo = photo_of(payload, size=(4000, 3000), seed=11)
        response = await _decode(client, awa, photo)
        assert response.status_code == 200, response.text
        assert response.json()["data"]["payload"] == payload

    async def test_a_tiny_code_in_a_large_image_is_read_at_full_resolution(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        """Reading starts at 2000 px; 1-pixel modules only survive at the original size."""
        awa = await person(client, db_engine)
        payload = await static_payload(client, awa)
        scan = Image.new("L", (4000, 3000), 200)
        scan.paste(_qr_image(payload, scale=1), (2001, 1501))
        response = await _decode(client, awa, png_of(scan), declared="image/png")
        assert response.status_code == 200, response.text
        assert response.json()["data"]["payload"] == payload

    async def test_a_webp_screenshot_with_a_transparent_background(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        payload = await static_payload(client, awa)
        qr = _qr_image(payload)
        transparent = Image.new("LA", qr.size, (0, 0))
        transparent.putalpha(Image.eval(qr, lambda value: 255 - value))  # black modules only
        for kind in ("PNG", "WEBP"):
            content = _encoded(transparent.convert("RGBA"), kind)
            response = await _decode(client, awa, content, declared="application/octet-stream")
            assert response.status_code == 200, (kind, response.text)
            assert response.json()["data"]["payload"] == payload

    async def test_ours_is_chosen_among_several_codes(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        payload = await static_payload(client, awa)
        other, ours = _qr_image("https://exemple.ci/menu"), _qr_image(payload)
        poster = Image.new(
            "L", (other.width + ours.width + 100, max(other.height, ours.height)), 255
        )
        poster.paste(other, (0, 0))
        poster.paste(ours, (other.width + 100, 0))
        response = await _decode(client, awa, png_of(poster), declared="image/png")
        assert response.status_code == 200, response.text
        assert response.json()["data"]["payload"] == payload


class TestRefusals:
    async def test_no_qr_code_on_the_image(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        blank = _encoded(Image.new("RGB", (800, 600), "white"), "JPEG")
        response = await _decode(client, awa, blank)
        assert_failure(response, 422, "NoQrCodeFound")
        assert response.json()["message"] == "Aucun QR code lisible sur cette image"

    async def test_a_qr_code_that_is_not_ours(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        content = png_of(_qr_image("https://exemple.ci/payer?montant=5000"))
        assert_failure(await _decode(client, awa, content), 400, "MalformedQrCode")

    async def test_an_expired_code(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        awa = await person(client, db_engine)
        data = await create_dynamic(client, awa)
        await expire(db_engine, data["code"])
        response = await _decode(client, awa, png_of(_qr_image(data["payload"])))
        assert_failure(response, 410, "QrCodeExpired")

    @pytest.mark.parametrize(
        ("content", "declared"),
        [
            pytest.param(b"%PDF-1.7 not an image at all", "image/jpeg", id="pdf-as-jpeg"),
            pytest.param(b"bonjour", "text/plain", id="text"),
            pytest.param(_encoded(Image.new("L", (300, 300), 255), "GIF"), "image/gif", id="gif"),
            pytest.param(
                _encoded(Image.new("L", (300, 300), 255), "BMP"), "image/png", id="bmp-as-png"
            ),
        ],
    )
    async def test_not_a_jpeg_png_or_webp_is_415(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, content: bytes, declared: str
    ) -> None:
        awa = await person(client, db_engine)
        response = await _decode(client, awa, content, declared=declared)
        assert_failure(response, 415, "UnsupportedImage")
        assert "JPEG, PNG ou WebP" in response.json()["message"]

    async def test_a_truncated_photo_is_422(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        photo = photo_of("HL1.1.AAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAA")
        response = await _decode(client, awa, photo[: len(photo) // 3])
        assert_failure(response, 422, "UnreadableImage")

    async def test_an_empty_file_is_422(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        assert_failure(await _decode(client, awa, b""), 422, "UnreadableImage")

    async def test_missing_image_field_is_422(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        response = await client.post(
            "/api/qr/decoder", files={"photo": ("a.png", b"x", "image/png")}, headers=awa.headers
        )
        assert_failure(response, 422, "ValidationError")
        assert response.json()["champs"][0]["champ"] == "image"

    async def test_a_json_body_is_422(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        response = await client.post(
            "/api/qr/decoder", json={"image": "aGVsbG8="}, headers=awa.headers
        )
        assert_failure(response, 422, "ValidationError")

    async def test_requires_a_token(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        response = await client.post(
            "/api/qr/decoder", files={"image": ("a.png", b"x", "image/png")}
        )
        assert_failure(response, 401)


class TestSizeLimits:
    async def test_an_upload_above_the_upload_limit_is_413(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        response = await _decode(client, awa, b"\xff\xd8\xff" + b"0" * UPLOAD_LIMIT)
        assert_failure(response, 413, "PayloadTooLarge")

    async def test_json_keeps_its_smaller_limit(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        response = await client.post(
            "/api/qr/resoudre",
            json={"payload": "x", "padding": "x" * JSON_LIMIT},
            headers=awa.headers,
        )
        assert_failure(response, 413, "PayloadTooLarge")
