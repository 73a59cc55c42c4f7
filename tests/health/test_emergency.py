"""The national emergency numbers: seeded once, served with an ETag, edited by admins."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.health.emergency import NATIONAL, sync_emergency_numbers
from hostolink.models import JournalAudit, ListeNumeroEtablissementSante
from tests.auth.helpers import bearer
from tests.wallet.helpers import admin_token, person


async def numbers(client: httpx.AsyncClient) -> httpx.Response:
    response = await client.get("/api/numeros-urgence")
    assert response.status_code == 200, response.text
    return response


class TestPublicList:
    async def test_the_national_numbers_with_tel_links(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        data = (await numbers(client)).json()["data"]
        by_number = {item["numero"]: item for item in data}
        assert by_number["185"]["service"] == "SAMU"
        assert by_number["185"]["appel"] == "tel:185"
        assert by_number["185"]["confiance"] == "confirme"
        assert by_number["180"]["service"] == "Sapeurs-pompiers (GSPM)"
        assert by_number["170"]["service"] == "Police secours"
        assert by_number["+2250789323232"]["appel"] == "tel:+2250789323232"
        assert by_number["111"]["confiance"] == "a_verifier"
        assert [item["numero"] for item in data][:3] == ["185", "180", "170"]
        assert len(data) == len(NATIONAL)
        # Small enough to keep offline on a phone.
        assert len((await numbers(client)).content) < 8_000

    async def test_etag_and_cache_headers(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        first = await numbers(client)
        etag = first.headers["etag"]
        assert first.headers["cache-control"].startswith("public, max-age=")
        again = await client.get("/api/numeros-urgence", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        stale = await client.get("/api/numeros-urgence", headers={"If-None-Match": '"autre"'})
        assert stale.status_code == 200


class TestAdministration:
    async def test_edit_withdraw_add_change_the_etag_and_are_audited(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        before = await numbers(client)
        samu = next(i for i in before.json()["data"] if i["numero"] == "185")
        edited = await client.patch(
            f"/api/admin/numeros-urgence/{samu['id_numero']}",
            json={"description": "Urgences médicales, appel gratuit."},
            headers=bearer(admin),
        )
        assert edited.status_code == 200, edited.text
        after_edit = await numbers(client)
        assert after_edit.headers["etag"] != before.headers["etag"]
        police = next(i for i in before.json()["data"] if i["numero"] == "111")
        withdrawn = await client.delete(
            f"/api/admin/numeros-urgence/{police['id_numero']}", headers=bearer(admin)
        )
        assert withdrawn.status_code == 204
        added = await client.post(
            "/api/admin/numeros-urgence",
            json={"service": "Centre antipoison", "numero": "27 22 44 00 00", "libelle": "INSP"},
            headers=bearer(admin),
        )
        assert added.status_code == 201, added.text
        assert added.json()["data"]["numero"] == "+2252722440000"
        listed = {i["numero"] for i in (await numbers(client)).json()["data"]}
        assert "111" not in listed
        assert "+2252722440000" in listed
        async with AsyncSession(db_engine) as session:
            actions = set(await session.scalars(select(JournalAudit.action)))
        assert {
            "numero_urgence.modification",
            "numero_urgence.retrait",
            "numero_urgence.creation",
        } <= actions

    async def test_reseeding_neither_overwrites_nor_resurrects(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        data = (await numbers(client)).json()["data"]
        samu = next(i for i in data if i["numero"] == "185")
        police = next(i for i in data if i["numero"] == "111")
        await client.patch(
            f"/api/admin/numeros-urgence/{samu['id_numero']}",
            json={"libelle": "SAMU — Urgences"},
            headers=bearer(admin),
        )
        await client.delete(
            f"/api/admin/numeros-urgence/{police['id_numero']}", headers=bearer(admin)
        )
        async with AsyncSession(db_engine) as session, session.begin():
            await sync_emergency_numbers(session)
            await sync_emergency_numbers(session)
            total = await session.scalar(
                select(func.count()).select_from(ListeNumeroEtablissementSante)
            )
        assert total == len(NATIONAL)
        after = {i["numero"]: i for i in (await numbers(client)).json()["data"]}
        assert after["185"]["libelle"] == "SAMU — Urgences"
        assert "111" not in after

    async def test_strangers_cannot_edit(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        user = await person(client, db_engine, 1)
        body = {"service": "Faux", "numero": "112", "libelle": "Faux"}
        anonymous = await client.post("/api/admin/numeros-urgence", json=body)
        assert anonymous.status_code == 401
        refused = await client.post("/api/admin/numeros-urgence", json=body, headers=user.headers)
        assert refused.status_code == 403
        assert refused.json()["message"] == "Permission requise : annuaire:gerer."
        edit = await client.patch("/api/admin/numeros-urgence/1", json={"numero": "112"})
        assert edit.status_code == 401
        delete = await client.delete("/api/admin/numeros-urgence/1", headers=user.headers)
        assert delete.status_code == 403
        assert len((await numbers(client)).json()["data"]) == len(NATIONAL)

    async def test_unknown_number_and_bad_input(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        missing = await client.patch(
            "/api/admin/numeros-urgence/999999", json={"libelle": "x"}, headers=bearer(admin)
        )
        assert missing.status_code == 404
        assert missing.json()["message"] == "Numéro d'urgence introuvable."
        bad = await client.post(
            "/api/admin/numeros-urgence",
            json={"service": "Xy", "numero": "pas un numéro", "libelle": "X"},
            headers=bearer(admin),
        )
        assert bad.status_code == 400
        assert bad.json()["message"].startswith("Numéro de téléphone invalide")
