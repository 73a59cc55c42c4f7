"""Near me, search, lists and detail over establishments created through the admin API."""

from __future__ import annotations

import math
import random
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.health.categories import LABELS
from hostolink.health.opendata.seed import seed_directory
from hostolink.health.schemas import Category, Confidence, NumberType, Sector
from hostolink.models.etablissement_sante import CATEGORIES, SECTEURS
from hostolink.models.liste_numero_etablissement_sante import CONFIANCES, TYPES_NUMERO
from tests.auth.helpers import bearer
from tests.health.helpers import PLACES, PLATEAU, create, create_places
from tests.wallet.helpers import admin_token


async def near(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    query = {"lat": PLATEAU[0], "lon": PLATEAU[1], **params}
    response = await client.get("/api/etablissements/proches", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def names(body: dict[str, Any]) -> list[str]:
    return [item["nom"] for item in body["data"]]


class TestVocabularies:
    def test_api_literals_match_the_database_checks(self) -> None:
        assert set(Category.__args__) == set(CATEGORIES)  # type: ignore[attr-defined]
        assert set(Sector.__args__) == set(SECTEURS)  # type: ignore[attr-defined]
        assert set(NumberType.__args__) == set(TYPES_NUMERO)  # type: ignore[attr-defined]
        assert set(Confidence.__args__) == set(CONFIANCES)  # type: ignore[attr-defined]
        assert set(LABELS) == set(CATEGORIES)


class TestNearMe:
    async def test_sorted_by_distance_with_haversine_metres(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        await create_places(client, admin)
        body = await near(client, rayon=400_000)
        assert names(body) == [
            "Pharmacie du Plateau",
            "CHU de Treichville",
            "CHU de Cocody",
            "CHU de Bouaké",
            "CHR de San-Pédro",
        ]
        assert body["rayon_m"] == 400_000
        for item in body["data"]:
            expected = PLACES[item["nom"]][2]
            assert abs(item["distance_m"] - expected) <= 1, (item["nom"], item["distance_m"])
        from_bouake = await client.get(
            "/api/etablissements/proches",
            params={"lat": 7.6906, "lon": -5.0300, "rayon": 400_000},
        )
        data = from_bouake.json()["data"]
        assert [i["nom"] for i in data] == [
            "CHU de Bouaké",
            "CHU de Cocody",  # 285 122.3 m
            "Pharmacie du Plateau",  # 286 224.2 m
            "CHU de Treichville",  # 289 650.9 m
            "CHR de San-Pédro",
        ]
        assert data[0]["distance_m"] == 0
        # Bouaké → San-Pédro by the law of cosines: 372 217.7 m.
        assert abs(data[-1]["distance_m"] - 372_217.7) <= 1

    async def test_radius_category_and_emergency_filters(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        await create_places(client, admin)
        assert names(await near(client, rayon=4_000)) == [
            "Pharmacie du Plateau",
            "CHU de Treichville",
        ]
        assert names(await near(client, rayon=50_000, categorie="chu")) == [
            "CHU de Treichville",
            "CHU de Cocody",
        ]
        two = await near(client, rayon=50_000, categorie=["chu", "pharmacie"])
        assert len(two["data"]) == 3
        # Flaw of the previous back end: "urgence" could not be filtered (404).
        assert names(await near(client, rayon=50_000, urgences="true")) == [
            "CHU de Treichville",
            "CHU de Cocody",
        ]
        assert names(await near(client, rayon=50_000, ouvert_24h="true")) == [
            "Pharmacie du Plateau"
        ]
        assert names(await near(client, rayon=50_000, limite=1)) == ["Pharmacie du Plateau"]

    async def test_hidden_and_merged_establishments_are_not_listed(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        ids = await create_places(client, admin)
        hide = await client.patch(
            f"/api/admin/etablissements/{ids['CHU de Treichville']}",
            json={"visible": False},
            headers=bearer(admin),
        )
        assert hide.status_code == 200, hide.text
        duplicate = await create(
            client, admin, nom="Pharmacie Plateau", lat=5.3211, lon=-4.0181, categorie="pharmacie"
        )
        merged = await client.post(
            f"/api/admin/etablissements/{duplicate['id_etablissement']}/fusion",
            json={"id_cible": ids["Pharmacie du Plateau"], "motif": "Doublon"},
            headers=bearer(admin),
        )
        assert merged.status_code == 200, merged.text
        assert names(await near(client, rayon=50_000)) == ["Pharmacie du Plateau", "CHU de Cocody"]
        # The merged id still answers, with the establishment that stayed.
        detail = await client.get(f"/api/etablissements/{duplicate['id_etablissement']}")
        assert detail.json()["data"]["id_etablissement"] == ids["Pharmacie du Plateau"]
        hidden = await client.get(f"/api/etablissements/{ids['CHU de Treichville']}")
        assert hidden.status_code == 404
        assert hidden.json()["message"] == "Établissement introuvable."

    async def test_knn_refinement_is_exact_where_degrees_distort(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        """At 10° N a degree of longitude is 1.5 % shorter than a degree of latitude: the
        index's order (degrees) differs from the ground's. The answer must equal a brute-force
        haversine sort of every point."""
        rng = random.Random(20261124)  # noqa: S311 (reproducible test points)
        centre = (10.0, -6.0)
        points = [
            (centre[0] + rng.uniform(-0.05, 0.05), centre[1] + rng.uniform(-0.05, 0.05))
            for _ in range(400)
        ]
        async with db_engine.begin() as connection:
            for n, (lat, lon) in enumerate(points):
                await connection.execute(
                    text(
                        "INSERT INTO etablissement_sante (nom, nom_normalise, categorie, geo)"
                        " VALUES (:nom, :nom, 'autre', point(:lon, :lat))"
                    ),
                    {"nom": f"point {n}", "lat": lat, "lon": lon},
                )
        response = await client.get(
            "/api/etablissements/proches",
            params={"lat": centre[0], "lon": centre[1], "rayon": 10_000, "limite": 30},
        )
        got = [item["nom"] for item in response.json()["data"]]

        def metres(lat: float, lon: float) -> float:
            p1, p2 = math.radians(centre[0]), math.radians(lat)
            cosine = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(
                math.radians(lon - centre[1])
            )
            return 6_371_008.8 * math.acos(min(1.0, cosine))

        expected = sorted(range(len(points)), key=lambda n: metres(*points[n]))
        expected_names = [f"point {n}" for n in expected if metres(*points[n]) <= 10_000][:30]
        assert got == expected_names

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"lat": 91, "lon": 0}, "lat"),
            ({"lat": "5.3; DROP TABLE etablissement_sante", "lon": -4.0}, "lat"),
            ({"lat": 5.3, "lon": -4.0, "rayon": 10**9}, "rayon"),
            ({"lat": 5.3, "lon": -4.0, "categorie": "urgence"}, "categorie"),
            ({"lon": -4.0}, "lat"),
        ],
    )
    async def test_bad_queries_get_a_french_422(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, params: dict[str, Any], field: str
    ) -> None:
        response = await client.get("/api/etablissements/proches", params=params)
        assert response.status_code == 422
        body = response.json()
        assert body["success"] is False
        assert field in body["message"]
        async with db_engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM etablissement_sante")) == 0


class TestSearch:
    async def test_accents_case_typos_and_places(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        await create_places(client, admin)
        await create(
            client,
            admin,
            nom="Pharmacie de la Riviera Palmeraie",
            categorie="pharmacie",
            commune="Cocody",
            ville="Abidjan",
            lat=5.3700,
            lon=-3.9600,
        )

        async def search(q: str, **params: Any) -> dict[str, Any]:
            response = await client.get("/api/etablissements/recherche", params={"q": q, **params})
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        assert names(await search("chu cocody"))[0] == "CHU de Cocody"
        assert names(await search("CHU COCODY"))[0] == "CHU de Cocody"
        assert names(await search("pharmacie de la riviera")) == [
            "Pharmacie de la Riviera Palmeraie"
        ]
        assert names(await search("hopital bouake"))[0] == "CHU de Bouaké"
        assert names(await search("Hôpital Bouaké"))[0] == "CHU de Bouaké"
        typo = await search("hopitl bouakee")
        assert names(typo)[0] == "CHU de Bouaké"
        assert typo["corrigee"] is True
        assert typo["requete"] == "hopital bouake"
        assert names(await search("pharma riv"))[0] == "Pharmacie de la Riviera Palmeraie"
        assert names(await search("san pedro")) == ["CHR de San-Pédro"]
        assert names(await search("chu", categorie="pharmacie")) == []
        await create(client, admin, nom="Pharmacie Saint Michel", categorie="pharmacie",
                     lat=5.33, lon=-4.02)  # fmt: skip
        abbreviated = await search("pharmacie st michel")
        assert names(abbreviated) == ["Pharmacie Saint Michel"]
        assert abbreviated["requete"] == "pharmacie saint michel"
        # No establishment has every word: the answers that miss one word, most specific
        # first (« pharmacie michel » before « pharmacie bouake »'s many pharmacies…).
        assert names(await search("pharmacie michel bouake"))[0] == "Pharmacie Saint Michel"
        garde = await search("pharmacie de garde riviera")
        assert names(garde) == ["Pharmacie de la Riviera Palmeraie"]
        assert garde["requete"] == "pharmacie riviera"
        assert (await search("zzzzqqq"))["data"] == []

    async def test_short_or_empty_queries_are_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/etablissements/recherche", params={"q": "a"})
        assert response.status_code == 422
        assert "q" in response.json()["message"]
        only_stop_words = await client.get("/api/etablissements/recherche", params={"q": "de la"})
        assert only_stop_words.status_code == 200
        assert only_stop_words.json()["data"] == []


class TestListsAndDetail:
    async def test_list_by_region_commune_category_with_pages(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        await create_places(client, admin)
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"region": "abidjan", "limite": 2}
            if cursor:
                params["curseur"] = cursor
            page = (await client.get("/api/etablissements", params=params)).json()
            seen += names(page)
            cursor = page["suivant"]
            if cursor is None:
                break
        assert seen == ["CHU de Cocody", "CHU de Treichville", "Pharmacie du Plateau"]
        cocody = await client.get("/api/etablissements", params={"commune": "Cocody"})
        assert names(cocody.json()) == ["CHU de Cocody"]
        chr_ = await client.get(
            "/api/etablissements", params={"categorie": "centre_hospitalier_regional"}
        )
        assert names(chr_.json()) == ["CHR de San-Pédro"]
        bad = await client.get("/api/etablissements", params={"curseur": "n'importe quoi"})
        assert bad.status_code == 422
        assert bad.json()["message"] == "Curseur de pagination invalide."
        places = (await client.get("/api/etablissements/lieux")).json()["data"]
        assert {"region": "Abidjan", "ville": "Abidjan", "commune": "Cocody", "nombre": 1} in places
        counts = (await client.get("/api/etablissements/categories")).json()["data"]
        assert {"code": "chu", "libelle": LABELS["chu"], "nombre": 3} in counts

    async def test_detail_has_tel_links_directions_hours_and_attribution(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        every_day = [{"jour": d, "ouverture": "00:00", "fermeture": "00:00"} for d in range(1, 8)]
        created = await create(
            client,
            admin,
            nom="Clinique Sainte-Anne",
            lat=5.35,
            lon=-4.0,
            telephones=[
                {"numero": "27 22 48 00 00", "libelle": "Accueil"},
                {"numero": "0708972339", "libelle": "Urgences", "type_numero": "urgence"},
            ],
            horaires=every_day,
        )
        detail = (await client.get(f"/api/etablissements/{created['id_etablissement']}")).json()
        data = detail["data"]
        assert [p["appel"] for p in data["telephones"]] == [
            "tel:+2252722480000",
            "tel:+2250708972339",
        ]
        assert data["telephone"]["appel"] == "tel:+2252722480000"
        assert data["itineraire"]["openstreetmap"] == (
            "https://www.openstreetmap.org/directions?to=5.350000%2C-4.000000"
        )
        assert "destination=5.350000%2C-4.000000" in data["itineraire"]["google_maps"]
        assert data["ouvert_maintenant"] is True
        assert len(data["horaires"]) == 7
        assert data["horaires"][0] == {
            "jour": 1,
            "jour_libelle": "lundi",
            "ouverture": "00:00",
            "fermeture": "24:00",
        }
        assert detail["attribution"] == [
            {"source": "administrateur", "licence": "Données Hostolink", "attribution": None}
        ]
        no_hours = await create(client, admin, nom="Cabinet X", lat=5.35, lon=-4.01)
        unknown = (await client.get(f"/api/etablissements/{no_hours['id_etablissement']}")).json()
        assert unknown["data"]["ouvert_maintenant"] is None
        assert unknown["data"]["telephone"] is None

    async def test_invalid_phone_or_hours_change_nothing(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        created = await create(client, admin, nom="Clinique Y", lat=5.35, lon=-4.0)
        path = f"/api/admin/etablissements/{created['id_etablissement']}"
        bad_phone = await client.patch(
            path,
            json={"nom": "Autre nom", "telephones": [{"numero": "12"}, {"numero": "abc"}]},
            headers=bearer(admin),
        )
        assert bad_phone.status_code in {400, 422}
        assert bad_phone.json()["success"] is False
        bad_hours = await client.patch(
            path,
            json={"horaires": [{"jour": 8, "ouverture": "08:00", "fermeture": "18:00"}]},
            headers=bearer(admin),
        )
        assert bad_hours.status_code == 422
        after = (await client.get(f"/api/etablissements/{created['id_etablissement']}")).json()
        assert after["data"]["nom"] == "Clinique Y"
        assert after["data"]["telephones"] == []


class TestOverTheRealData:
    """The seeded open data (3 474 establishments): the issue's search cases and the
    attribution of OpenStreetMap rows."""

    async def test_search_cases_and_attribution(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        async with AsyncSession(db_engine) as session, session.begin():
            await seed_directory(session)

        async def search(q: str) -> dict[str, Any]:
            response = await client.get("/api/etablissements/recherche", params={"q": q})
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        cocody = (await search("chu cocody"))["data"]
        assert cocody[0]["categorie"] == "chu"
        assert "Cocody" in cocody[0]["nom"]
        riviera = (await search("pharmacie de la riviera"))["data"]
        assert riviera
        assert all("riviera" in item["nom"].lower() for item in riviera)
        assert all(item["categorie"] == "pharmacie" for item in riviera)
        for typed in ("hopital bouake", "hopitl bouake", "Hôpital Bouaké"):
            body = await search(typed)
            assert body["data"][0]["nom"] == "Centre hospitalier universitaire de Bouake", typed
            assert body["requete"] == "hopital bouake"
        near_chu = await client.get(
            "/api/etablissements/proches", params={"lat": 5.3453, "lon": -3.9866, "rayon": 2000}
        )
        body = near_chu.json()
        assert len(body["data"]) == 20
        assert {
            "source": "healthsites_osm_2020",
            "licence": "ODbL-1.0",
            "attribution": "© OpenStreetMap contributors / healthsites.io",
        } in body["attribution"]
        distances = [item["distance_m"] for item in body["data"]]
        assert distances == sorted(distances)
        assert distances[-1] <= 2000
