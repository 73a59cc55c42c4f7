"""Dynamic QR codes: a fixed amount, an expiry, single use; listed, drawn and revoked by
their owner only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.kit.money import MAX_AMOUNT
from tests.auth.helpers import assert_failure, count
from tests.factories import execute, numbered
from tests.qr.helpers import (
    PAYLOAD,
    create_dynamic,
    expire,
    person,
    rasterize_svg,
    read_png,
    read_qr,
    static_payload,
)


def _lifetime(data: dict[str, Any]) -> float:
    created = datetime.fromisoformat(data["date_creation"])
    expires = datetime.fromisoformat(data["date_expiration"])
    return (expires - created).total_seconds()


class TestCreation:
    async def test_created_with_the_default_lifetime(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        response = await client.post(
            "/api/qr/dynamique",
            json={"montant": 2500, "libelle": "  Consultation   du 3 mars "},
            headers=awa.headers,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["success"] is True
        assert body["message"]
        data = body["data"]
        assert data["type_qr"] == "dynamique"
        assert data["montant"] == 2500
        assert data["devise"] == "XOF"
        assert data["libelle"] == "Consultation du 3 mars"
        assert data["statut"] == "actif"
        assert PAYLOAD.fullmatch(data["payload"])
        assert data["payload"].split(".")[2] == data["code"]
        assert data["images"] == {
            "png": f"/api/qr/{data['code']}.png",
            "svg": f"/api/qr/{data['code']}.svg",
        }
        assert _lifetime(data) == 15 * 60

    async def test_chosen_lifetime(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        awa = await person(client, db_engine)
        data = await create_dynamic(client, awa, 1000, duree_secondes=45)
        assert _lifetime(data) == 45
        assert data["libelle"] is None

    async def test_several_codes_for_the_same_amount_are_distinct(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        first = await create_dynamic(client, awa, 1000)
        second = await create_dynamic(client, awa, 1000)
        assert first["code"] != second["code"]
        assert first["payload"] != await static_payload(client, awa)

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param({"montant": 0}, id="zero"),
            pytest.param({"montant": -500}, id="negative"),
            pytest.param({"montant": 500.5}, id="fraction"),
            pytest.param({"montant": 500.0}, id="float"),
            pytest.param({"montant": "500"}, id="string"),
            pytest.param({"montant": True}, id="boolean"),
            pytest.param({"montant": None}, id="null"),
            pytest.param({}, id="missing"),
            pytest.param({"montant": MAX_AMOUNT + 1}, id="too-large"),
            pytest.param({"montant": 500, "libelle": "x" * 141}, id="label-too-long"),
            pytest.param({"montant": 500, "duree_secondes": 29}, id="lifetime-too-short"),
            pytest.param({"montant": 500, "duree_secondes": 8 * 24 * 3600}, id="too-long"),
            pytest.param({"montant": 500, "duree_secondes": 60.5}, id="lifetime-float"),
        ],
    )
    async def test_invalid_body_is_422(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, body: dict[str, Any]
    ) -> None:
        awa = await person(client, db_engine)
        response = await client.post("/api/qr/dynamique", json=body, headers=awa.headers)
        assert_failure(response, 422, "ValidationError")
        assert await count(db_engine, "qr_code_paiement") == 0

    @pytest.mark.parametrize("statut", ["gele", "ferme"])
    async def test_refused_for_a_frozen_or_closed_wallet(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, statut: str
    ) -> None:
        awa = await person(client, db_engine)
        await execute(
            db_engine,
            "UPDATE compte SET statut = :statut WHERE id_compte = :id",
            statut=statut,
            id=awa.id_compte,
        )
        response = await client.post(
            "/api/qr/dynamique", json={"montant": 500}, headers=awa.headers
        )
        assert_failure(response, 403, "WalletCannotReceive")
        assert await count(db_engine, "qr_code_paiement") == 0

    async def test_requires_a_token(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        assert_failure(await client.post("/api/qr/dynamique", json={"montant": 500}), 401)


class TestListing:
    async def test_my_valid_codes_newest_first(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, kofi = await numbered(person, client, db_engine, 2)
        first = await create_dynamic(client, awa, 100)
        second = await create_dynamic(client, awa, 200)
        third = await create_dynamic(client, awa, 300)
        expired = await create_dynamic(client, awa, 400)
        revoked = await create_dynamic(client, awa, 500)
        await create_dynamic(client, kofi, 600)
        await static_payload(client, awa)
        await expire(db_engine, expired["code"])
        response = await client.post(f"/api/qr/{revoked['code']}/revoquer", headers=awa.headers)
        assert response.status_code == 200
        response = await client.get("/api/qr/dynamique", headers=awa.headers)
        assert response.status_code == 200
        listed = response.json()["data"]
        assert [item["code"] for item in listed] == [
            third["code"],
            second["code"],
            first["code"],
        ]
        assert listed[0]["payload"] == third["payload"]

    async def test_nothing_yet(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        awa = await person(client, db_engine)
        response = await client.get("/api/qr/dynamique", headers=awa.headers)
        assert response.json() == {"success": True, "data": []}


class TestImages:
    async def test_png_and_svg_scan_back_to_the_payload(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        data = await create_dynamic(client, awa)
        png = await client.get(data["images"]["png"], headers=awa.headers)
        assert png.status_code == 200
        assert png.headers["content-type"] == "image/png"
        assert "no-store" in png.headers["cache-control"]
        assert read_png(png.content) == [data["payload"]]
        svg = await client.get(data["images"]["svg"], headers=awa.headers)
        assert svg.status_code == 200
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert read_qr(rasterize_svg(svg.content)) == [data["payload"]]

    async def test_another_person_cannot_fetch_my_code(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, kofi = await numbered(person, client, db_engine, 2)
        data = await create_dynamic(client, awa)
        for path in data["images"].values():
            assert_failure(await client.get(path, headers=kofi.headers), 404, "QrCodeNotFound")

    @pytest.mark.parametrize("code", ["AAAAAAAAAAAA", "nimportequoi", "A" * 200, "statique2"])
    async def test_unknown_code_is_404(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, code: str
    ) -> None:
        awa = await person(client, db_engine)
        assert_failure(await client.get(f"/api/qr/{code}.png", headers=awa.headers), 404)

    async def test_a_revoked_code_is_not_drawn(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        data = await create_dynamic(client, awa)
        await client.post(f"/api/qr/{data['code']}/revoquer", headers=awa.headers)
        response = await client.get(data["images"]["png"], headers=awa.headers)
        assert_failure(response, 410, "QrCodeRevoked")


class TestRevocation:
    async def test_owner_revokes_and_the_code_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, kofi = await numbered(person, client, db_engine, 2)
        data = await create_dynamic(client, awa)
        response = await client.post(f"/api/qr/{data['code']}/revoquer", headers=awa.headers)
        assert response.status_code == 200, response.text
        assert response.json()["data"]["statut"] == "revoque"
        again = await client.post(f"/api/qr/{data['code']}/revoquer", headers=awa.headers)
        assert again.status_code == 200
        resolved = await client.post(
            "/api/qr/resoudre", json={"payload": data["payload"]}, headers=kofi.headers
        )
        assert_failure(resolved, 410, "QrCodeRevoked")

    async def test_another_person_cannot_revoke_my_code(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, kofi = await numbered(person, client, db_engine, 2)
        data = await create_dynamic(client, awa)
        response = await client.post(f"/api/qr/{data['code']}/revoquer", headers=kofi.headers)
        assert_failure(response, 404, "QrCodeNotFound")
        resolved = await client.post(
            "/api/qr/resoudre", json={"payload": data["payload"]}, headers=kofi.headers
        )
        assert resolved.status_code == 200

    async def test_the_static_code_cannot_be_revoked(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        code = (await static_payload(client, awa)).split(".")[2]
        response = await client.post(f"/api/qr/{code}/revoquer", headers=awa.headers)
        assert_failure(response, 409, "StaticQrNotRevocable")

    async def test_a_paid_code_cannot_be_revoked(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        data = await create_dynamic(client, awa)
        await execute(
            db_engine,
            "UPDATE qr_code_paiement SET statut = 'utilise', date_utilisation = now() "
            "WHERE code = :code",
            code=data["code"],
        )
        response = await client.post(f"/api/qr/{data['code']}/revoquer", headers=awa.headers)
        assert_failure(response, 409, "QrCodeAlreadyPaid")
