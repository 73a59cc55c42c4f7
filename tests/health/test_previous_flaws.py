"""The previous back end's flaws in the directory, each with a test that it is absent here
(reference/previous-backend.md): unauthenticated CRUD on `/etablissements` and
`/liste-numero-vert`, F-15 (coordinates interpolated into SQL), S-4 (self-registered
establishments never geolocated, so never "near"), and "urgence" rejected as a category
filter (404)."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.models import EtablissementSante, JournalAudit
from tests.auth.helpers import bearer
from tests.health.helpers import create
from tests.wallet.helpers import admin_token, person

BODY = {
    "nom": "Clinique Pirate",
    "categorie": "clinique",
    "region": "Abidjan",
    "lat": 5.3,
    "lon": -4.0,
}


class TestUnauthenticatedCrud:
    async def test_anonymous_and_users_cannot_create_edit_merge_or_hide(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        kept = await create(client, admin, nom="Clinique A", lat=5.3, lon=-4.0)
        target = kept["id_etablissement"]
        user = await person(client, db_engine, 2)
        attempts = [
            ("POST", "/api/admin/etablissements", BODY),
            ("PATCH", f"/api/admin/etablissements/{target}", {"visible": False}),
            ("POST", f"/api/admin/etablissements/{target}/fusion", {"id_cible": 1, "motif": "x"}),
            ("GET", f"/api/admin/etablissements/{target}", None),
        ]
        for method, path, body in attempts:
            anonymous = await client.request(method, path, json=body)
            assert anonymous.status_code == 401, (method, path)
            refused = await client.request(method, path, json=body, headers=user.headers)
            assert refused.status_code == 403, (method, path)
        # The old public routes do not exist.
        for method, path in [
            ("POST", "/etablissements"),
            ("DELETE", f"/etablissements/{target}"),
            ("PUT", f"/api/etablissements/{target}"),
            ("DELETE", f"/api/etablissements/{target}"),
        ]:
            assert (await client.request(method, path, json=BODY)).status_code in {404, 405}
        async with AsyncSession(db_engine) as session:
            count = await session.scalar(select(func.count()).select_from(EtablissementSante))
            row = await session.get(EtablissementSante, target)
        assert count == 1
        assert row is not None
        assert row.visible is True


class TestSqlInjection:
    """F-15: `POST /etablissements` interpolated latitude/longitude into `ST_MakePoint(...)`."""

    async def test_coordinates_are_numbers_bound_as_parameters(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        injected = {**BODY, "lat": "5.3); DROP TABLE etablissement_sante; --"}
        response = await client.post(
            "/api/admin/etablissements", json=injected, headers=bearer(admin)
        )
        assert response.status_code == 422
        assert response.json()["message"].startswith("lat : ")
        named = {**BODY, "nom": "x'); DROP TABLE etablissement_sante; --"}
        created = await client.post("/api/admin/etablissements", json=named, headers=bearer(admin))
        assert created.status_code == 201
        found = await client.get(
            "/api/etablissements/recherche", params={"q": "x'); DROP TABLE etablissement_sante"}
        )
        assert found.status_code == 200
        async with AsyncSession(db_engine) as session:
            assert await session.scalar(select(func.count()).select_from(EtablissementSante)) == 1


class TestAlwaysGeolocated:
    """S-4: establishments registered or edited outside the admin CRUD had no position."""

    async def test_a_created_or_moved_establishment_is_near_at_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        created = await create(client, admin, nom="Clinique Neuve", lat=5.30, lon=-4.00)
        near = await client.get(
            "/api/etablissements/proches", params={"lat": 5.30, "lon": -4.00, "rayon": 500}
        )
        assert [i["nom"] for i in near.json()["data"]] == ["Clinique Neuve"]
        moved = await client.patch(
            f"/api/admin/etablissements/{created['id_etablissement']}",
            json={"lat": 7.69, "lon": -5.03, "region": "Vallée du Bandama", "ville": "Bouaké"},
            headers=bearer(admin),
        )
        assert moved.status_code == 200, moved.text
        old_place = await client.get(
            "/api/etablissements/proches", params={"lat": 5.30, "lon": -4.00, "rayon": 500}
        )
        assert old_place.json()["data"] == []
        new_place = await client.get(
            "/api/etablissements/proches", params={"lat": 7.69, "lon": -5.03, "rayon": 500}
        )
        assert [i["nom"] for i in new_place.json()["data"]] == ["Clinique Neuve"]
        by_town = await client.get("/api/etablissements/recherche", params={"q": "bouake"})
        assert [i["nom"] for i in by_town.json()["data"]] == ["Clinique Neuve"]
        async with AsyncSession(db_engine) as session:
            audited = await session.scalar(
                select(func.count())
                .select_from(JournalAudit)
                .where(JournalAudit.action.like("etablissement.%"))
            )
        assert audited == 2

    async def test_creation_requires_a_position(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        body = {k: v for k, v in BODY.items() if k != "lat"}
        response = await client.post("/api/admin/etablissements", json=body, headers=bearer(admin))
        assert response.status_code == 422
        assert response.json()["message"] == "lat : Ce champ est obligatoire."


class TestEmergencyFilter:
    async def test_urgences_is_a_filter_not_a_404(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        await create(client, admin, nom="Urgences A", lat=5.3, lon=-4.0, urgences=True)
        await create(client, admin, nom="Clinique B", lat=5.3, lon=-4.001)
        for path in ["/api/etablissements", "/api/etablissements/proches"]:
            response = await client.get(path, params={"urgences": "true", "lat": 5.3, "lon": -4.0})
            assert response.status_code == 200
            assert [i["nom"] for i in response.json()["data"]] == ["Urgences A"]
