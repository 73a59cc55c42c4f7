"""Each wallet's static QR code: any amount, one per account, drawn as PNG and SVG."""

from __future__ import annotations

import asyncio

import httpx
import segno
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import assert_failure, count
from tests.factories import execute, numbered
from tests.qr.helpers import (
    PAYLOAD,
    app_ring,
    person,
    rasterize_svg,
    read_png,
    read_qr,
    static_payload,
)


class TestStaticCode:
    async def test_created_on_first_use_then_the_same(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        assert await count(db_engine, "qr_code_paiement") == 0
        response = await client.get("/api/qr/statique", headers=awa.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["success"] is True
        data = body["data"]
        assert data["type_qr"] == "statique"
        assert data["montant"] is None
        assert data["date_expiration"] is None
        assert data["devise"] == "XOF"
        assert data["statut"] == "actif"
        assert PAYLOAD.fullmatch(data["payload"])
        assert data["payload"].split(".")[2] == data["code"]
        assert data["images"] == {
            "png": "/api/qr/statique.png",
            "svg": "/api/qr/statique.svg",
        }
        assert await static_payload(client, awa) == data["payload"]
        assert await count(db_engine, "qr_code_paiement") == 1

    async def test_one_per_account_under_concurrent_first_requests(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        responses = await asyncio.gather(
            *(client.get("/api/qr/statique", headers=awa.headers) for _ in range(10))
        )
        assert [response.status_code for response in responses] == [200] * 10
        assert len({response.json()["data"]["payload"] for response in responses}) == 1
        assert await count(db_engine, "qr_code_paiement") == 1

    async def test_each_person_has_their_own(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, kofi = await numbered(person, client, db_engine, 2)
        assert await static_payload(client, awa) != await static_payload(client, kofi)

    async def test_payload_carries_no_personal_data(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, prenom="Awadjo", nom="Kouassi")
        payload = await static_payload(client, awa)
        assert len(payload) <= 50
        assert segno.make(payload, error="m").mode == "alphanumeric"
        for personal in (
            awa.phone,
            awa.phone[-8:],
            awa.numero_compte,
            awa.numero_compte[2:],
            "AWADJO",
            "KOUASSI",
            "@",
        ):
            assert personal not in payload.upper(), personal
        # Beyond the version and the key id, only the random code and its signature.
        version, kid, code, _ = payload.split(".")
        assert (version, kid) == ("HL1", app_ring().current.upper())
        async with db_engine.connect() as connection:
            stored = await connection.scalar(text("SELECT code FROM qr_code_paiement"))
        assert code == stored

    async def test_frozen_wallet_gets_no_code(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        await execute(
            db_engine, "UPDATE compte SET statut = 'gele' WHERE id_compte = :id", id=awa.id_compte
        )
        response = await client.get("/api/qr/statique", headers=awa.headers)
        assert_failure(response, 403, "WalletCannotReceive")
        assert await count(db_engine, "qr_code_paiement") == 0

    async def test_requires_a_token(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        for path in ("/api/qr/statique", "/api/qr/statique.png", "/api/qr/statique.svg"):
            assert_failure(await client.get(path), 401)


class TestStaticImages:
    async def test_png_scans_back_to_the_payload(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        response = await client.get("/api/qr/statique.png", headers=awa.headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert response.headers["cache-control"].startswith("private, max-age=")
        assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert read_png(response.content) == [await static_payload(client, awa)]

    async def test_svg_scans_back_to_the_payload(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        response = await client.get("/api/qr/statique.svg", headers=awa.headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.headers["cache-control"].startswith("private, max-age=")
        assert read_qr(rasterize_svg(response.content)) == [await static_payload(client, awa)]

    async def test_image_first_creates_the_code_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        png = await client.get("/api/qr/statique.png", headers=awa.headers)
        svg = await client.get("/api/qr/statique.svg", headers=awa.headers)
        assert read_png(png.content) == read_qr(rasterize_svg(svg.content))
        assert await count(db_engine, "qr_code_paiement") == 1
